"""The stack's floor: the phone flow of ``bench/load.py`` against an app that does nothing.

    uv run python bench/floor.py                 # 3 rounds: the bare stack, then the real app
    uv run python bench/floor.py --rounds 5 --respondents 3000

The bare app is Litestar under uvicorn, started with the options ``polls serve`` uses (one
worker, no access log), answering the same three requests with the least work each can
take: the form page is a prebuilt gzipped body of the real page's size with a device
cookie, the submission's JSON is decoded and answered 201, the thanks page is prebuilt.
No database, no template, no guard. Driven by the same client (``load.drive``) at the same
concurrency, alternating with the real app on SQLite, it tells how much of a respondent's
cost is the web stack itself: the ceiling no change inside ``polls/`` can pass on this
machine with one worker.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from litestar import Litestar, Request, Response, get, post

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _http import tree_cpu_seconds
from load import drive
from submit import form_body, free_port, start_server

PAGE_BYTES = 5_600
"""About the real form page's size before gzip (``bench/page_weight.py``)."""


def bare_app() -> Litestar:  # imported by uvicorn in the child process (``--factory``)
    page = gzip.compress(("<!doctype html>" + "x" * PAGE_BYTES).encode())
    thanks = gzip.compress(b"<!doctype html><p>Thank you</p>")
    html = {"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"}

    @get("/p/{code:str}/thanks")
    async def show_thanks(code: str) -> Response[bytes]:
        return Response(thanks, headers=html)

    @get("/p/{code:str}")
    async def show_form(code: str) -> Response[bytes]:
        response = Response(page, headers=html)
        response.set_cookie("polls_device", secrets.token_urlsafe(24), httponly=True)
        return response

    @post("/api/v1/forms/{code:str}/responses", status_code=201)
    async def submit(code: str, request: Request) -> dict[str, str]:
        body = await request.json()
        return {"submission_id": str(body.get("submission_id", ""))}

    @get("/livez")
    async def livez() -> str:
        return "ok"

    return Litestar([show_form, show_thanks, submit, livez], openapi_config=None)


def start_bare(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "floor:bare_app",
            "--app-dir",
            str(Path(__file__).resolve().parent),
            "--port",
            str(port),
            "--no-access-log",
            "--no-server-header",
            "--log-level",
            "warning",
        ],
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/livez").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the bare app did not start")


def measure(server: subprocess.Popen[bytes], url: str, code: str, answers: dict, args) -> dict:
    cpu = tree_cpu_seconds(server.pid)
    report = asyncio.run(drive(url, code, answers, args.respondents, args.concurrency))
    cpu = tree_cpu_seconds(server.pid) - cpu
    report["server_cpu_ms_per_respondent"] = round(cpu / args.respondents * 1000, 3)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--respondents", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"bare": [], "polls": []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            port = free_port()
            bare = start_bare(port)
            try:
                url = f"http://127.0.0.1:{port}"
                runs["bare"].append(measure(bare, url, "bare", {"1": "yes"}, args))
            finally:
                bare.terminate()
                bare.wait(30)
            workdir = Path(tmp) / str(round_)
            workdir.mkdir()
            real, address = start_server(f"sqlite:///{workdir / 'floor.sqlite3'}", workdir, 1)
            try:
                url, token = address.split("#")
                code, answers = form_body(url, token)
                runs["polls"].append(measure(real, url, code, answers, args))
            finally:
                real.terminate()
                real.wait(30)
    summary = {
        name: {
            "respondents_per_second": statistics.median(
                r["respondents_per_second"] for r in reports
            ),
            "p99_flow_ms": statistics.median(r["flow_ms"][99] for r in reports),
            "server_cpu_ms_per_respondent": statistics.median(
                r["server_cpu_ms_per_respondent"] for r in reports
            ),
            "errors": [r["errors"] for r in reports if r["errors"]],
            "rounds": [r["respondents_per_second"] for r in reports],
        }
        for name, reports in runs.items()
    }
    summary["polls_over_bare"] = round(
        summary["polls"]["respondents_per_second"] / summary["bare"]["respondents_per_second"], 3
    )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
