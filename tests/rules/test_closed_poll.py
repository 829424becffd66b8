"""Rule: keys are destroyed when the poll closes, and from then on nothing stored relates to
any person. So a closed poll takes no answer at all (an answer would store a new duplicate
key, and a response with a time after the close), through the API or the web form."""

from __future__ import annotations

import httpx
import pytest

from polls.errors import PollNotAccepting
from polls.services import polls
from polls.services.submission import Submission, submit_response
from tests.conftest import (
    SECRET,
    OpenPoll,
    World,
    answer_as_new_device,
    create_draft_poll,
    stored_counts,
)
from tests.forms.test_pages import form_data


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
    a stored answer (a closed poll is also refused by the statement that stores)."""
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
