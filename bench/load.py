"""The lunch-break peak: N respondents at concurrency C, each as a phone does it.

    uv run python bench/load.py                          # SQLite, 1 process, 5,000 at 64
    uv run python bench/load.py --workers 2 --database postgresql://postgres@127.0.0.1:5432/load
    uv run python bench/load.py --light                  # the older, lighter flow

Each respondent is a new phone on one keep-alive connection, doing what ``enhance.js``
does, with an Android WebView's headers (``_http.PHONE``): it opens the form page
(``GET /p/{code}``, which gives it its device cookie), posts its answers as JSON with that
cookie and a fresh client-made ``submission_id``, and opens the thanks page. ``--light`` is
the flow this bench measured before (form page and submission, no ``submission_id``, no
thanks page, two headers). At the end the run checks that the accepted submissions, the
stored responses and the results' total are the same number, and reports respondents per
second, latency percentiles of the whole flow and of each request, the errors, and the
server's CPU time per respondent (its process and workers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _http import PHONE_NAVIGATION, phone_fetch, submission_id, tree_cpu_seconds
from submit import form_body, start_server


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, dict[str, str], bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            key = name.strip().lower()
            headers[key] = (headers[key] + "\n" if key in headers else "") + value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


def _request(
    method: str, path: str, host: str, headers: dict[str, str], body: bytes = b""
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    if method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0


async def drive(
    url: str, code: str, answers: dict, respondents: int, concurrency: int, *, light: bool = False
) -> dict:
    address = url.removeprefix("http://")
    host, port = address.split(":")
    if light:
        page_headers = {"Accept-Encoding": "gzip", "Accept-Language": "vi"}
        post_headers = {"Content-Type": "application/json"}
    else:
        page_headers, post_headers = PHONE_NAVIGATION, phone_fetch(url)
    flows: list[float] = []
    timings: dict[str, list[float]] = {"form": [], "submit": [], "thanks": []}
    accepted = 0
    errors: dict[str, int] = {}
    todo = iter(range(respondents))

    def error(kind: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1

    async def phone_line() -> None:
        nonlocal accepted
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for _ in todo:
                started = time.perf_counter()
                request = _request("GET", f"/p/{code}", address, page_headers)
                status, headers, _ = await _exchange(reader, writer, request)
                if status != 200:
                    error(f"form {status}")
                    continue
                cookie = ""
                for line in headers.get("set-cookie", "").split("\n"):
                    if line.startswith("polls_device="):
                        cookie = line.split(";", 1)[0]
                sent = time.perf_counter()
                payload = {"answers": answers}
                if not light:
                    payload["submission_id"] = submission_id()
                request = _request(
                    "POST",
                    f"/api/v1/forms/{code}/responses",
                    address,
                    {**post_headers, "Cookie": cookie},
                    json.dumps(payload).encode(),
                )
                status, _, _ = await _exchange(reader, writer, request)
                stored = time.perf_counter()
                if status != 201:
                    error(f"submit {status}")
                    continue
                accepted += 1
                if not light:
                    request = _request(
                        "GET",
                        f"/p/{code}/thanks",
                        address,
                        {**page_headers, "Sec-Fetch-Site": "same-origin", "Cookie": cookie},
                    )
                    status, _, _ = await _exchange(reader, writer, request)
                    if status != 200:
                        error(f"thanks {status}")
                        continue
                done = time.perf_counter()
                flows.append(done - started)
                timings["form"].append(sent - started)
                timings["submit"].append(stored - sent)
                if not light:
                    timings["thanks"].append(done - stored)
        except (ConnectionError, asyncio.IncompleteReadError) as failure:
            error(type(failure).__name__)
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(phone_line() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    return {
        "flow": "light" if light else "phone",
        "respondents": respondents,
        "concurrency": concurrency,
        "accepted": accepted,
        "errors": errors,
        "respondents_per_second": round(accepted / elapsed, 1),
        "flow_ms": {p: round(_percentile(flows, p), 1) for p in (50, 95, 99)},
        **{
            f"{name}_ms": {p: round(_percentile(values, p), 1) for p in (50, 95, 99)}
            for name, values in timings.items()
            if values
        },
        "mean_flow_ms": round(statistics.fmean(flows) * 1000, 1) if flows else 0,
        "seconds": round(elapsed, 2),
    }


async def stored(database: str, poll_id: int) -> int:
    query = 'SELECT COUNT(*) FROM "response" WHERE "poll" = '
    if database.startswith("sqlite"):
        with sqlite3.connect(database.removeprefix("sqlite:///")) as connection:
            return int(connection.execute(query + "?", (poll_id,)).fetchone()[0])
    connection = await asyncpg.connect(database)
    try:
        return int(await connection.fetchval(query + "$1", poll_id))
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="DATABASE_URL (default: a new SQLite file)")
    parser.add_argument("--respondents", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: any)")
    parser.add_argument("--light", action="store_true", help="the older flow (see above)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or f"sqlite:///{Path(tmp) / 'load.sqlite3'}"
        server, address = start_server(database, Path(tmp), args.workers, port=args.port)
        url, token = address.split("#")
        try:
            code, answers = form_body(url, token)
            poll = httpx.get(f"{url}/api/v1/forms/{code}").json()["poll"]
            before = asyncio.run(stored(database, poll))
            cpu = tree_cpu_seconds(server.pid)
            client_cpu = time.process_time()
            report = asyncio.run(
                drive(url, code, answers, args.respondents, args.concurrency, light=args.light)
            )
            cpu = tree_cpu_seconds(server.pid) - cpu
            client_cpu = time.process_time() - client_cpu
            report["server_cpu_ms_per_respondent"] = round(cpu / report["respondents"] * 1000, 3)
            # the load generator shares the machine's cores with the server
            report["client_cpu_ms_per_respondent"] = round(
                client_cpu / report["respondents"] * 1000, 3
            )
            results = httpx.get(
                f"{url}/api/v1/polls/{poll}/results", headers={"Authorization": f"Bearer {token}"}
            ).json()
            report["stored"] = asyncio.run(stored(database, poll)) - before
            report["results_total"] = results["responses"] - before
        finally:
            server.terminate()
            server.wait(30)
    report["exact"] = report["accepted"] == report["stored"] == report["results_total"]
    report["database"] = "postgresql" if database.startswith("postgres") else "sqlite"
    report["workers"] = args.workers
    print(json.dumps(report, indent=2))
    if not report["exact"]:
        sys.exit("the counts differ")


if __name__ == "__main__":
    main()
