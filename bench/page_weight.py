"""What a phone downloads to show the worker's form: bytes (raw and gzip) and requests.

    uv run python bench/page_weight.py

Starts its own server on the demo data and fetches each poll's first placement the way a
phone does (``Accept-Encoding: gzip``, Vietnamese). Every sub-resource the page names
(stylesheet, script, image, font) would be one more request; the page should name none.
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submit import start_server

BUDGET_GZIP = 8 * 1024
SUBRESOURCE = re.compile(
    r"<(?:link[^>]+rel=\"?stylesheet|script[^>]+src=|img[^>]+src=|link[^>]+rel=\"?preload)", re.I
)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server, address = start_server(f"sqlite:///{tmp}/weight.sqlite3", Path(tmp), 1, "admin")
        url, token = address.split("#")
        try:
            headers = {"Authorization": f"Bearer {token}"}
            rows = []
            with httpx.Client(base_url=url) as client:
                for poll in client.get("/api/v1/polls", headers=headers).json():
                    placement = client.get(
                        f"/api/v1/polls/{poll['id']}/placements", headers=headers
                    ).json()[0]
                    response = client.get(
                        f"/p/{placement['code']}",
                        headers={"Accept-Encoding": "gzip", "Accept-Language": "vi"},
                    )
                    wire = len(response.content)  # httpx decodes; measure the wire separately
                    raw = response.content
                    gz = len(gzip.compress(raw, compresslevel=9))
                    if response.headers.get("content-encoding") == "gzip":
                        wire = int(response.headers.get("content-length", gz))
                    extra = len(SUBRESOURCE.findall(raw.decode()))
                    questions = len(
                        poll
                        and client.get(f"/api/v1/forms/{placement['code']}").json()["questions"]
                    )
                    rows.append(
                        (poll["title"][:48], poll["status"], questions, len(raw), wire, 1 + extra)
                    )
        finally:
            server.terminate()
            server.wait(10)
    print(f"{'poll':50} {'status':8} {'q':>2} {'raw B':>7} {'gzip B':>7} {'requests':>8}")
    for title, status, questions, raw, wire, requests in rows:
        flag = "" if wire <= BUDGET_GZIP else "  over the 8 KB budget"
        print(f"{title:50} {status:8} {questions:>2} {raw:>7} {wire:>7} {requests:>8}{flag}")


if __name__ == "__main__":
    main()
