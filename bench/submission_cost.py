"""One submission's cost in-process: the ASGI app called directly (no socket, no uvicorn),
with a phone's headers and a fresh ``submission_id``, and the SQL it sends.

    uv run python bench/submission_cost.py                  # SQLite, a fresh file
    uv run python bench/submission_cost.py --database postgresql://postgres@127.0.0.1:5432/<new db>
    uv run python bench/submission_cost.py --profile 30     # cProfile, top 30 by own time

It loads the demo into a new database, builds the app (rate limits off), and answers the
demo's open poll N times, one request at a time or at ``--concurrency`` C, each a new
device (a token the form page would have handed out). It prints the wall time and the
process's CPU per submission, beside ``/livez`` with the same headers, and the statements
and transactions per submission (SQLite: every statement any connection runs, from
``sqlite3``'s trace callback; PostgreSQL: asyncpg's query logger), so a round trip added
or saved on the write path shows as a number.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from polls import db, demo
from polls import tables as t
from polls.app import create_app
from polls.privacy import DEVICE_COOKIE, new_device_token
from polls.services import polls
from polls.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _http import PHONE, phone_fetch, submission_id

SECRET = "bench-secret-key-bench-secret-key"  # noqa: S105  (a throwaway database)
ORIGIN = "http://127.0.0.1:8000"

statements: collections.Counter[str] = collections.Counter()
VERBOSE = "--verbose" in sys.argv


def _count(sql: str) -> None:
    statements[
        " ".join(sql.split())[:90]
        if VERBOSE
        else (sql.split(None, 1)[0].upper() if sql.strip() else "?")
    ] += 1


def _trace_sqlite(engine: db.FastSQLiteEngine) -> None:
    connect_sync, connect = engine._connect_sync, engine._connect

    def traced_sync() -> Any:
        connection = connect_sync()
        connection.set_trace_callback(_count)
        return connection

    async def traced() -> Any:
        connection = await connect()
        await connection.set_trace_callback(_count)
        return connection

    engine._connect_sync = traced_sync  # type: ignore[method-assign]
    engine.batch_writer._connect = traced_sync
    engine._connect = traced  # type: ignore[method-assign]


async def _start(engine: Any) -> None:
    if isinstance(engine, PostgresEngine):

        async def init(connection: Any) -> None:
            connection.add_query_logger(lambda record: _count(record.query))

        options = getattr(db, "POOL_OPTIONS", {"min_size": 2, "max_size": 20})
        await engine.start_connection_pool(**options, init=init)
    else:
        await db.start(engine)


class Asgi:
    """Calls the app as a server would, with one HTTP request at a time per call."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (k.lower().encode(), v.encode())
                for k, v in {
                    "host": "127.0.0.1:8000",
                    **headers,
                    **({"content-length": str(len(body))} if body else {}),
                }.items()
            ],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status, chunks = 0, []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def lifespan(app: Any) -> tuple[asyncio.Task[None], asyncio.Queue[dict[str, Any]]]:
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.create_task(app({"type": "lifespan"}, inbox.get, outbox.put))
    started = await outbox.get()
    assert started["type"] == "lifespan.startup.complete", started
    return task, inbox


async def main(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'cost.sqlite3'}"
    engine = db.engine_for_url(url, "FULL")
    if isinstance(engine, db.FastSQLiteEngine):
        _trace_sqlite(engine)
    await db.migrate(engine, quiet=True)
    await _start(engine)
    try:
        db.activate(engine)
        await demo.load_demo(SECRET)
        settings = Settings(
            database_url=url,
            secret_key=SECRET,
            rate_limit_per_device=0,
            rate_limit_per_ip=0,
            base_url=ORIGIN,
        )
        app = create_app(settings, engine=engine)
        task, inbox = await lifespan(app)
        call = Asgi(app)
        poll = await polls.load(1)
        first = await t.Placement.select(t.Placement.code).where(t.Placement.poll == 1).first()
        assert first is not None
        path = f"/api/v1/forms/{first['code']}/responses"
        answers = demo.full_answers(poll)
        fetch = phone_fetch(ORIGIN)

        async def submit() -> None:
            token = new_device_token(SECRET)
            body = json.dumps({"answers": answers, "submission_id": submission_id()}).encode()
            status, text = await call(
                "POST", path, {**fetch, "cookie": f"{DEVICE_COOKIE}={token}"}, body
            )
            assert status == 201, (status, text)

        async def livez() -> None:
            status, _ = await call("GET", "/livez", PHONE)
            assert status == 200

        async def rounds(one: Callable[[], Any], n: int) -> tuple[float, float]:
            gate = asyncio.Semaphore(args.concurrency)

            async def gated() -> None:
                async with gate:
                    await one()

            began, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(gated() for _ in range(n)))
            return (
                (time.perf_counter() - began) / n * 1000,
                (time.process_time() - cpu) / n * 1000,
            )

        # warm up at the same concurrency: caches, the pool's connections, their prepared
        # statements (so the counts below are a steady submission's)
        await rounds(submit, 500)
        await rounds(livez, 100)
        statements.clear()
        await rounds(submit, 100)
        per_submission = {k: v / 100 for k, v in sorted(statements.items())}
        profiler = cProfile.Profile() if args.profile else None
        live, sub = [], []
        for _ in range(args.rounds):
            live.append(await rounds(livez, args.submissions))
            if profiler:
                profiler.enable()
            sub.append(await rounds(submit, args.submissions))
            if profiler:
                profiler.disable()
        await inbox.put({"type": "lifespan.shutdown"})
        await task
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        return {
            "database": "postgresql" if url.startswith("postgres") else "sqlite",
            "concurrency": args.concurrency,
            "submission_wall_ms": round(statistics.median(w for w, _ in sub), 3),
            "submission_cpu_ms": round(statistics.median(c for _, c in sub), 3),
            "livez_wall_ms": round(statistics.median(w for w, _ in live), 3),
            "livez_cpu_ms": round(statistics.median(c for _, c in live), 3),
            "statements_per_submission": per_submission,
        }
    finally:
        await db.stop(engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="DATABASE_URL (default: a new SQLite file)")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="count each statement's text")
    parser.add_argument("--profile", type=int, default=0, help="print a cProfile, top N")
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
