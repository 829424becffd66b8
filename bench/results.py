"""Results at scale: the results JSON, a chart cold and from cache, and the PDF report, with
N stored responses in one poll.

    uv run python bench/results.py                       # 10,000 and 100,000 on SQLite
    uv run python bench/results.py --sizes 1000000
    uv run python bench/results.py --database postgresql://postgres@127.0.0.1:5432/bench

It loads the demo data into a fresh database, adds N responses to the demo's first poll
(5 questions: multi, single, scale, yes/no, text) with raw ``executemany``, and then, through
the app in this process (Litestar's test client, the API with a viewer's token), times:
the results JSON with no breakdown and by placement (median of 5), a question's chart the
first time (drawn; the key is new) and again (from the cache), the timeline, and the report.
matplotlib is imported before timing, so "cold" is a drawing, not an import.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from litestar.testing import AsyncTestClient

from polls import db, demo
from polls.app import create_app
from polls.services import accounts
from polls.settings import Settings

SECRET = "bench-secret-key-bench-secret-key"  # noqa: S105  (a throwaway database)


async def fill(url: str, poll_id: int, n: int) -> None:
    """Add ``n`` responses with answers to every question, fast (raw SQL, one transaction)."""
    rng = random.Random(n)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        execute = connection.execute
        many = connection.executemany
    else:
        pg = await asyncpg.connect(url)
    questions = []
    options: dict[int, list[int]] = {}
    rows_q = (
        execute("SELECT id, kind FROM question WHERE poll = ? ORDER BY position", (poll_id,))
        if url.startswith("sqlite")
        else None
    )
    if rows_q is not None:
        questions = list(rows_q)
        for qid, _ in questions:
            options[qid] = [
                r[0] for r in execute("SELECT id FROM option WHERE question = ?", (qid,))
            ]
        placements = [r[0] for r in execute("SELECT id FROM placement WHERE poll = ?", (poll_id,))]
        first = execute("SELECT COALESCE(MAX(id), 0) FROM response").fetchone()[0] + 1
    else:
        questions = [
            (r["id"], r["kind"])
            for r in await pg.fetch(
                "SELECT id, kind FROM question WHERE poll = $1 ORDER BY position", poll_id
            )
        ]
        for qid, _ in questions:
            options[qid] = [
                r["id"] for r in await pg.fetch("SELECT id FROM option WHERE question = $1", qid)
            ]
        placements = [
            r["id"] for r in await pg.fetch("SELECT id FROM placement WHERE poll = $1", poll_id)
        ]
        first = (await pg.fetchval("SELECT COALESCE(MAX(id), 0) FROM response")) + 1
    responses = []
    answers = []
    for i in range(n):
        rid = first + i
        hour = start + timedelta(hours=rng.randrange(24 * 25))
        responses.append(
            (rid, poll_id, rng.choice(placements), None, "web", hour, f"B{rid:014d}", None)
        )
        for qid, kind in questions:
            if kind == "single":
                answers.append((rid, qid, rng.choice(options[qid]), None, None))
            elif kind == "multi":
                for option in rng.sample(options[qid], 2):
                    answers.append((rid, qid, option, None, None))
            elif kind == "scale":
                answers.append((rid, qid, None, rng.choice([1, 2, 3, 3, 4, 4, 4, 5]), None))
            elif kind == "yes_no":
                answers.append((rid, qid, None, rng.choice([0, 1, 1]), None))
            elif rng.random() < 0.1:
                answers.append((rid, qid, None, None, rng.choice(["Tốt", "Cần cải thiện"])))
    if url.startswith("sqlite"):
        many(
            "INSERT INTO response (id, poll, placement, unit, channel, submitted_hour, receipt, "
            "idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r[:5], r[5].isoformat(sep=" "), *r[6:]) for r in responses],
        )
        many(
            "INSERT INTO answer (response, poll, question, option, value_int, value_text) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(a[0], poll_id, *a[1:]) for a in answers],
        )
        connection.commit()
        connection.close()
    else:
        await pg.executemany(
            "INSERT INTO response (id, poll, placement, unit, channel, submitted_hour, receipt, "
            "idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            responses,
        )
        await pg.executemany(
            "INSERT INTO answer (response, poll, question, option, value_int, value_text) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            [(a[0], poll_id, *a[1:]) for a in answers],
        )
        await pg.execute("SELECT setval('response_id_seq', (SELECT MAX(id) FROM response))")
        await pg.execute("ANALYZE")
        await pg.close()


async def timed(client: AsyncTestClient, url: str, headers: dict[str, str]) -> float:
    began = time.perf_counter()
    got = await client.get(url, headers=headers)
    assert got.status_code == 200, got.text
    return (time.perf_counter() - began) * 1000


async def measure(url: str, size: int) -> dict[str, float]:
    settings = Settings(database_url=url, secret_key=SECRET, sqlite_synchronous="NORMAL")
    engine = db.engine_for_url(url, "NORMAL")
    await db.migrate(engine, quiet=True)
    await db.start(engine)
    db.activate(engine)
    await demo.load_demo(SECRET)
    await db.stop(engine)
    began = time.perf_counter()
    await fill(url, 1, size)
    filled = time.perf_counter() - began
    import polls.analytics.charts  # noqa: F401  (import once, so "cold" means drawing)

    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        token = await accounts.issue_token("lanhdao")
        auth = {"Authorization": f"Bearer {token}"}
        figures: dict[str, float] = {"fill_s": filled}
        for name, path in (("results", ""), ("results_by_placement", "?by=placement")):
            runs = [await timed(client, f"/api/v1/polls/1/results{path}", auth) for _ in range(5)]
            figures[name] = statistics.median(runs)
        figures["chart_cold"] = await timed(client, "/api/v1/polls/1/charts/2.png", auth)
        figures["chart_cached"] = statistics.median(
            [await timed(client, "/api/v1/polls/1/charts/2.png", auth) for _ in range(5)]
        )
        figures["heatmap_cold"] = await timed(
            client, "/api/v1/polls/1/charts/2.png?by=placement", auth
        )
        figures["timeline_cold"] = await timed(client, "/api/v1/polls/1/charts/timeline.png", auth)
        figures["report"] = await timed(client, "/api/v1/polls/1/report.pdf", auth)
        figures["report_cached"] = await timed(client, "/api/v1/polls/1/report.pdf", auth)
        figures["export_responses_csv"] = await timed(
            client, "/api/v1/polls/1/export.csv?kind=responses", auth
        )
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        if args.database:
            admin = await asyncpg.connect(args.database)
            name = f"bench_results_{size}"
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
            await admin.close()
            url = args.database.rsplit("/", 1)[0] + "/" + name
        else:
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
        figures = await measure(url, size)
        print(
            f"{size:>9,} responses: "
            + ", ".join(
                f"{k} {v:,.1f}" + ("" if k.endswith("_s") else " ms") for k, v in figures.items()
            ),
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
