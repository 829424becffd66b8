"""The lunch-break peak: N respondents at concurrency C, each as a phone does it.

    uv run python bench/load.py                          # SQLite, 1 process, 5,000 at 200
    uv run python bench/load.py --workers 2 --database postgresql://postgres@127.0.0.1:5432/load

Each respondent opens the form page (``GET /p/{code}``, which gives the phone its device
cookie) and then submits its answers with that cookie, on one keep-alive connection. At the
end the run checks that the accepted submissions, the stored responses and the results'
total are the same number, and reports respondents per second, latency percentiles of the
pair and of the submit alone, and the errors.
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


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0


async def drive(url: str, code: str, answers: dict, respondents: int, concurrency: int) -> dict:
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"answers": answers}).encode()
    pairs: list[float] = []
    submits: list[float] = []
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
                status, headers, _ = await _exchange(
                    reader,
                    writer,
                    f"GET /p/{code} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: gzip\r\n"
                    f"Accept-Language: vi\r\n\r\n".encode(),
                )
                if status != 200:
                    error(f"form {status}")
                    continue
                cookie = ""
                for line in headers.get("set-cookie", "").split("\n"):
                    if line.startswith("polls_device="):
                        cookie = line.split(";", 1)[0]
                sent = time.perf_counter()
                status, _, _ = await _exchange(
                    reader,
                    writer,
                    f"POST /api/v1/forms/{code}/responses HTTP/1.1\r\nHost: {host}\r\n"
                    f"Content-Type: application/json\r\nCookie: {cookie}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body,
                )
                done = time.perf_counter()
                if status == 201:
                    accepted += 1
                    pairs.append(done - started)
                    submits.append(done - sent)
                else:
                    error(f"submit {status}")
        except (ConnectionError, asyncio.IncompleteReadError) as failure:
            error(type(failure).__name__)
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(phone_line() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    return {
        "respondents": respondents,
        "concurrency": concurrency,
        "accepted": accepted,
        "errors": errors,
        "respondents_per_second": round(accepted / elapsed, 1),
        "pair_ms": {p: round(_percentile(pairs, p), 1) for p in (50, 95, 99)},
        "submit_ms": {p: round(_percentile(submits, p), 1) for p in (50, 95, 99)},
        "mean_pair_ms": round(statistics.fmean(pairs) * 1000, 1) if pairs else 0,
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
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or f"sqlite:///{Path(tmp) / 'load.sqlite3'}"
        server, address = start_server(database, Path(tmp), args.workers)
        url, token = address.split("#")
        try:
            code, answers = form_body(url, token)
            poll = httpx.get(f"{url}/api/v1/forms/{code}").json()["poll"]
            before = asyncio.run(stored(database, poll))
            report = asyncio.run(drive(url, code, answers, args.respondents, args.concurrency))
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
