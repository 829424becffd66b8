"""The one submission path under races and failures: a response is stored whole or not at
all, once per device, and once per submission id."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.errors import AlreadyAnswered, PollNotAccepting
from polls.models import Stored
from polls.services import polls, submission, unlinking
from polls.services.submission import Submission, submit_response
from tests.conftest import SECRET, OpenPoll, stored_counts


async def _submit(poll_id: int, answers: dict, **fields: object) -> Stored | Exception:
    poll = await polls.load(poll_id)
    try:
        return await submit_response(poll, Submission(answers=answers, **fields), secret=SECRET)  # type: ignore[arg-type]
    except Exception as error:  # the races below compare outcomes
        return error


async def test_concurrent_answers_from_one_device_store_one(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    outcomes = await asyncio.gather(
        *(
            _submit(open_poll.id, open_poll.answers(), subject="device-token-123456")
            for _ in range(6)
        )
    )
    stored = [o for o in outcomes if isinstance(o, Stored)]
    refusals = [o for o in outcomes if isinstance(o, AlreadyAnswered)]
    assert len(stored) == 1, outcomes
    assert len(refusals) == 5, outcomes
    assert await stored_counts() == {"response": 1, "answer": 6, "duplicate_key": 1}


async def test_concurrent_retries_of_one_submission_count_once(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    outcomes = await asyncio.gather(
        *(
            _submit(
                open_poll.id,
                open_poll.answers(),
                subject=f"device-{n:016d}",
                submission_id="retry-1",
            )
            for n in range(6)
        )
    )
    assert all(isinstance(o, Stored) for o in outcomes), outcomes
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * 5  # type: ignore[union-attr]
    assert await t.Response.count() == 1
    assert await t.IdempotencyKey.count() == 1


async def test_concurrent_retries_from_one_phone_are_all_answered_as_stored(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    # The phone sent its answers, lost the connection and sent them again (same device,
    # same submission id) while the first was still being written: one response, and no
    # try is told "already answered" although the device's duplicate key is taken.
    outcomes = await asyncio.gather(
        *(
            _submit(
                open_poll.id,
                open_poll.answers(),
                subject="device-token-123456",
                submission_id="phone-retry-1",
            )
            for _ in range(6)
        )
    )
    assert all(isinstance(o, Stored) for o in outcomes), outcomes
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * 5  # type: ignore[union-attr]
    assert await stored_counts() == {"response": 1, "answer": 6, "duplicate_key": 1}
    assert await t.IdempotencyKey.count() == 1
    later = await _submit(
        open_poll.id,
        open_poll.answers(),
        subject="device-token-123456",
        submission_id="phone-retry-1",
    )
    assert later == Stored(replayed=True)
    another_form = await _submit(
        open_poll.id,
        open_poll.answers(),
        subject="device-token-123456",
        submission_id="phone-second-form",
    )
    assert isinstance(another_form, AlreadyAnswered)
    assert await t.IdempotencyKey.count() == 1  # the refused one left no key behind


async def test_a_first_try_looks_nothing_up(
    client: httpx.AsyncClient, open_poll: OpenPoll, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only a refused write asks whether the submission id was stored before.
    looked_up: list[str | None] = []
    replayed = submission._replayed

    async def counting(key: str | None) -> bool:
        looked_up.append(key)
        return await replayed(key)

    monkeypatch.setattr(submission, "_replayed", counting)
    first = await _submit(
        open_poll.id, open_poll.answers(), subject="device-token-123456", submission_id="s-1"
    )
    assert first == Stored(replayed=False)
    assert looked_up == []
    again = await _submit(
        open_poll.id, open_poll.answers(), subject="device-token-123456", submission_id="s-1"
    )
    assert again == Stored(replayed=True)
    assert await stored_counts() == {"response": 1, "answer": 6, "duplicate_key": 1}


async def test_the_retry_of_a_stored_submission_is_a_replay_after_its_poll_ended(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    # The first try was stored just before the closing time; the retry arrives after it,
    # before anything has destroyed the keys: it is answered as stored, as before.
    fields = {"subject": "device-token-123456", "submission_id": "late-retry"}
    assert await _submit(open_poll.id, open_poll.answers(), **fields) == Stored()
    poll = await polls.load(open_poll.id)
    ended = dataclasses.replace(poll, closes_at=polls.now() - timedelta(minutes=1))
    assert await _submit_loaded(ended, open_poll.answers(), **fields) == Stored(replayed=True)
    refused = await _submit_loaded(
        ended, open_poll.answers(), subject="device-other-1234567", submission_id="new-one"
    )
    assert isinstance(refused, PollNotAccepting)
    assert await t.Response.count() == 1


async def test_a_failure_midway_stores_nothing(
    client: httpx.AsyncClient, open_poll: OpenPoll, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last statement of the write fails in the database itself, after the duplicate key
    # and the response row were written in the same transaction.
    monkeypatch.setattr(
        submission,
        "INSERT_ANSWERS",
        submission.INSERT_ANSWERS.replace('"value_text"', '"no_such_column"'),
    )
    outcome = await _submit(open_poll.id, open_poll.answers(), subject="device-token-123456")
    assert isinstance(outcome, Exception)
    assert not isinstance(outcome, Stored)
    monkeypatch.undo()
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}
    # and the device may try again: its duplicate key was rolled back with the rest
    retried = await _submit(open_poll.id, open_poll.answers(), subject="device-token-123456")
    assert isinstance(retried, Stored)


async def test_an_answer_the_database_refuses_at_the_end_stores_nothing(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    # The poll in hand still offers an option the database no longer has: the answers'
    # foreign key fails last, after the duplicate key and the response were written by the
    # same statement (PostgreSQL) or transaction (SQLite).
    poll = await polls.load(open_poll.id)
    option = open_poll.questions[0]["options"][0]["id"]
    await t.Option.delete().where(t.Option.id == option)
    outcome = await _submit_loaded(poll, open_poll.answers(), subject="device-token-123456")
    assert isinstance(outcome, Exception)
    assert not isinstance(outcome, Stored)
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}


async def _submit_loaded(poll: object, answers: dict, **fields: object) -> Stored | Exception:
    try:
        return await submit_response(poll, Submission(answers=answers, **fields), secret=SECRET)  # type: ignore[arg-type]
    except Exception as error:  # the caller checks what came out
        return error


async def _answer_rows(poll_id: int) -> dict[int, list[dict]]:
    rows = await t.Answer.select(
        t.Answer.id, t.Answer.response, t.Answer.question, t.Answer.option
    ).where(t.Answer.poll == poll_id)
    by_response: dict[int, list[dict]] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        by_response.setdefault(row["response"], []).append(row)
    return by_response


def _assert_blocks(by_response: dict[int, list[dict]]) -> None:
    """Each response's answers take consecutive ids of one block, in the order of their
    values (question, option), whatever order they were sent in; blocks differ."""
    blocks = set()
    for response_id, rows in by_response.items():
        ids = [r["id"] for r in rows]
        block = ids[0] >> privacy.ANSWER_BLOCK_BITS
        assert ids == list(range(ids[0], ids[0] + len(ids))), ids
        assert {i >> privacy.ANSWER_BLOCK_BITS for i in ids} == {block}
        assert ids[0] % privacy.ANSWER_BLOCK == 1
        assert [(r["question"], r["option"] or 0) for r in rows] == sorted(
            (r["question"], r["option"] or 0) for r in rows
        )
        assert response_id >> privacy.ANSWER_BLOCK_BITS != block  # not derived from it
        blocks.add(block)
    assert len(blocks) == len(by_response)


async def test_a_responses_answers_are_stored_side_by_side_in_one_order(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    """The order a client lists a question's choices in is not kept: two responses choosing
    the same options, sent in opposite orders, are stored alike; and the hourly rewrite
    keeps each response's answers in one block of new ids."""
    multi = open_poll.questions[1]
    chosen = [multi["options"][0]["id"], multi["options"][2]["id"]]
    for order, device in (
        (chosen, "device-order-one-1234"),
        (chosen[::-1], "device-order-two-1234"),
    ):
        answers = {**open_poll.answers(), str(multi["id"]): order}
        assert isinstance(await _submit(open_poll.id, answers, subject=device), Stored)

    stored = await _answer_rows(open_poll.id)
    assert len(stored) == 2
    _assert_blocks(stored)
    first, second = ([(r["question"], r["option"]) for r in rows] for rows in stored.values())
    assert first == second

    await unlinking.unlink_ended_hours(unlinking.next_hour())
    rewritten = await _answer_rows(open_poll.id)
    assert len(rewritten) == 2
    assert not set(rewritten) & set(stored)
    _assert_blocks(rewritten)
    assert not {r["id"] for rows in rewritten.values() for r in rows} & {
        r["id"] for rows in stored.values() for r in rows
    }
