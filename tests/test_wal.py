"""SQLite's write-ahead log stays within a few MB under load and after it: thousands of
answers written concurrently through the one submission path while readers count beside
them (the read snapshots that keep a passive checkpoint from ever reaching the log's end),
the log's size sampled all along. See ``polls.db.WalLimit``; ``bench/wal.py`` measures the
same at a larger scale, with and without the limit."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from piccolo.querystring import QueryString

from polls import db as polls_db
from polls import demo
from polls import tables as t
from polls.services import placements, polls
from polls.services.submission import Submission, submit_response

SECRET = "wal-test-secret-" + "w" * 20
LIMIT = 1024 * 1024
ANSWERS = 3000


def _size(path: Path) -> int:
    return os.stat(path).st_size if path.exists() else 0


async def _load(engine: polls_db.FastSQLiteEngine, wal: Path) -> int:
    """Write ``ANSWERS`` responses with readers beside them; the WAL's peak size."""
    await polls_db.migrate(engine, quiet=True)
    await polls_db.start(engine)
    polls_db.activate(engine)
    await demo.load_demo(SECRET)
    poll = await polls.load(1)
    first = await t.Placement.select(t.Placement.code).where(t.Placement.poll == 1).first()
    assert first is not None
    placement = await placements.by_code(first["code"])
    answers: dict[str, Any] = {}
    for q in poll.questions:
        if q.kind == "single":
            answers[str(q.id)] = q.options[0].id
        elif q.kind == "multi":
            answers[str(q.id)] = [o.id for o in q.options[:2]]
        elif q.kind == "scale":
            answers[str(q.id)] = q.scale_max
        elif q.kind == "yes_no":
            answers[str(q.id)] = True
        else:
            answers[str(q.id)] = "Cần thêm quạt gió ở lò chợ. " * 30
    writing = True
    peak = 0
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        async with gate:
            await submit_response(
                poll,
                Submission(answers=answers, placement=placement, subject=f"device-{i}"),
                secret=SECRET,
            )

    async def read() -> None:
        count = QueryString(
            'SELECT COUNT(*) AS n FROM "answer" WHERE "poll" = {}', poll.id, query_type="select"
        )
        while writing:
            await engine.run_querystring(count)

    async def sample() -> None:
        nonlocal peak
        while writing:
            peak = max(peak, _size(wal))
            await asyncio.sleep(0.01)

    background = [asyncio.create_task(read()) for _ in range(2)]
    background.append(asyncio.create_task(sample()))
    before = await t.Response.count()
    await asyncio.gather(*(one(i) for i in range(ANSWERS)))
    writing = False
    await asyncio.gather(*background)
    assert await t.Response.count() == before + ANSWERS
    return max(peak, _size(wal))


@pytest.fixture
async def restore_engine() -> AsyncIterator[None]:
    """These tests run their own engine: point the tables back afterwards."""
    import piccolo_conf

    saved = piccolo_conf.DB  # type: ignore[attr-defined]
    yield
    polls_db.activate(saved)


async def test_the_wal_stays_small_under_load_and_after(
    tmp_path: Path, restore_engine: None
) -> None:
    path = tmp_path / "wal.sqlite3"
    wal = tmp_path / "wal.sqlite3-wal"
    engine = polls_db.FastSQLiteEngine(str(path), "NORMAL", wal_limit_bytes=LIMIT)
    try:
        peak = await _load(engine, wal)
        assert _size(path) > 4 * LIMIT, "the load wrote much more than the limit"
        assert peak <= 8 * LIMIT, f"the WAL reached {peak / LIMIT:.1f} MB under load"
        # after the load, within a few checkpoint intervals, the log is within the limit
        for _ in range(50):
            if _size(wal) <= LIMIT:
                break
            await asyncio.sleep(0.1)
        assert _size(wal) <= LIMIT
    finally:
        await polls_db.stop(engine)


async def test_without_the_limit_the_same_load_grows_the_wal(
    tmp_path: Path, restore_engine: None
) -> None:
    """The test above could fail: SQLite alone lets the log grow past that bound."""
    engine = polls_db.FastSQLiteEngine(
        str(tmp_path / "free.sqlite3"), "NORMAL", wal_limit_bytes=None
    )
    try:
        peak = await _load(engine, tmp_path / "free.sqlite3-wal")
        assert peak > 8 * LIMIT
    finally:
        await polls_db.stop(engine)
