"""Rule: keys are destroyed when the poll closes, and from then on nothing stored relates to
any person. So a closed poll takes no answer at all (an answer would store a new duplicate
key, and a response with a time after the close), through the API or the web form."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import httpx
import pytest

from polls import tables as t
from polls.errors import PollNotAccepting
from polls.services import polls, unlinking
from polls.services.submission import Submission, submit_response
from tests.conftest import (
    SECRET,
    Database,
    OpenPoll,
    World,
    answer_as_new_device,
    create_draft_poll,
    stored_counts,
)
from tests.forms.test_pages import form_data
from tests.waiting import Waiting


async def test_a_closed_poll_stores_no_answer_and_no_key(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    first = await answer_as_new_device(client, open_poll.code, open_poll.answers())
    assert first.status_code == 201, first.text
    closed = await client.post(f"/api/v1/polls/{open_poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text
    after_close = await stored_counts()
    assert after_close["duplicate_key"] == 0, "closing left a key"
    refused = await answer_as_new_device(
        client, open_poll.code, open_poll.answers(), submission_id="after-close"
    )
    assert refused.status_code == 410, refused.text
    assert refused.json()["detail"]
    form = await client.post(
        f"/p/{open_poll.code}", data=form_data(open_poll), headers={"Accept-Language": "en"}
    )
    assert form.status_code == 410, form.text[:300]
    assert await stored_counts() == after_close


async def test_the_one_submission_path_itself_refuses_a_closed_poll(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    """Not only the form's controller: ``submit_response``, which every channel calls, checks
    the poll is accepting (a caller that forgets cannot store an answer after the close)."""
    closed = await client.post(f"/api/v1/polls/{open_poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text
    poll = await polls.load(open_poll.id)
    with pytest.raises(PollNotAccepting):
        await submit_response(
            poll, Submission(answers=open_poll.answers(), subject="device-1"), secret=SECRET
        )
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}


async def test_the_one_submission_path_itself_refuses_a_draft(
    client: httpx.AsyncClient, world: World
) -> None:
    """A draft has no keys to destroy, so only the service's own check stands between it and
    a stored answer (a closed poll is also refused by the write itself, below)."""
    draft = await create_draft_poll(client, world)
    poll = await polls.load(draft["id"])
    questions = draft["questions"]
    with pytest.raises(PollNotAccepting):
        await submit_response(
            poll,
            Submission(answers={str(questions[3]["id"]): True}, subject="device-1"),
            secret=SECRET,
        )
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}


async def test_a_close_committed_during_a_submissions_write_takes_nothing_of_it(
    client: httpx.AsyncClient,
    world: World,
    open_poll: OpenPoll,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race the write's own check is for. A phone's submission read the poll while it
    was open and passed every check; its write reaches the database while the close's
    transaction has marked the keys destroyed and deleted them, not yet committed (the
    pause is injected there, after its last statement). Two connections: the close's, and
    the submission's own (a fresh context, as another request's).

    - PostgreSQL: the close holds the poll row ``FOR UPDATE``
      (``unlinking.destroy_keys``); the write's ``FOR KEY SHARE`` on it waits, then reads
      the committed row again, finds ``keys_destroyed`` and stores nothing. Without the
      update lock the write would not wait; without the key-share lock or its
      ``NOT keys_destroyed`` it would store after the close (the foreign keys' own lock
      waits, but checks nothing).
    - SQLite: the close's transaction holds the database's one write lock (``BEGIN
      IMMEDIATE`` on the engine's writer); the batch writer's ``BEGIN IMMEDIATE`` waits
      for its commit, so the batch's first look at the poll
      (``_SqliteSubmissions._taking``) runs after the close and finds the keys destroyed.

    Either way the phone is told the poll has closed, and no response, answer or key of it
    is stored: a key claimed after the destruction would outlive the poll's keys."""
    poll = await polls.load(open_poll.id)  # as the phone's request read it: open
    phone = Submission(
        answers=open_poll.answers(), subject="device-token-late-1", submission_id="late-1"
    )
    real_sql = unlinking._sql
    during: dict[str, Any] = {}
    waiting = Waiting(db, monkeypatch)

    async def sql_pausing_before_the_commit(engine: Any, query: str, *args: Any) -> list[Any]:
        rows = await real_sql(engine, query, *args)
        if query.startswith('DELETE FROM "printed_code"') and not during:
            during["submit"] = asyncio.get_running_loop().create_task(
                submit_response(poll, phone, secret=SECRET), context=contextvars.Context()
            )
            await waiting.until(1, [during["submit"]])
            during["done before the commit"] = during["submit"].done()
        return rows

    monkeypatch.setattr(unlinking, "_sql", sql_pausing_before_the_commit)
    await polls.close_poll(world.principals["officer"], open_poll.id)
    monkeypatch.undo()

    assert during, "the close never reached its last delete"
    assert not during["done before the commit"], "the write did not wait for the close"
    with pytest.raises(PollNotAccepting):
        await during["submit"]
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}
    assert await t.IdempotencyKey.count() == 0
