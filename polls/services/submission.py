"""The one submission path: web form, JSON API, Telegram and Zalo all store answers here.

It checks the poll accepts answers, validates every answer against its question, enforces
the poll's duplicate policy, and stores the response with all its answers in one
transaction, or nothing. A client-made ``submission_id`` makes a retry return the first
receipt instead of counting twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from polls import db, privacy
from polls import tables as t
from polls.db import WriteSteps
from polls.errors import N_, AlreadyAnswered, InvalidAnswers, PollNotAccepting, Unauthorized
from polls.forms.kinds import parse_answers
from polls.models import Channel, DuplicatePolicy, Placement, Poll, PollStatus, Receipt
from polls.services.polls import now

MAX_SUBMISSION_ID = 100
MESSENGER_CHANNELS = frozenset({Channel.TELEGRAM, Channel.ZALO})

CLAIM_DUPLICATE_KEY = (
    'INSERT INTO "duplicate_key" ("key", "poll") VALUES ({}, {}) '
    'ON CONFLICT ("key") DO NOTHING RETURNING "key"'
)
INSERT_RESPONSE = (
    'INSERT INTO "response" ("poll", "placement", "unit", "channel", "submitted_hour", '
    '"receipt", "idempotency_key") VALUES ({}, {}, {}, {}, {}, {}, {}) RETURNING "id"'
)
INSERT_ANSWERS = (
    'INSERT INTO "answer" ("response", "question", "option", "value_int", "value_text", '
    '"poll", "placement", "unit", "channel") VALUES '
)
ANSWER_VALUES = "({}, {}, {}, {}, {}, {}, {}, {}, {})"
"""An answer row: its response, its own four values, then the response's poll and segments
again (``tables.Answer``), so tallies and breakdowns read ``answer`` alone."""

STORE_IN_ONE_STATEMENT = """
WITH {claim}stored AS (
    INSERT INTO "response" ("poll", "placement", "unit", "channel", "submitted_hour",
        "receipt", "idempotency_key")
    SELECT {{}}::integer, {{}}::integer, {{}}::integer, {{}}::varchar, {{}}::timestamptz,
        {{}}::varchar, {{}}::varchar
    {only_if_claimed}
    RETURNING "id", "poll", "placement", "unit", "channel"
), answered AS (
    {insert_answers}
    SELECT s."id", a."question", a."option", a."value_int", a."value_text",
        s."poll", s."placement", s."unit", s."channel"
    FROM stored s, unnest({{}}::integer[], {{}}::integer[], {{}}::integer[], {{}}::text[])
        AS a("question", "option", "value_int", "value_text")
)
SELECT "id" FROM stored
"""
"""The whole write as one PostgreSQL statement (data-modifying CTEs), one round trip instead
of a transaction's five: claim the duplicate key (if any), insert the response only if the
claim took, and its answers (as arrays, so the text is the same for any number of answers
and stays prepared) carrying the response's poll and segments from its ``RETURNING``. A
statement is atomic on its own; a unique violation (the submission id's twin) aborts all
of it. No row back means the key was already claimed."""


def _store_in_one_statement(claims: bool) -> str:
    return STORE_IN_ONE_STATEMENT.format(
        claim=f'"claimed" AS ({CLAIM_DUPLICATE_KEY}), ' if claims else "",
        only_if_claimed='WHERE EXISTS (SELECT 1 FROM "claimed")' if claims else "",
        insert_answers=INSERT_ANSWERS.removesuffix("VALUES "),
    )


@dataclass(frozen=True)
class Submission:
    answers: Mapping[str, Any]
    """Question id (as text, the way forms and JSON carry it) to the submitted value."""
    channel: Channel = Channel.WEB
    placement: Placement | None = None
    subject: str | None = None
    """Who may answer only once: a device token, or a messenger account id (``telegram:<id>``,
    ``zalo:<id>``) vouched for by the messenger. Never stored: only its per-poll HMAC is."""
    messenger_account: bool = False
    """The subject is a messenger account the messenger vouched for (Telegram's signed launch
    data, Zalo's Graph API), not a device: only such answers count on ``messenger`` polls."""
    submission_id: str | None = None


def check_accepting(poll: Poll) -> None:
    status = poll.effective_status(now())
    if status == PollStatus.OPEN:
        return
    if status == PollStatus.SCHEDULED:
        raise PollNotAccepting(N_("This poll is not open yet."), state=status)
    if status == PollStatus.DRAFT:
        raise PollNotAccepting(N_("This poll is not open yet."), state=status)
    raise PollNotAccepting(N_("This poll has closed. Thank you for your interest."), state=status)


def _answers_by_question(poll: Poll, answers: Mapping[str, Any]) -> dict[int, Any]:
    known = {str(q.id): q.id for q in poll.questions}
    unknown: dict[str, tuple[str, dict[str, Any]]] = {
        key: (N_("This question is not part of the poll."), {})
        for key in answers
        if str(key) not in known
    }
    if unknown:
        raise InvalidAnswers(unknown)  # type: ignore[arg-type]
    return {known[str(key)]: value for key, value in answers.items()}


async def _replayed(key: str | None) -> Receipt | None:
    if key is None:
        return None
    row = (
        await t.Response.select(t.Response.receipt).where(t.Response.idempotency_key == key).first()
    )
    return Receipt(row["receipt"], replayed=True) if row else None


async def submit_response(poll: Poll, submission: Submission, *, secret: str) -> Receipt:
    if (
        submission.submission_id is not None
        and not 1 <= len(submission.submission_id) <= MAX_SUBMISSION_ID
    ):
        raise InvalidAnswers({"submission_id": (N_("The submission id is malformed."), {})})  # type: ignore[dict-item]
    idem = (
        privacy.idempotency_key(secret, poll.id, submission.submission_id)
        if submission.submission_id
        else None
    )
    replay = await _replayed(idem)
    if replay:
        return replay
    check_accepting(poll)
    if poll.duplicate_policy == DuplicatePolicy.MESSENGER and not (
        submission.messenger_account
        and submission.channel in MESSENGER_CHANNELS
        and submission.subject
    ):
        raise Unauthorized(
            N_(
                "This poll is answered inside Telegram or Zalo, once per account. "
                "Open it from the union's Telegram group or bot, or its Zalo Mini App."
            )
        )
    rows, errors = parse_answers(poll.questions, _answers_by_question(poll, submission.answers))
    if errors:
        raise InvalidAnswers(errors)
    dup = None
    if poll.duplicate_policy != DuplicatePolicy.NONE and submission.subject:
        dup = privacy.duplicate_key(secret, poll.id, submission.subject)
    placement = submission.placement
    receipt = privacy.new_receipt()
    answer_values = [
        (question_id, row.option_id, row.value_int, row.value_text)
        for question_id, question_rows in rows.items()
        for row in question_rows
    ]
    response_values = [
        poll.id,
        placement.id if placement else None,
        placement.unit_id if placement and placement.unit_id else poll.unit_id,
        str(submission.channel),
        privacy.coarsen_to_hour(now()),
        receipt,
        idem,
    ]

    def store() -> WriteSteps[None]:
        if dup is not None:
            claimed = yield (CLAIM_DUPLICATE_KEY, [dup, poll.id])
            if not claimed:
                raise AlreadyAnswered()
        inserted = yield (INSERT_RESPONSE, response_values)
        if answer_values:
            response_id = inserted[0]["id"]
            segments = response_values[:4]  # poll, placement, unit, channel
            yield (
                INSERT_ANSWERS + ", ".join([ANSWER_VALUES] * len(answer_values)),
                [value for row in answer_values for value in (response_id, *row, *segments)],
            )

    engine = t.Response._meta.db
    try:
        if db.is_postgres(engine):
            columns = list(zip(*answer_values, strict=True)) or [(), (), (), ()]
            stored = await db.write_one(
                engine,
                _store_in_one_statement(dup is not None),
                [*([dup, poll.id] if dup is not None else []), *response_values]
                + [list(column) for column in columns],
            )
            if not stored:
                raise AlreadyAnswered()
        else:
            await db.write(engine, store)
    except (sqlite3.IntegrityError, asyncpg.UniqueViolationError):
        # A concurrent twin won the race: the same retry, or the same device.
        replay = await _replayed(idem)
        if replay:
            return replay
        raise AlreadyAnswered() from None
    return Receipt(receipt)


async def has_answered(poll: Poll, subject: str | None, *, secret: str) -> bool:
    if poll.duplicate_policy == DuplicatePolicy.NONE or not subject:
        return False
    key = privacy.duplicate_key(secret, poll.id, subject)
    return await t.DuplicateKey.exists().where(t.DuplicateKey.key == key)
