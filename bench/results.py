"""Results at scale: the results JSON (overall and broken down), a chart cold and from
cache, and the PDF report, with N stored responses in one poll.

    uv run python bench/results.py                       # 10,000 and 100,000 on SQLite
    uv run python bench/results.py --sizes 1000000
    uv run python bench/results.py --database postgresql://postgres@127.0.0.1:5432/postgres

It loads the demo data into a fresh database (on PostgreSQL, a new database
``bench_results_<N>`` beside the one named), adds N responses to the demo's first poll
(5 questions: multi, single, scale, yes/no, text), and then, through the app in this
process (the API with a viewer's token, over httpx's ASGI transport on this event loop),
times: the results JSON overall and by unit, placement and channel (counted: the caches
emptied before each of 5 runs, median) and overall from the cache (median of 5), a
question's chart the first time (drawn; the key is new) and again (from the cache, median
of 5), the breakdown heatmap, the timeline, the report drawn and cached, and (up to
100,000 responses) the responses CSV. matplotlib is imported before timing, so "cold" is a
drawing, not an import.

The N responses are bulk-loaded: ``executemany`` in one transaction on SQLite, ``COPY`` on
PostgreSQL (then ``VACUUM ANALYZE``, which autovacuum does on its own in a live database),
about 5.2 answers each, spread over 25 days and the poll's 4 placements, each response in
its placement's unit, on the web channel but for one in five on Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from polls import db, demo, privacy
from polls.app import create_app
from polls.services import accounts
from polls.services.cache import forget_everything
from polls.settings import Settings

SECRET = "bench-secret-key-bench-secret-key"  # noqa: S105  (a throwaway database)
CHUNK = 50_000
EXPORT_UP_TO = 100_000
RESPONSE_COLUMNS = (
    "id",
    "poll",
    "placement",
    "unit",
    "channel",
    "submitted_hour",
    "fresh",
)


class Poll:
    """What the generator needs to know of the poll: its questions, options, placements."""

    def __init__(
        self,
        poll_id: int,
        questions: list[tuple[int, str]],
        options: dict[int, list[int]],
        placements: list[tuple[int, int]],
        first_id: int,
        answer_columns: set[str],
    ) -> None:
        self.id = poll_id
        self.questions = questions
        self.options = options
        self.placements = placements
        self.first_id = first_id
        self.segments_on_answer = {"placement", "unit", "channel"} <= answer_columns

    @property
    def answer_columns(self) -> tuple[str, ...]:
        columns = ("id", "response", "poll", "question", "option", "value_int", "value_text")
        return (*columns, "placement", "unit", "channel") if self.segments_on_answer else columns


def generate(poll: Poll, n: int) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Chunks of (response rows, answer rows), in the columns named by ``poll``."""
    rng = random.Random(n)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for offset in range(0, n, CHUNK):
        responses: list[tuple] = []
        answers: list[tuple] = []
        for i in range(offset, min(n, offset + CHUNK)):
            rid = poll.first_id + i
            placement, unit = rng.choice(poll.placements)
            channel = "telegram" if rng.random() < 0.2 else "web"
            hour = start + timedelta(hours=rng.randrange(24 * 25))
            responses.append((rid, poll.id, placement, unit, channel, hour, False))
            segment = (placement, unit, channel) if poll.segments_on_answer else ()

            def add(qid: int, option: int | None, value: int | None, text: str | None) -> None:
                row = (privacy.new_row_id(), rid, poll.id, qid, option, value, text, *segment)  # noqa: B023
                answers.append(row)  # noqa: B023

            for qid, kind in poll.questions:
                if kind == "single":
                    add(qid, rng.choice(poll.options[qid]), None, None)
                elif kind == "multi":
                    for option in rng.sample(poll.options[qid], 2):
                        add(qid, option, None, None)
                elif kind == "scale":
                    add(qid, None, rng.choice([1, 2, 3, 3, 4, 4, 4, 5]), None)
                elif kind == "yes_no":
                    add(qid, None, rng.choice([0, 1, 1]), None)
                elif rng.random() < 0.1:
                    add(qid, None, None, rng.choice(["Tốt", "Cần cải thiện"]))
        yield responses, answers


def fill_sqlite(path: str, poll_id: int, n: int) -> None:
    connection = sqlite3.connect(path)
    execute = connection.execute
    questions = list(
        execute("SELECT id, kind FROM question WHERE poll = ? ORDER BY position", (poll_id,))
    )
    poll = Poll(
        poll_id,
        questions,
        {
            qid: [r[0] for r in execute("SELECT id FROM option WHERE question = ?", (qid,))]
            for qid, _ in questions
        },
        [
            (r[0], r[1] or r[2])
            for r in execute(
                "SELECT p.id, p.unit, q.unit FROM placement p JOIN poll q ON q.id = p.poll "
                "WHERE p.poll = ? ORDER BY p.id",
                (poll_id,),
            )
        ],
        execute("SELECT COALESCE(MAX(id), 0) FROM response").fetchone()[0] + 1,
        {r[1] for r in execute("PRAGMA table_info(answer)")},
    )
    columns = poll.answer_columns
    execute("BEGIN")
    for responses, answers in generate(poll, n):
        connection.executemany(
            f"INSERT INTO response ({', '.join(RESPONSE_COLUMNS)}) VALUES "  # noqa: S608
            f"({', '.join('?' * len(RESPONSE_COLUMNS))})",
            [(*r[:5], r[5].isoformat(sep=" "), *r[6:]) for r in responses],
        )
        connection.executemany(
            f"INSERT INTO answer ({', '.join(columns)}) "  # noqa: S608  (names are ours)
            f"VALUES ({', '.join('?' * len(columns))})",
            answers,
        )
    connection.commit()
    execute("ANALYZE")
    connection.close()


async def fill_postgres(url: str, poll_id: int, n: int) -> None:
    pg = await asyncpg.connect(url)
    try:
        questions = [
            (r["id"], r["kind"])
            for r in await pg.fetch(
                "SELECT id, kind FROM question WHERE poll = $1 ORDER BY position", poll_id
            )
        ]
        options = {
            qid: [r["id"] for r in await pg.fetch("SELECT id FROM option WHERE question = $1", qid)]
            for qid, _ in questions
        }
        placements = [
            (r["id"], r["unit"])
            for r in await pg.fetch(
                "SELECT p.id, COALESCE(p.unit, q.unit) AS unit FROM placement p "
                "JOIN poll q ON q.id = p.poll WHERE p.poll = $1 ORDER BY p.id",
                poll_id,
            )
        ]
        first = (await pg.fetchval("SELECT COALESCE(MAX(id), 0) FROM response")) + 1
        columns = {
            r["column_name"]
            for r in await pg.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'answer'"
            )
        }
        poll = Poll(poll_id, questions, options, placements, first, columns)
        async with pg.transaction():
            for responses, answers in generate(poll, n):
                await pg.copy_records_to_table(
                    "response", records=responses, columns=RESPONSE_COLUMNS
                )
                await pg.copy_records_to_table(
                    "answer", records=answers, columns=poll.answer_columns
                )
        await pg.execute("VACUUM ANALYZE response")
        await pg.execute("VACUUM ANALYZE answer")
    finally:
        await pg.close()


async def timed(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> float:
    began = time.perf_counter()
    got = await client.get(url, headers=headers)
    assert got.status_code == 200, got.text
    return (time.perf_counter() - began) * 1000


async def measure(url: str, size: int) -> dict[str, float]:
    settings = Settings(database_url=url, secret_key=SECRET, sqlite_synchronous="NORMAL")
    engine = db.engine_for_url(url, "NORMAL")
    await db.migrate(engine, quiet=True)
    await db.start(engine)
    try:
        db.activate(engine)
        await demo.load_demo(SECRET)
        began = time.perf_counter()
        if url.startswith("sqlite"):
            await asyncio.to_thread(fill_sqlite, url.removeprefix("sqlite:///"), 1, size)
        else:
            await fill_postgres(url, 1, size)
        figures: dict[str, float] = {"fill_s": time.perf_counter() - began}
        forget_everything()
        import polls.analytics.charts  # noqa: F401  (import once, so "cold" means drawing)

        # The app runs on this event loop with the engine started here: one engine, one loop.
        app = create_app(settings, engine=engine)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench.local", timeout=600
        ) as client:
            token = await accounts.issue_token("lanhdao")
            auth = {"Authorization": f"Bearer {token}"}
            for name, query in (
                ("results", ""),
                ("by_unit", "?by=unit"),
                ("by_placement", "?by=placement"),
                ("by_channel", "?by=channel"),
            ):
                runs = []
                for _ in "12345":
                    forget_everything()  # counted every time: the state has not changed
                    runs.append(await timed(client, f"/api/v1/polls/1/results{query}", auth))
                figures[name] = statistics.median(runs)
            figures["results_cached"] = statistics.median(
                [await timed(client, "/api/v1/polls/1/results", auth) for _ in "12345"]
            )
            forget_everything()
            figures["chart_cold"] = await timed(client, "/api/v1/polls/1/charts/2.png", auth)
            figures["chart_cached"] = statistics.median(
                [await timed(client, "/api/v1/polls/1/charts/2.png", auth) for _ in "12345"]
            )
            figures["heatmap_cold"] = await timed(
                client, "/api/v1/polls/1/charts/2.png?by=placement", auth
            )
            figures["timeline_cold"] = await timed(
                client, "/api/v1/polls/1/charts/timeline.png", auth
            )
            figures["report"] = await timed(client, "/api/v1/polls/1/report.pdf", auth)
            figures["report_cached"] = await timed(client, "/api/v1/polls/1/report.pdf", auth)
            if size <= EXPORT_UP_TO:
                figures["export_responses_csv"] = await timed(
                    client, "/api/v1/polls/1/export.csv?kind=responses", auth
                )
            await app.state.limiter.counter.close()
    finally:
        await db.stop(engine)
    return figures


async def database_for(server: str, size: int) -> str:
    """A new, empty PostgreSQL database beside the one ``server`` names."""
    admin = await asyncpg.connect(server)
    try:
        name = f"bench_results_{size}"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return server.rsplit("/", 1)[0] + "/" + name


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database", default="", help="a PostgreSQL server (default: SQLite)")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for size in (int(s) for s in args.sizes.split(",")):
        if args.database:
            url = await database_for(args.database, size)
        else:
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
        figures: dict[str, Any] = await measure(url, size)
        print(
            f"{size:>9,} responses: "
            + ", ".join(
                f"{k} {v:,.1f}" + ("" if k.endswith("_s") else " ms") for k, v in figures.items()
            ),
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
