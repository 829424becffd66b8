"""SQLite's write-ahead log stays within a few MB under load and after it: thousands of
answers written concurrently through the one submission path while readers count beside
them (the read snapshots that keep a passive checkpoint from ever reaching the log's end),
the log's size sampled all along. See ``polls.db.WalLimit``; ``bench/wal.py`` measures the
same at a larger scale, with and without the limit."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from piccolo.querystring import QueryString

from polls import db as polls_db
from polls import demo
from polls import tables as t
from polls.models import Placement, Poll
from polls.services import placements, polls
from polls.services.submission import Submission, submit_response

SECRET = "wal-test-secret-" + "w" * 20
LIMIT = 1024 * 1024
ANSWERS = 3000


def _size(path: Path) -> int:
    return os.stat(path).st_size if path.exists() else 0


async def _demo_poll(
    engine: polls_db.FastSQLiteEngine,
) -> tuple[Poll, Placement, dict[str, object]]:
    """The engine started with the demo in it: its first poll, that poll's first placement,
    and a full set of answers with long free text (about 1 KB a response)."""
    await polls_db.migrate(engine, quiet=True)
    await polls_db.start(engine)
    polls_db.activate(engine)
    await demo.load_demo(SECRET)
    poll = await polls.load(1)
    first = await t.Placement.select(t.Placement.code).where(t.Placement.poll == 1).first()
    assert first is not None
    placement = await placements.by_code(first["code"])
    return poll, placement, demo.full_answers(poll, "Cần thêm quạt gió ở lò chợ. " * 30)


async def _load(engine: polls_db.FastSQLiteEngine, wal: Path) -> int:
    """Write ``ANSWERS`` responses with readers beside them; the WAL's peak size."""
    poll, placement, answers = await _demo_poll(engine)
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


async def test_a_wal_left_past_the_limit_by_a_reader_is_truncated_once_writes_stop(
    tmp_path: Path, restore_engine: None
) -> None:
    """A long read holds the log while the last batches grow it past the limit, so their
    checks cannot truncate it; once the read ends and no batch comes, the writer's own
    check outside a batch (``keep_wal_small``, every ``CHECKPOINT_EVERY``) does."""
    path = tmp_path / "held.sqlite3"
    wal = tmp_path / "held.sqlite3-wal"
    engine = polls_db.FastSQLiteEngine(str(path), "NORMAL", wal_limit_bytes=LIMIT)
    try:
        poll, placement, answers = await _demo_poll(engine)
        reader = sqlite3.connect(path)
        reader.execute("BEGIN")
        reader.execute('SELECT COUNT(*) FROM "response"').fetchone()  # a snapshot held
        try:
            for i in range(40):
                await asyncio.gather(
                    *(
                        submit_response(
                            poll,
                            Submission(
                                answers=answers, placement=placement, subject=f"held-{i}-{j}"
                            ),
                            secret=SECRET,
                        )
                        for j in range(20)
                    )
                )
                if _size(wal) > 2 * LIMIT:
                    break
            assert _size(wal) > LIMIT, "the writes did not grow the log past the limit"
        finally:
            reader.close()
        for _ in range(100):  # a condition waited for, at most 10 s
            if _size(wal) <= LIMIT:
                break
            await asyncio.sleep(0.1)
        assert _size(wal) <= LIMIT
    finally:
        await polls_db.stop(engine)
