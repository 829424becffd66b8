"""SQLite's submissions written by a process of their own (``polls.writer_process``), as
``polls serve`` does: the database fixture of this module is a SQLite engine with a writer
process, and the guarantees of the in-process writer are run again against it (one batch
ends as one after another would; concurrent retries store one response and are all told
"stored"; a refused submission fails alone and leaves nothing). Then what only a process
can do: die, and be replaced, with nothing half-written."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from polls import db as polls_db
from polls import tables as t
from polls.models import Stored
from tests.conftest import Database, OpenPoll, stored_counts
from tests.services.test_submission import (
    _submit,
    test_an_answer_the_database_refuses_at_the_end_stores_nothing,
    test_concurrent_answers_from_one_device_store_one,
    test_concurrent_retries_from_one_phone_are_all_answered_as_stored,
    test_concurrent_retries_of_one_submission_count_once,
    test_the_retry_of_a_stored_submission_is_a_replay_after_its_poll_ended,
)
from tests.services.test_submission_batches import (
    test_a_batch_ends_each_submission_as_one_after_another_would,
    test_a_submission_the_database_refuses_fails_alone_in_its_batch,
)

RUN_AGAIN = (
    test_a_batch_ends_each_submission_as_one_after_another_would,
    test_a_submission_the_database_refuses_fails_alone_in_its_batch,
    test_an_answer_the_database_refuses_at_the_end_stores_nothing,
    test_concurrent_answers_from_one_device_store_one,
    test_concurrent_retries_from_one_phone_are_all_answered_as_stored,
    test_concurrent_retries_of_one_submission_count_once,
    test_the_retry_of_a_stored_submission_is_a_replay_after_its_poll_ended,
)
"""Collected here too, so they run against this module's database."""


@pytest.fixture(scope="module")
async def database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    path: Path = tmp_path_factory.mktemp("db") / "process.sqlite3"
    url = f"sqlite:///{path}"
    engine = polls_db.engine_for_url(url, "NORMAL", writer_process=True)
    await polls_db.migrate(engine, quiet=True)
    await polls_db.start(engine)
    yield Database("sqlite", url, engine)
    await polls_db.stop(engine)


def _child(database: Database) -> int:
    pid = database.engine.batch_writer._remote.pid
    assert pid is not None
    assert pid != os.getpid()
    return pid


async def test_the_writer_process_is_started_with_the_engine_and_writes_the_responses(
    client: httpx.AsyncClient, open_poll: OpenPoll, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    child = _child(db)
    here = []
    local = db.engine.batch_writer._run_batch_holding
    monkeypatch.setattr(
        db.engine.batch_writer, "_run_batch_holding", lambda jobs: here.append(jobs) or local(jobs)
    )
    outcomes = await asyncio.gather(
        *(_submit(open_poll.id, open_poll.answers(), subject=f"device-{n:012d}") for n in range(8))
    )
    assert all(isinstance(o, Stored) for o in outcomes), outcomes
    assert here == []  # not one submission written by this process
    assert await stored_counts() == {"response": 8, "answer": 48, "duplicate_key": 8}
    assert _child(db) == child


async def test_a_writer_process_that_dies_fails_its_batch_as_unavailable_and_is_replaced(
    client: httpx.AsyncClient, open_poll: OpenPoll, db: Database
) -> None:
    before = _child(db)
    os.kill(before, signal.SIGKILL)
    await asyncio.get_running_loop().run_in_executor(None, os.waitpid, before, 0)

    lost = await _submit(open_poll.id, open_poll.answers(), subject="device-000000000001")
    # a database out of reach: the phone is told 503 and keeps its answers
    assert isinstance(lost, polls_db.sqlite3.OperationalError), lost
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}

    again = await _submit(open_poll.id, open_poll.answers(), subject="device-000000000001")
    assert isinstance(again, Stored), again
    assert _child(db) != before
    assert await t.Response.count() == 1


async def test_the_writer_process_ends_with_its_engine(tmp_path: Path) -> None:
    engine = polls_db.engine_for_url(
        f"sqlite:///{tmp_path / 'ends.sqlite3'}", "NORMAL", writer_process=True
    )
    await polls_db.migrate(engine, quiet=True)
    await polls_db.start(engine)
    child = engine.batch_writer._remote.pid
    assert child is not None
    os.kill(child, 0)  # running
    await polls_db.stop(engine)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


async def test_a_dead_writer_process_fails_only_the_submissions_of_a_batch(
    client: httpx.AsyncClient, open_poll: OpenPoll, db: Database
) -> None:
    """Another write of the same batch is written in this process, first: it stays stored
    and its caller is told so, while the batch's submissions are refused."""
    writer = db.engine.batch_writer
    started, release = threading.Event(), threading.Event()

    def hold() -> Iterator[Any]:  # keeps the writer busy while the others queue
        started.set()
        release.wait(30)
        return
        yield

    def readiness() -> Iterator[Any]:
        yield ('INSERT INTO "readiness" ("id", "checked") VALUES (7, {})', [1_796_000_000])
        return "written"

    held = asyncio.ensure_future(writer.write(hold))
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, started.wait, 30)
    other = asyncio.ensure_future(writer.write(readiness))
    answer = asyncio.ensure_future(
        _submit(open_poll.id, open_poll.answers(), subject="device-000000000002")
    )
    deadline = loop.time() + 30
    while len(writer._pending) < 2:
        assert loop.time() < deadline, "the writes never queued"
        await asyncio.sleep(0.01)  # polling the queue, not a fixed wait
    child = _child(db)
    os.kill(child, signal.SIGKILL)
    await loop.run_in_executor(None, os.waitpid, child, 0)
    release.set()
    await held

    assert await other == "written"
    assert isinstance(await answer, polls_db.sqlite3.OperationalError)
    assert await t.Readiness.count() == 1
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}
