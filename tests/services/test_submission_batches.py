"""SQLite's group commit stores the submissions of one batch together, in a few multi-row
statements for all of them (``submission._SqliteSubmissions``): each must end as it would
have alone, one after another in arrival order. On SQLite every submission below is
queued while the writer is held, so all of them are one batch (checked); PostgreSQL
stores each in its own statement, and given them one after another must end the same
(its races, where arrival order is not defined, are ``test_submission.py``'s)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Iterator
from typing import Any

import httpx
import pytest

from polls import tables as t
from polls.errors import AlreadyAnswered, PollNotAccepting
from polls.models import Poll, Stored
from polls.services import polls, submission
from polls.services.submission import Submission, submit_response
from tests.conftest import SECRET, Database, OpenPoll, World, create_open_poll

# (which poll, device, submission id) in arrival order, and how each must end
SCRIPT: list[tuple[str, str, str | None, str]] = [
    ("open", "device-0000000001", "s-1", "stored"),
    ("open", "device-0000000001", "s-1", "replay"),  # the phone's retry
    ("open", "device-0000000001", "s-2", "already answered"),  # its second form
    ("open", "device-0000000002", None, "stored"),
    ("open", "device-0000000002", "s-3", "already answered"),  # s-3 is left free...
    ("open", "device-0000000003", "s-3", "stored"),  # ...so another device stores it
    ("open", "device-0000000004", "s-1", "replay"),  # s-1 with a new device cookie
    ("closed", "device-0000000005", "s-4", "closed"),  # keys destroyed since it was read
    ("open", "device-0000000006", None, "stored"),
    ("open", "device-0000000006", "s-5", "already answered"),
]


def _ending(outcome: object) -> str:
    if isinstance(outcome, Stored):
        return "replay" if outcome.replayed else "stored"
    if isinstance(outcome, AlreadyAnswered):
        return "already answered"
    if isinstance(outcome, PollNotAccepting):
        return "closed"
    return repr(outcome)


async def _outcome(poll: Poll, submission: Submission) -> object:
    try:
        return await submit_response(poll, submission, secret=SECRET)
    except Exception as error:  # compared below
        return error


def _submission(answers: dict[str, Any], device: str, submission_id: str | None) -> Submission:
    return Submission(answers=answers, subject=device, submission_id=submission_id)


class _OneBatch:
    """Submissions queued while the SQLite writer is held by a job that waits, so that
    all of them are the writer's next batch; the sizes of the batches it ran."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.db = db
        self.sizes: list[int] = []
        """The number of jobs of each batch the writer ran."""
        self.groups: list[int] = []
        """The number of submissions of each run of the multi-row write (more runs than
        batches: a group that raised was halved)."""
        self.remote = db.backend == "sqlite" and db.engine.batch_writer._remote is not None
        """The submissions are written by a writer process (``test_writer_process.py``):
        its batches are counted as sent, and its groups are not seen here."""
        if self.remote:
            remote = db.engine.batch_writer._remote
            run_remote = remote.run

            def sent(jobs: list[Any]) -> Any:
                self.sizes.append(len(jobs))
                return run_remote(jobs)

            monkeypatch.setattr(remote, "run", sent)
        if db.backend == "sqlite":
            writer = db.engine.batch_writer
            run_batch = writer._run_batch_holding
            run_group = submission.SQLITE_SUBMISSIONS.run

            def batch(jobs: list[Any]) -> Any:
                self.sizes.append(len(jobs))
                return run_batch(jobs)

            def group(connection: Any, items: list[Any]) -> Any:
                self.groups.append(len(items))
                return run_group(connection, items)

            monkeypatch.setattr(writer, "_run_batch_holding", batch)
            if not self.remote:  # the writer process has its own (the patch would not pickle)
                monkeypatch.setattr(submission.SQLITE_SUBMISSIONS, "run", group)

    async def run(self, writes: list[Awaitable[object]]) -> list[object]:
        if self.db.backend != "sqlite":
            return [await write for write in writes]
        writer = self.db.engine.batch_writer
        started, release = threading.Event(), threading.Event()

        def hold() -> Iterator[Any]:  # a job that keeps the writer busy while others queue
            started.set()
            release.wait(30)
            return
            yield

        held = asyncio.ensure_future(writer.write(hold))
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, started.wait, 30), "the writer never ran"
        tasks = [asyncio.ensure_future(write) for write in writes]
        deadline = loop.time() + 30
        while len(writer._pending) < len(tasks) and not any(task.done() for task in tasks):
            assert loop.time() < deadline, "the writes never queued"
            await asyncio.sleep(0.01)  # polling the queue, not a fixed wait
        release.set()
        await held
        return list(await asyncio.gather(*tasks))


async def _two_polls(client: httpx.AsyncClient, world: World) -> dict[str, tuple[Poll, OpenPoll]]:
    """An open poll and one whose keys were destroyed after this process read it open,
    each as read and as made (for its answers)."""
    made = {
        "open": await create_open_poll(client, world),
        "closed": await create_open_poll(client, world),
    }
    read = {which: (await polls.load(poll.id), poll) for which, poll in made.items()}
    await t.Poll.update({t.Poll.keys_destroyed: True}).where(t.Poll.id == made["closed"].id)
    return read


def _writes(polls_by_name: dict[str, tuple[Poll, OpenPoll]]) -> list[Awaitable[object]]:
    return [
        _outcome(
            polls_by_name[which][0], _submission(polls_by_name[which][1].answers(), device, sid)
        )
        for which, device, sid, _ in SCRIPT
    ]


async def _counts(poll_id: int) -> dict[str, int]:
    return {
        table._meta.tablename: await table.count().where(table.poll == poll_id)
        for table in (t.Response, t.Answer, t.DuplicateKey, t.IdempotencyKey)
    }


async def test_a_batch_ends_each_submission_as_one_after_another_would(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _OneBatch(db, monkeypatch)
    together = await _two_polls(client, world)
    outcomes = await batch.run(_writes(together))
    assert [_ending(o) for o in outcomes] == [ending for *_, ending in SCRIPT]
    if db.backend == "sqlite":
        assert batch.sizes == [1, len(SCRIPT)]  # the holding job, then all of them at once
        if not batch.remote:
            assert batch.groups == [len(SCRIPT)]  # in one run: nothing raised, nothing halved

    # the same submissions one after another, on a second pair of polls, end the same
    alone = await _two_polls(client, world)
    one_by_one = [_ending(await write) for write in _writes(alone)]
    assert one_by_one == [_ending(o) for o in outcomes]

    stored = {"response": 4, "answer": 24, "duplicate_key": 4, "idempotency_key": 2}  # s-1, s-3
    assert await _counts(together["open"][1].id) == await _counts(alone["open"][1].id) == stored
    nothing = {"response": 0, "answer": 0, "duplicate_key": 0, "idempotency_key": 0}
    assert (
        await _counts(together["closed"][1].id) == await _counts(alone["closed"][1].id) == nothing
    )


async def test_a_submission_the_database_refuses_fails_alone_in_its_batch(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One submission of the batch names an option deleted since its poll was read: the
    # answers' foreign key refuses it at the last statement. It alone fails; the others
    # of its batch are stored with their keys, and nothing of it is kept.
    batch = _OneBatch(db, monkeypatch)
    good = await create_open_poll(client, world)
    bad = await create_open_poll(client, world)
    good_poll, bad_poll = await polls.load(good.id), await polls.load(bad.id)
    await t.Option.delete().where(t.Option.id == bad.questions[0]["options"][0]["id"])
    writes = [
        _outcome(good_poll, _submission(good.answers(), f"device-good-{n:08d}", f"g-{n}"))
        for n in range(3)
    ]
    writes.insert(1, _outcome(bad_poll, _submission(bad.answers(), "device-bad-0000001", "b")))
    writes += [_outcome(good_poll, _submission(good.answers(), "device-good-late1", None))]
    outcomes = await batch.run(writes)

    refused = outcomes.pop(1)
    assert isinstance(refused, Exception), refused
    assert [_ending(o) for o in outcomes] == ["stored"] * 4
    if db.backend == "sqlite":
        assert batch.sizes[:2] == [1, 5]  # all five were one batch
        if not batch.remote:
            # halved down to the one that fails: 5 -> 2 (raises) -> 1, 1 (raises); and 3
            assert batch.groups[:5] == [5, 2, 1, 1, 3]
    assert await _counts(good.id) == {
        "response": 4,
        "answer": 24,
        "duplicate_key": 4,
        "idempotency_key": 3,
    }
    assert await _counts(bad.id) == {
        "response": 0,
        "answer": 0,
        "duplicate_key": 0,
        "idempotency_key": 0,
    }
