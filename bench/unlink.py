"""What rewriting the keys adds to the hourly unlinking step, and how long submissions to a
poll wait on its row lock meanwhile (PostgreSQL).

    uv run python bench/unlink.py                 # SQLite, in a temporary directory
    uv run python bench/unlink.py --database postgresql://postgres@127.0.0.1:5432/bench

Each round stores ``--responses`` fresh responses of an ended hour in the demo's open poll
(each with five answers, a duplicate key and an idempotency key, written straight into
the tables), then runs ``unlink_ended_hours`` once with the keys' rewrite and once without
it (the first build's step), in alternating order, and deletes what it stored. The medians
of the step's time, and of the keys' rewrite alone (which holds the poll's row lock), are
reported. The PostgreSQL database named must be empty (``createdb bench``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from polls import db, privacy
from polls import tables as t
from polls.services import unlinking

ROOT = Path(__file__).resolve().parent.parent


def load_demo(database: str, workdir: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": secrets.token_urlsafe(32)}
    subprocess.run(
        [sys.executable, "-m", "polls", "demo"],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
    )


async def store_ended_hour(poll_id: int, questions: Sequence[int], n: int) -> None:
    """``n`` responses of the hour before, as the submission path leaves them."""
    engine = t.Response._meta.db
    hour = privacy.coarsen_to_hour(unlinking.now()) - timedelta(hours=1)
    responses, answers, keys = [], [], []
    for _ in range(n):
        rid = privacy.new_row_id()
        responses.append((rid, poll_id, None, None, "web", hour, True))
        answers += [
            (privacy.new_row_id(), rid, q, None, None, "bench", poll_id, None, None, "web")
            for q in questions
        ]
        keys.append((secrets.token_hex(32), poll_id))
    async with engine.transaction():
        await unlinking._insert(
            engine,
            "response",
            ("id", "poll", "placement", "unit", "channel", "submitted_hour", "fresh"),
            responses,
        )
        await unlinking._insert(
            engine,
            "answer",
            (
                "id",
                "response",
                "question",
                "option",
                "value_int",
                "value_text",
                "poll",
                "placement",
                "unit",
                "channel",
            ),
            answers,
        )
        for table in unlinking.KEY_TABLES:
            await unlinking._insert(
                engine, table, ("key", "poll"), [(secrets.token_hex(32), p) for _, p in keys]
            )


async def clear(poll_id: int) -> None:
    await t.Answer.delete().where(t.Answer.poll == poll_id)
    await t.Response.delete().where(t.Response.poll == poll_id)
    await t.DuplicateKey.delete().where(t.DuplicateKey.poll == poll_id)
    await t.IdempotencyKey.delete().where(t.IdempotencyKey.poll == poll_id)


async def timed(work: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def bench(database: str, n: int, rounds: int) -> dict[str, float]:
    engine = db.engine_for_url(database)
    db.activate(engine)
    await db.start(engine)
    try:
        poll = await t.Poll.select(t.Poll.id).where(t.Poll.status == "open").first()
        assert poll is not None, "the demo has an open poll"
        poll_id = poll["id"]
        questions = [
            q["id"]
            for q in await t.Question.select(t.Question.id).where(t.Question.poll == poll_id)
        ]
        await unlinking.unlink_ended_hours(unlinking.next_hour())  # the demo's own answers
        await clear(poll_id)
        real_rewrite = unlinking._rewrite_keys
        key_times: list[float] = []

        async def rewrite_timed(engine: Any, poll_ids: Sequence[int]) -> None:
            key_times.append(await timed(lambda: real_rewrite(engine, poll_ids)))

        async def keys_kept(engine: Any, poll_ids: Sequence[int]) -> None:
            return None

        results: dict[str, list[float]] = {"with keys": [], "responses only": []}
        for i in range(rounds):
            order = [("with keys", rewrite_timed), ("responses only", keys_kept)]
            for label, rewrite in order if i % 2 == 0 else order[::-1]:
                await store_ended_hour(poll_id, questions, n)
                unlinking._rewrite_keys = rewrite  # type: ignore[assignment]
                try:
                    results[label].append(await timed(unlinking.unlink_ended_hours))
                finally:
                    unlinking._rewrite_keys = real_rewrite
                await clear(poll_id)
        return {
            "step with keys (s)": statistics.median(results["with keys"]),
            "step, responses only (s)": statistics.median(results["responses only"]),
            "keys' rewrite alone (s)": statistics.median(key_times),
        }
    finally:
        await db.stop(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="")
    parser.add_argument("--responses", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        database = args.database or f"sqlite:///{workdir}/bench.sqlite3"
        load_demo(database, Path(workdir))
        figures = asyncio.run(bench(database, args.responses, args.rounds))
    print(f"{args.responses} responses, {args.rounds} rounds, medians:")
    for label, value in figures.items():
        print(f"  {label:28} {value:.3f}")


if __name__ == "__main__":
    main()
