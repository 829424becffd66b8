"""Submissions per second against a running server, beside the same server's ``/livez``.

    uv run python bench/submit.py                 # starts its own server on SQLite
    uv run python bench/submit.py --database postgresql://postgres@127.0.0.1:5432/bench

Each submission is a new device answering the demo's 5-question poll through
``POST /api/v1/forms/{code}/responses``, as the form's script sends it: a phone's headers
(``_http.phone_fetch``) and a fresh ``submission_id``. ``/livez`` does no database work
and gets the same phone's headers: it is the framework's ceiling on this machine, so the
ratio says how much the submission path costs. Both are measured in the same run,
alternating rounds, and the medians reported, with the server's CPU time per request
(its process and workers). ``--light``: neither headers nor ``submission_id`` (the figures
before issue 19).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from polls.privacy import new_device_token

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _http import PHONE, phone_fetch, run, submission_id, tree_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent

SECRET_KEY = secrets.token_urlsafe(32)  # serve refuses a guessable one
"""The served app's secret: each submission signs the device token of a phone that opened
the form, as the form page would have handed it out."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    database: str, workdir: Path, workers: int, officer: str = "maokhe", *, port: int = 0
) -> tuple[subprocess.Popen[bytes], str]:
    port = port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": SECRET_KEY,
        "POLLS_RATE_LIMIT_PER_DEVICE": "0",
        "POLLS_RATE_LIMIT_PER_IP": "0",
    }
    polls = [sys.executable, "-m", "polls"]
    subprocess.run([*polls, "demo"], cwd=workdir, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*polls, "serve", "--port", str(port), "--workers", str(workers)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(url + "/readyz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    token = subprocess.run(
        [*polls, "issue-token", officer],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return server, url + "#" + token


def form_body(url: str, token: str) -> tuple[str, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"}
    polls = httpx.get(f"{url}/api/v1/polls", headers=headers).json()
    poll = next(p for p in polls if p["status"] == "open")
    code = httpx.get(f"{url}/api/v1/polls/{poll['id']}/placements", headers=headers).json()[0][
        "code"
    ]
    form = httpx.get(f"{url}/api/v1/forms/{code}").json()
    answers: dict[str, object] = {}
    for q in form["questions"]:
        if q["kind"] == "single":
            answers[str(q["id"])] = q["options"][0]["id"]
        elif q["kind"] == "multi":
            answers[str(q["id"])] = [o["id"] for o in q["options"][: q["max_choices"] or 2]]
        elif q["kind"] == "scale":
            answers[str(q["id"])] = q["max"]
        elif q["kind"] == "yes_no":
            answers[str(q["id"])] = True
        else:
            answers[str(q["id"])] = "Cần thêm quạt gió ở lò chợ."
    return code, answers


async def measure(
    url: str,
    code: str,
    answers: dict[str, object],
    total: int,
    concurrency: int,
    rounds: int,
    server: int,
    *,
    light: bool = False,
) -> dict[str, object]:
    body = json.dumps({"answers": answers}).encode()
    fetch = {"Content-Type": "application/json"} if light else phone_fetch(url)

    def submit(_: int) -> tuple[str, str, bytes, dict[str, str]]:
        headers = {**fetch, "X-Polls-Device": new_device_token(SECRET_KEY)}
        sent = body
        if not light:
            sent = json.dumps({"answers": answers, "submission_id": submission_id()}).encode()
        return "POST", f"/api/v1/forms/{code}/responses", sent, headers

    livez_headers = {} if light else PHONE

    def livez(_: int) -> tuple[str, str, bytes, dict[str, str]]:
        return "GET", "/livez", b"", livez_headers

    async def timed(make: Callable[..., Any]) -> tuple[Any, float]:
        cpu = tree_cpu_seconds(server)
        result = await run(url, make, total, concurrency)
        return result, (tree_cpu_seconds(server) - cpu) / total * 1000

    await run(url, livez, 500, concurrency)  # warm up
    submits, lives, submit_cpu, live_cpu = [], [], [], []
    for _ in range(rounds):
        result, cpu = await timed(livez)
        lives.append(result)
        live_cpu.append(cpu)
        result, cpu = await timed(submit)
        submits.append(result)
        submit_cpu.append(cpu)
    live_rate = statistics.median(r.rate() for r in lives)
    submit_rate = statistics.median(r.rate() for r in submits)
    return {
        "headers": "light" if light else "phone",
        "livez": {
            "per_second_median": round(live_rate, 1),
            "server_cpu_ms_median": round(statistics.median(live_cpu), 3),
            "rounds": [r.summary() for r in lives],
        },
        "submit": {
            "per_second_median": round(submit_rate, 1),
            "p50_ms_median": round(statistics.median(r.percentile(50) for r in submits), 2),
            "p99_ms_median": round(statistics.median(r.percentile(99) for r in submits), 2),
            "server_cpu_ms_median": round(statistics.median(submit_cpu), 3),
            "rounds": [r.summary() for r in submits],
        },
        "ratio_submit_to_livez": round(submit_rate / live_rate, 3),
        "concurrency": concurrency,
        "requests_per_round": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="DATABASE_URL (default: a new SQLite file)")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: any)")
    parser.add_argument(
        "--light", action="store_true", help="no phone headers, no submission_id (as before)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database = args.database or f"sqlite:///{workdir / 'bench.sqlite3'}"
        server, address = start_server(database, workdir, args.workers, port=args.port)
        url, token = address.split("#")
        try:
            code, answers = form_body(url, token)
            report = asyncio.run(
                measure(
                    url,
                    code,
                    answers,
                    args.requests,
                    args.concurrency,
                    args.rounds,
                    server.pid,
                    light=args.light,
                )
            )
        finally:
            server.terminate()
            server.wait(10)
        report["database"] = "postgresql" if database.startswith("postgres") else "sqlite"
        report["workers"] = args.workers
        print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
