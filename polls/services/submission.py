"""The one submission path: web form, JSON API, Telegram and Zalo all store answers here.

It checks the poll accepts answers, validates every answer against its question, enforces
the poll's duplicate policy, and stores the response with all its answers in one
transaction, or nothing. A client-made ``submission_id`` makes a retry answer "already
stored" instead of counting twice; only its per-poll HMAC is kept (``idempotency_key``),
with no link to the response. Ids are random, and the hour's rows are rewritten once it
has ended (``services.unlinking``), so nothing stored pairs a key with its response.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from polls import db, privacy
from polls import tables as t
from polls.errors import (
    N_,
    AlreadyAnswered,
    CodeAlreadyUsed,
    DomainError,
    InvalidAnswers,
    PollNotAccepting,
    Unauthorized,
)
from polls.forms.kinds import parse_answers
from polls.models import Channel, DuplicatePolicy, Placement, Poll, PollStatus, Stored
from polls.services import codes, unlinking
from polls.services.polls import now

MAX_SUBMISSION_ID = 100
MESSENGER_CHANNELS = frozenset({Channel.TELEGRAM, Channel.ZALO})
ID_ATTEMPTS = 3
"""Random ids that collide (about once in 10^12 submissions at a million rows) are drawn
again; the whole write is retried, since it failed whole."""

FIND_IDEMPOTENCY_KEY = 'SELECT 1 AS "found" FROM "idempotency_key" WHERE "key" = {}'
FIND_DUPLICATE_KEY = 'SELECT 1 AS "found" FROM "duplicate_key" WHERE "key" = {}'
INSERT_RESPONSE = (
    'INSERT INTO "response" ("id", "poll", "placement", "unit", "channel", "submitted_hour", '
    '"fresh") VALUES '
)
INSERT_ANSWERS = (
    'INSERT INTO "answer" ("id", "response", "question", "option", "value_int", "value_text", '
    '"poll", "placement", "unit", "channel") VALUES '
)
"""An answer row: its id, its response, its own four values, then the response's poll and
segments again (``tables.Answer``), so tallies and breakdowns read ``answer`` alone."""

STORE_IN_ONE_STATEMENT = """
WITH taking AS (
    SELECT "id" FROM "poll" WHERE "id" = {{}}::integer AND NOT "keys_destroyed" FOR KEY SHARE
), {claim}{idempotency}stored AS (
    INSERT INTO "response" ("id", "poll", "placement", "unit", "channel", "submitted_hour",
        "fresh")
    SELECT {{}}::bigint, {{}}::integer, {{}}::integer, {{}}::integer, {{}}::varchar,
        {{}}::timestamptz, {{}}::boolean
    WHERE EXISTS (SELECT 1 FROM taking) {only_if_claimed}
    RETURNING "id", "poll", "placement", "unit", "channel"
), answered AS (
    {insert_answers}
    SELECT a."id", s."id", a."question", a."option", a."value_int", a."value_text",
        s."poll", s."placement", s."unit", s."channel"
    FROM stored s, unnest({{}}::bigint[], {{}}::integer[], {{}}::integer[], {{}}::integer[],
        {{}}::text[]) AS a("id", "question", "option", "value_int", "value_text")
)
SELECT "id" FROM stored
"""
"""The whole write as one PostgreSQL statement (data-modifying CTEs), one round trip instead
of a transaction's six: lock the poll row against its keys being destroyed meanwhile (the
key-share lock every foreign key to the poll takes anyway; ``unlinking.destroy_keys`` locks
the row for update, so a close waits for this write and then deletes its key too, and this
write waits for a close and then stores nothing), claim the duplicate key
(if any) and the idempotency key (if any), insert the response only if the claim took,
and its answers (as arrays, so the text is the same for any number of answers and stays
prepared) carrying the response's poll and segments from its ``RETURNING``. A statement is
atomic on its own; a unique violation (the submission id's twin, or a random id drawn
twice) aborts all of it. No row back means the key was already claimed, or the poll has
closed."""

_CLAIM_CTE = (
    '"claimed" AS (INSERT INTO "duplicate_key" ("key", "poll") SELECT {}::varchar, '
    '{}::integer WHERE EXISTS (SELECT 1 FROM taking) ON CONFLICT ("key") DO NOTHING '
    'RETURNING "key"), '
)
_IDEMPOTENCY_CTE = (
    '"idempotent" AS (INSERT INTO "idempotency_key" ("key", "poll") SELECT {}::varchar, '
    "{}::integer WHERE EXISTS (SELECT 1 FROM taking) {only_if_claimed}), "
)


def _store_in_one_statement(claims: bool, idempotent: bool) -> str:
    only_if_claimed = 'AND EXISTS (SELECT 1 FROM "claimed")' if claims else ""
    return STORE_IN_ONE_STATEMENT.format(
        claim=_CLAIM_CTE if claims else "",
        idempotency=(
            _IDEMPOTENCY_CTE.replace("{only_if_claimed}", only_if_claimed) if idempotent else ""
        ),
        only_if_claimed=only_if_claimed,
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
    code: str | None = None
    """The printed one-time code typed or scanned, on a poll of the policy ``code``; it is
    the subject there (``services.codes``), whatever device or account sends it."""


def check_accepting(poll: Poll) -> None:
    status = poll.effective_status(now())
    if status == PollStatus.OPEN:
        return
    if status == PollStatus.SCHEDULED:
        raise PollNotAccepting(N_("This poll is not open yet."), state=status)
    if status == PollStatus.DRAFT:
        raise PollNotAccepting(N_("This poll is not open yet."), state=status)
    raise PollNotAccepting(N_("This poll has closed. Thank you for your interest."), state=status)


OTHER_SUFFIX = ".other"
"""``"12.other"``: the text typed beside question 12's "other (please specify)" option."""


def _answers_by_question(
    poll: Poll, answers: Mapping[str, Any]
) -> tuple[dict[int, Any], dict[int, Any]]:
    """The submitted values by question id, and the "other" texts by question id."""
    known = {str(q.id): q.id for q in poll.questions}
    others_known = {str(q.id) + OTHER_SUFFIX: q.id for q in poll.questions if q.other_option}
    unknown: dict[str, tuple[str, dict[str, Any]]] = {
        key: (N_("This question is not part of the poll."), {})
        for key in answers
        if str(key) not in known and str(key) not in others_known
    }
    if unknown:
        raise InvalidAnswers(unknown)  # type: ignore[arg-type]
    values = {known[str(k)]: v for k, v in answers.items() if str(k) in known}
    others = {others_known[str(k)]: v for k, v in answers.items() if str(k) in others_known}
    return values, others


async def _replayed(key: str | None) -> bool:
    """Whether the submission id of ``key`` was stored before: asked only once a write or a
    check has refused this one (the first try of a submission never pays for it)."""
    return key is not None and bool(
        await db.read(t.IdempotencyKey._meta.db, FIND_IDEMPOTENCY_KEY, [key])
    )


async def _closed_meanwhile(poll: Poll) -> bool:
    """The poll's keys were destroyed (it closed) after it was read for this submission."""
    row = await t.Poll.select(t.Poll.keys_destroyed).where(t.Poll.id == poll.id).first()
    return row is None or bool(row["keys_destroyed"])


def _closed() -> PollNotAccepting:
    return PollNotAccepting(
        N_("This poll has closed. Thank you for your interest."), state=PollStatus.CLOSED
    )


@dataclass(frozen=True)
class _Write:
    """What one submission writes, with its keys (``None``: not kept) and random ids."""

    poll_id: int
    dup: str | None
    idem: str | None
    segments: list[Any]
    hour: Any
    answer_values: list[tuple[Any, ...]]


async def submit_response(poll: Poll, submission: Submission, *, secret: str) -> Stored:
    """Store one response whole, or nothing. No receipt: the answer only says it is stored
    (``replayed`` for the retry of a submission stored before), so nothing on the phone,
    in its history or in a proxy's log leads to the response.

    A retry is recognised by the write itself: the idempotency key's unique index refuses
    its twin (in the same statement on PostgreSQL, in the same batch job on SQLite), and
    only then is the key looked up. A check that refuses a submission (closed, invalid)
    also looks first, so a retry is answered as its first try was, whatever came since.
    On a ``code`` poll a second answer with one printed code is ``CodeAlreadyUsed``."""
    try:
        return await _submit_response(poll, submission, secret=secret)
    except AlreadyAnswered:
        if poll.duplicate_policy == DuplicatePolicy.CODE:
            raise CodeAlreadyUsed() from None
        raise


async def _duplicate_key(poll: Poll, submission: Submission, secret: str) -> str | None:
    """The duplicate key the write claims: of the printed code on a ``code`` poll (which
    must be one of the poll's codes), else of the device or account, if any."""
    if poll.duplicate_policy == DuplicatePolicy.CODE:
        subject: str | None = await codes.subject_of(poll, submission.code, secret=secret)
    elif poll.duplicate_policy == DuplicatePolicy.NONE:
        subject = None
    else:
        subject = submission.subject
    return privacy.duplicate_key(secret, poll.id, subject) if subject else None


async def _submit_response(poll: Poll, submission: Submission, *, secret: str) -> Stored:
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
    try:
        write = await _checked_write(poll, submission, secret, idem)
    except DomainError as refused:
        if await _replayed(idem):
            return Stored(replayed=True)
        if isinstance(refused, PollNotAccepting):
            await unlinking.destroy_keys_if_closed(poll)
        raise
    return await _store(poll, write)


async def _checked_write(
    poll: Poll, submission: Submission, secret: str, idem: str | None
) -> _Write:
    """Everything a submission is checked against before it is written (no database, but
    for a printed code, checked against the poll's issued codes)."""
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
    rows, errors = parse_answers(poll.questions, *_answers_by_question(poll, submission.answers))
    try:
        dup = await _duplicate_key(poll, submission, secret)
    except InvalidAnswers as wrong_code:  # reported together with the answers' errors
        raise InvalidAnswers({**errors, **wrong_code.answer_errors}) from None
    if errors:
        raise InvalidAnswers(errors)
    placement = submission.placement
    return _Write(
        poll_id=poll.id,
        dup=dup,
        idem=idem,
        segments=[
            poll.id,
            placement.id if placement else None,
            placement.unit_id if placement and placement.unit_id else poll.unit_id,
            str(submission.channel),
        ],
        hour=privacy.coarsen_to_hour(now()),
        answer_values=sorted(
            (
                (question_id, row.option_id, row.value_int, row.value_text)
                for question_id, question_rows in rows.items()
                for row in question_rows
            ),
            key=privacy.answer_order,
        ),
    )


async def _store(poll: Poll, write: _Write) -> Stored:
    engine = t.Response._meta.db
    dup, idem = write.dup, write.idem
    for _ in range(ID_ATTEMPTS):
        response_id, answer_ids = privacy.new_response_ids(len(write.answer_values))
        try:
            if db.is_postgres(engine):
                columns = list(zip(*write.answer_values, strict=True)) or [(), (), (), ()]
                stored = await db.write_one(
                    engine,
                    _store_in_one_statement(dup is not None, idem is not None),
                    [
                        poll.id,
                        *([dup, poll.id] if dup is not None else []),
                        *([idem, poll.id] if idem is not None else []),
                        response_id,
                        *write.segments,
                        write.hour,
                        True,
                        answer_ids,
                        *[list(column) for column in columns],
                    ],
                )
                if not stored:
                    if await _replayed(idem):
                        return Stored(replayed=True)
                    if await _closed_meanwhile(poll):
                        raise _closed()
                    raise AlreadyAnswered()
            else:
                segments = write.segments
                replayed = await db.write_bulk(
                    engine,
                    SQLITE_SUBMISSIONS,
                    _SqliteItem(
                        poll.id,
                        dup,
                        idem,
                        [response_id, *segments, write.hour, True],
                        [
                            [answer_id, response_id, *row, *segments]
                            for answer_id, row in zip(answer_ids, write.answer_values, strict=True)
                        ],
                    ),
                )
                if replayed:
                    return Stored(replayed=True)
        except db.UNIQUE_VIOLATIONS:
            # A concurrent twin won the race (the same retry), or a random id was drawn twice.
            if await _replayed(idem):
                return Stored(replayed=True)
            if dup is not None and await _claimed(dup):
                raise AlreadyAnswered() from None
            continue
        return Stored()
    raise RuntimeError("no free random id after several draws")  # pragma: no cover


@dataclass(frozen=True)
class _SqliteItem:
    """One submission as SQLite's batch writer stores it: its poll, keys, response row and
    answer rows (each row's values in the order of ``INSERT_RESPONSE``/``INSERT_ANSWERS``)."""

    poll_id: int
    dup: str | None
    idem: str | None
    response: list[Any]
    answers: list[list[Any]]


class _SqliteSubmissions:
    """The same write as ``STORE_IN_ONE_STATEMENT``, for all the submissions of one batch
    of SQLite's group commit at once, inside the batch's transaction (which holds the
    database's one write lock): seven statements for the batch instead of seven for each
    submission (each statement gives up and takes back the interpreter lock, which the
    event loop mostly holds).

    The keys the batch names are read first; then each submission is decided in arrival
    order as if alone, against those and the keys taken earlier in the batch: its poll's
    keys destroyed (closed), nothing; its submission id stored before, a replay
    ("stored"), never "already answered", since the id is looked at before the duplicate
    key; its duplicate key taken, "already answered", its id left free; else it is stored.
    The keys and rows of those stored are inserted last. A database error (a random id
    drawn twice, an option deleted meanwhile) raises, and the batch writer halves the
    group until that submission stands alone (``db.Bulk``)."""

    def run(self, connection: sqlite3.Connection, items: list[_SqliteItem]) -> list[db.Outcome]:
        taking = _taking(connection, {item.poll_id for item in items})
        live = [item for item in items if item.poll_id in taking]
        ids = _taken(connection, "idempotency_key", {i.idem for i in live if i.idem is not None})
        dups = _taken(connection, "duplicate_key", {i.dup for i in live if i.dup is not None})
        outcomes: list[db.Outcome] = []
        storing: list[_SqliteItem] = []
        for item in items:
            if item.poll_id not in taking:
                outcomes.append((False, _closed()))
            elif item.idem is not None and item.idem in ids:
                outcomes.append((True, True))  # stored before
            elif item.dup is not None and item.dup in dups:
                outcomes.append((False, AlreadyAnswered()))
            else:
                ids.update([item.idem] if item.idem is not None else [])
                dups.update([item.dup] if item.dup is not None else [])
                storing.append(item)
                outcomes.append((True, False))
        keys = 'INSERT INTO "{}" ("key", "poll") VALUES '
        _insert(
            connection,
            keys.format("idempotency_key"),
            [[i.idem, i.poll_id] for i in storing if i.idem],
        )
        _insert(
            connection, keys.format("duplicate_key"), [[i.dup, i.poll_id] for i in storing if i.dup]
        )
        _insert(connection, INSERT_RESPONSE, [item.response for item in storing])
        _insert(connection, INSERT_ANSWERS, [row for item in storing for row in item.answers])
        return outcomes


SQLITE_SUBMISSIONS = _SqliteSubmissions()


def _taking(connection: sqlite3.Connection, poll_ids: set[int]) -> set[int]:
    """Those of the polls whose keys are not destroyed (still taking answers)."""
    rows = _select_in(connection, 'SELECT "id", "keys_destroyed" FROM "poll" WHERE "id"', poll_ids)
    return {row["id"] for row in rows if not row["keys_destroyed"]}


def _taken(connection: sqlite3.Connection, table: str, keys: set[str]) -> set[str]:
    """Those of ``keys`` that ``table`` (``idempotency_key``, ``duplicate_key``) holds."""
    rows = _select_in(connection, f'SELECT "key" FROM "{table}" WHERE "key"', keys)  # noqa: S608 (fixed names)
    return {row["key"] for row in rows}


def _select_in(connection: sqlite3.Connection, head: str, values: set[Any]) -> list[Any]:
    """The rows of ``head IN (values)``, in as few statements as this SQLite allows."""
    ordered = sorted(values)
    step = db.variable_limit(connection)
    rows: list[Any] = []
    for start in range(0, len(ordered), step):
        chunk = ordered[start : start + step]
        rows += connection.execute(f"{head} IN ({_marks(len(chunk))})", chunk).fetchall()
    return rows


def _marks(count: int, width: int = 1) -> str:
    row = "?" if width == 1 else "(" + ", ".join(["?"] * width) + ")"
    return ", ".join([row] * count)


def _insert(connection: sqlite3.Connection, head: str, rows: list[list[Any]]) -> None:
    """``rows`` inserted by ``head`` (``INSERT ... VALUES ``), in as few statements as
    this SQLite allows."""
    if not rows:
        return
    width = len(rows[0])
    step = max(1, db.variable_limit(connection) // width)
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        connection.execute(head + _marks(len(chunk), width), [v for row in chunk for v in row])


async def _claimed(dup: str) -> bool:
    return bool(await db.read(t.DuplicateKey._meta.db, FIND_DUPLICATE_KEY, [dup]))


async def has_answered(poll: Poll, subject: str | None, *, secret: str) -> bool:
    if poll.duplicate_policy == DuplicatePolicy.NONE or not subject:
        return False
    return await _claimed(privacy.duplicate_key(secret, poll.id, subject))
