"""``db.write_one``: one statement on its own, on either engine, all or nothing."""

from __future__ import annotations

import asyncio
import fcntl
import multiprocessing
import os
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from polls import db as polls_db
from polls import tables as t
from tests.conftest import Database, World


async def test_one_statement_returns_its_rows_and_refusals_store_nothing(
    db: Database, world: World
) -> None:
    root = (await t.Unit.select(t.Unit.id).first())["id"]  # type: ignore[index]
    poll = (await t.Poll.insert(t.Poll(unit=root, title="Khảo sát", series="s1")))[0]["id"]
    sql = 'INSERT INTO "duplicate_key" ("key", "poll") VALUES ({}, {}), ({}, {}) RETURNING "key"'
    rows = await polls_db.write_one(db.engine, sql, ["a" * 64, poll, "b" * 64, poll])
    assert sorted(row["key"] for row in rows) == ["a" * 64, "b" * 64]
    # the second row collides with a stored key: neither row of the statement stays
    with pytest.raises((asyncpg.UniqueViolationError, sqlite3.IntegrityError)):
        await polls_db.write_one(db.engine, sql, ["c" * 64, poll, "a" * 64, poll])
    assert sorted(r["key"] for r in await t.DuplicateKey.select(t.DuplicateKey.key)) == [
        "a" * 64,
        "b" * 64,
    ]


# --- SQLite: one writer at a time across the processes of one server ---------------------


def _insert(value: int) -> polls_db.WriteSteps[None]:
    yield ('INSERT INTO "numbers" ("value") VALUES ({})', [value])


def _new_numbers_file(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute('CREATE TABLE "numbers" ("value" INTEGER NOT NULL UNIQUE)')


async def test_a_batch_waits_for_the_writer_lock_of_another_process(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    _new_numbers_file(path)
    engine = polls_db.FastSQLiteEngine(str(path))
    other = os.open(tmp_path / "locked.sqlite3-writer", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)  # another process's writer, mid-batch
        write = asyncio.create_task(engine.batch_writer.write(lambda: _insert(1)))
        await asyncio.sleep(0.3)
        assert not write.done()
        with sqlite3.connect(path) as reader:
            assert reader.execute('SELECT COUNT(*) FROM "numbers"').fetchone() == (0,)
        fcntl.flock(other, fcntl.LOCK_UN)
        await asyncio.wait_for(write, 5)
        with sqlite3.connect(path) as reader:
            assert reader.execute('SELECT "value" FROM "numbers"').fetchall() == [(1,)]
    finally:
        os.close(other)
        await polls_db.stop(engine)


def _write_numbers(path: str, first: int, count: int) -> None:
    async def run() -> None:
        engine = polls_db.FastSQLiteEngine(path)
        try:
            await asyncio.gather(
                *(
                    engine.batch_writer.write(lambda n=n: _insert(n))  # type: ignore[misc]
                    for n in range(first, first + count)
                )
            )
        finally:
            await polls_db.stop(engine)

    asyncio.run(run())


def test_two_processes_writing_at_once_store_every_write(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    _new_numbers_file(path)
    spawn = multiprocessing.get_context("spawn")
    writers = [
        spawn.Process(target=_write_numbers, args=(str(path), start, 2000)) for start in (0, 2000)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    assert [writer.exitcode for writer in writers] == [0, 0]
    with sqlite3.connect(path) as reader:
        assert reader.execute('SELECT COUNT(DISTINCT "value") FROM "numbers"').fetchone() == (4000,)
