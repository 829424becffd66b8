"""``db.write_one``: one statement on its own, on either engine, all or nothing."""

from __future__ import annotations

import asyncio
import fcntl
import multiprocessing
import os
import sqlite3
from pathlib import Path

import asyncpg
import httpx
import pytest

from polls import db as polls_db
from polls import tables as t
from polls.services import unlinking
from tests.conftest import Database, OpenPoll, World, answer_as_new_device


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


def _blocked_flocks(path: Path) -> int:
    """How many lock requests on ``path`` the kernel holds waiting (``/proc/locks`` marks a
    blocked request with ``->``; a lock is named by device and inode)."""
    info = os.stat(path)
    inode = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    with open("/proc/locks", encoding="ascii") as locks:
        return sum(1 for line in locks if " -> " in line and f" {inode} " in line)


async def _until_blocked_on(path: Path, task: asyncio.Task[object]) -> None:
    """Until the kernel has a request for ``path``'s lock waiting, or ``task`` is done."""
    deadline = asyncio.get_running_loop().time() + 30
    while not task.done() and _blocked_flocks(path) == 0:
        assert asyncio.get_running_loop().time() < deadline, "the writer never asked for the lock"
        await asyncio.sleep(0.01)  # polling the condition above, not a fixed wait


async def test_a_batch_waits_for_the_writer_lock_of_another_process(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    _new_numbers_file(path)
    engine = polls_db.FastSQLiteEngine(str(path))
    other = os.open(tmp_path / "locked.sqlite3-writer", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)  # another process's writer, mid-batch
        write = asyncio.create_task(engine.batch_writer.write(lambda: _insert(1)))
        await _until_blocked_on(tmp_path / "locked.sqlite3-writer", write)
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


# --- PostgreSQL: pooled connections go back without asyncpg's reset query ----------------


async def test_every_pooled_connection_is_handed_out_clean_after_the_apps_work(
    db: Database, client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    """``db.POOL_OPTIONS`` skips ``RESET ALL; CLOSE ALL; UNLISTEN *;
    pg_advisory_unlock_all()``: that holds only while nothing the app does leaves session
    state behind (asyncpg itself rolls back a transaction left open). After answering,
    results, the unlinking step (its advisory lock) and a snapshot read, no connection of
    the pool has a changed session setting, a lock, a cursor, a channel or a transaction."""
    if db.backend != "postgres":
        pytest.skip("PostgreSQL's connection pool")
    for _ in range(3):
        sent = await answer_as_new_device(client, open_poll.code, open_poll.answers())
        assert sent.status_code == 201
    results = await client.get(
        f"/api/v1/polls/{open_poll.id}/results", headers=world.auth("officer")
    )
    assert results.status_code == 200
    await unlinking.unlink_ended_hours()
    async with polls_db.read_snapshot(db.engine):
        await t.Poll.count()
    pool = db.engine.pool
    held = [await pool.acquire() for _ in range(pool.get_size())]
    try:
        for connection in held:
            state = await connection.fetchrow(
                "SELECT "
                "(SELECT array_agg(name) FROM pg_settings WHERE source = 'session' "
                "AND setting IS DISTINCT FROM reset_val) AS settings, "
                "(SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND locktype = 'advisory') AS advisory, "
                "(SELECT count(*) FROM pg_cursors WHERE name <> '') AS cursors, "
                "(SELECT count(*) FROM pg_listening_channels()) AS channels"
            )
            assert {**state, "transaction": connection.is_in_transaction()} == {
                "settings": None,
                "advisory": 0,
                "cursors": 0,
                "channels": 0,
                "transaction": False,
            }
    finally:
        for connection in held:
            await pool.release(connection)
