"""Removing the stored link between a person's key and a response (issue 12).

A duplicate key (or idempotency key) is written by the same atomic write as its response,
so while the hour lasts a copy of the database can pair them: on PostgreSQL by the
transaction id both rows carry (``xmin``), on both databases by physical order (pages,
``ctid``, ``rowid``). An answer must be durable before it is acknowledged, so that cannot
be avoided at write time. What can be done is to rewrite them afterwards:

- ``unlink_ended_hours`` takes every response of an hour that has ended and is still
  ``fresh``, deletes it and its answers, and inserts them again in random order with new
  random ids, all in one transaction, and with them every duplicate and idempotency key of
  the polls they belong to (which would otherwise still tell, by their own order, in which
  hour they were claimed). Afterwards they all carry that transaction's id and sit in an
  order that has nothing to do with when they came, so no column, system column, page or
  dump order pairs them with a key, nor a key with an hour. Deleted rows are then
  reclaimed (PostgreSQL: ``VACUUM``; SQLite: ``secure_delete`` zeroes them, and the WAL
  is checkpointed and truncated). It runs once an hour in every app process
  (``run_hourly``), lazily when a form is read in a new hour (``unlink_if_new_hour``),
  when a poll closes, and on demand (``polls unlink``, before a backup).
- ``destroy_keys_if_closed`` deletes a closed poll's duplicate and idempotency keys (and the
  HMACs of its printed one-time codes, ``services.codes``) once,
  whichever process notices first (a compare-and-swap on ``poll.keys_destroyed``): after
  that nothing stored relates to any device or account.

Both are safe to run from many processes at once: PostgreSQL takes an advisory lock for the
rewrite (others skip it), SQLite has one writer at a time.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from polls import db, privacy
from polls import tables as t
from polls.models import Poll, PollStatus
from polls.services.cache import forget_poll

log = logging.getLogger(__name__)

ADVISORY_LOCK = 0x706F6C6C5F756E6C
"""PostgreSQL advisory lock id of the rewrite ("poll_unl"): one process at a time does it."""
CHUNK = 500
"""Rows per INSERT statement of the rewrite (well under both databases' parameter limits)."""

RESPONSE_COLUMNS = ("poll", "placement", "unit", "channel", "submitted_hour")
ANSWER_COLUMNS = (
    "question",
    "option",
    "value_int",
    "value_text",
    "poll",
    "placement",
    "unit",
    "channel",
)

ANSWER_SELECT = ", ".join('a."' + column + '"' for column in ANSWER_COLUMNS)

_shuffle = random.SystemRandom().shuffle


def now() -> datetime:
    """This module's clock (``services.polls`` calls into this module, so it keeps its own;
    tests move it to play an hour ending)."""
    return datetime.now(UTC)


_checked_hour: datetime | None = None
"""The hour this process last ran the step in; a form read in a later hour runs it again."""
_running: asyncio.Lock | None = None


@dataclass(frozen=True)
class Unlinked:
    responses: int
    answers: int


def _engine() -> Engine:
    return t.Response._meta.db


async def _sql(engine: Engine, sql: str, *args: Any) -> list[dict[str, Any]]:
    return list(await engine.run_querystring(QueryString(sql, *args)) or [])


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


async def _insert(
    engine: Engine, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    row_sql = "(" + ", ".join(["{}"] * len(columns)) + ")"
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        await _sql(
            engine,
            f'INSERT INTO "{table}" ({_quoted(columns)}) VALUES '  # noqa: S608 (fixed names)
            + ", ".join([row_sql] * len(chunk)),
            *[value for row in chunk for value in row],
        )


async def _rewrite(engine: Engine, before: datetime) -> Unlinked:
    """The rewrite itself, inside the caller's transaction. The rows are chosen once and
    locked (PostgreSQL; SQLite's writer lock does it there), and everything after names them
    by id: a response of the ended hour committed meanwhile is left alone, fresh, for the
    next run, never deleted unseen."""
    lock = " FOR UPDATE" if db.is_postgres(engine) else ""
    responses = await _sql(
        engine,
        f'SELECT "id", {_quoted(RESPONSE_COLUMNS)} FROM "response" '  # noqa: S608
        'WHERE "fresh" AND "submitted_hour" < {}' + lock,
        before,
    )
    if not responses:
        return Unlinked(0, 0)
    ids = [row["id"] for row in responses]
    answers: list[dict[str, Any]] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ", ".join(["{}"] * len(chunk))
        answers += await _sql(
            engine,
            f'SELECT a."response", {ANSWER_SELECT} FROM "answer" a '  # noqa: S608
            f'WHERE a."response" IN ({marks})',
            *chunk,
        )
        await _sql(engine, f'DELETE FROM "answer" WHERE "response" IN ({marks})', *chunk)  # noqa: S608
        await _sql(engine, f'DELETE FROM "response" WHERE "id" IN ({marks})', *chunk)  # noqa: S608
    new_ids: dict[int, int] = {}
    used: set[int] = set()
    for row in responses:
        new_id = privacy.new_row_id()
        while new_id in used:  # an id of another hour drawn again fails the whole rewrite,
            new_id = privacy.new_row_id()  # which the next run repeats with new draws
        used.add(new_id)
        new_ids[row["id"]] = new_id
    response_rows = [
        (new_ids[row["id"]], *(row[c] for c in RESPONSE_COLUMNS), False) for row in responses
    ]
    by_response: dict[int, list[tuple[Any, ...]]] = {}
    for row in answers:
        by_response.setdefault(row["response"], []).append(tuple(row[c] for c in ANSWER_COLUMNS))
    answer_rows = [
        (answer_id, new_ids[old_id], *values)
        for old_id, rows in by_response.items()
        for answer_id, values in zip(
            privacy.new_answer_ids(len(rows)),
            sorted(rows, key=privacy.answer_order),
            strict=True,
        )
    ]
    _shuffle(response_rows)
    _shuffle(answer_rows)
    await _insert(engine, "response", ("id", *RESPONSE_COLUMNS, "fresh"), response_rows)
    await _insert(engine, "answer", ("id", "response", *ANSWER_COLUMNS), answer_rows)
    await _rewrite_keys(engine, sorted({row["poll"] for row in responses}))
    return Unlinked(len(response_rows), len(answer_rows))


KEY_TABLES = ("duplicate_key", "idempotency_key")


async def _rewrite_keys(engine: Engine, poll_ids: Sequence[int]) -> None:
    """Delete and insert again, in random order, every duplicate and idempotency key of the
    polls whose responses were just rewritten, in the same transaction. A key's ``xmin``,
    ``ctid``, ``rowid`` and place in the pages would otherwise still say when (in which
    hour, in which order) it was claimed; beside ``submitted_hour`` that pairs the lone key
    of a quiet hour with that hour's lone response. Afterwards every key of the poll carries
    this transaction's id and sits in an order drawn at random.

    No submission can slip past a missing key meanwhile. On SQLite this transaction holds
    the one writer. On PostgreSQL the polls' rows are locked for update first (in id order),
    which waits for the submissions in flight (each holds its poll's key-share lock) and
    makes new ones wait until this commits, when they find their key again; readers meanwhile
    still see the old copies. A close (``destroy_keys``, which locks the row for update)
    waits for this transaction too (the rewritten responses' foreign keys already hold the
    row's key-share lock), then deletes the new copies; a poll whose keys a close destroyed
    first is skipped."""
    if not poll_ids:
        return
    marks = ", ".join(["{}"] * len(poll_ids))
    if db.is_postgres(engine):
        locked = await _sql(
            engine,
            f'SELECT "id" FROM "poll" WHERE "id" IN ({marks}) AND NOT "keys_destroyed" '  # noqa: S608
            'ORDER BY "id" FOR UPDATE',
            *poll_ids,
        )
        poll_ids = [row["id"] for row in locked]
        if not poll_ids:
            return
        marks = ", ".join(["{}"] * len(poll_ids))
    for table in KEY_TABLES:
        keys = await _sql(
            engine,
            f'SELECT "key", "poll" FROM "{table}" WHERE "poll" IN ({marks})',  # noqa: S608
            *poll_ids,
        )
        if not keys:
            continue
        await _sql(engine, f'DELETE FROM "{table}" WHERE "poll" IN ({marks})', *poll_ids)  # noqa: S608
        rows = [(row["key"], row["poll"]) for row in keys]
        _shuffle(rows)
        await _insert(engine, table, ("key", "poll"), rows)


async def reclaim(engine: Engine, *tables: str) -> None:
    """Make deleted rows unreadable in the database's files: PostgreSQL vacuums them (the
    space is pruned and reused); SQLite already zeroed them (``secure_delete``), and the
    WAL, which still holds the old pages, is folded back and truncated."""
    try:
        if db.is_postgres(engine):
            await engine.run_ddl("VACUUM " + ", ".join(f'"{table}"' for table in tables))
        else:
            await engine.run_ddl("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception:  # reclaiming is best effort; autovacuum and checkpoints follow anyway
        log.warning("could not reclaim the space of %s", ", ".join(tables), exc_info=True)


def next_hour() -> datetime:
    """The end of the current hour: ``unlink_ended_hours(next_hour())`` rewrites this
    hour's responses too (at close, and by ``polls unlink`` before a backup)."""
    return privacy.coarsen_to_hour(now()) + timedelta(hours=1)


async def unlink_ended_hours(moment: datetime | None = None) -> Unlinked:
    """Rewrite every fresh response of an hour that has ended before ``moment`` (default
    now; see the module docstring)."""
    engine = _engine()
    before = privacy.coarsen_to_hour(moment or now())
    async with engine.transaction():
        if db.is_postgres(engine):
            locked = await _sql(engine, "SELECT pg_try_advisory_xact_lock({}) AS ok", ADVISORY_LOCK)
            if not locked[0]["ok"]:
                return Unlinked(0, 0)  # another process is doing it right now
        done = await _rewrite(engine, before)
    if done.responses:
        await reclaim(engine, "response", "answer", *KEY_TABLES)
    return done


def mark_checked(moment: datetime | None = None) -> None:
    """Count the current hour as done in this process (tests call the step on demand)."""
    global _checked_hour
    _checked_hour = privacy.coarsen_to_hour(moment or now())


async def unlink_if_new_hour() -> None:
    """The cheap check on every form read: has the hour changed since this process last ran
    the step? Only then (once per hour and process) does it run."""
    global _running
    hour = privacy.coarsen_to_hour(now())
    if _checked_hour is not None and _checked_hour >= hour:
        return
    _running = _running or asyncio.Lock()
    async with _running:
        if _checked_hour is not None and _checked_hour >= hour:
            return
        try:
            await unlink_ended_hours()
        except Exception:  # the form is shown all the same; the hourly task tries again
            log.exception("unlinking the responses of ended hours failed")
        mark_checked()


# --- keys destroyed at close --------------------------------------------------------------

_destroyed: set[tuple[int, datetime | None]] = set()
"""Polls this process knows to have no keys left, so a closed poll costs one query once;
with the time the poll was reopened, if it was (a reopened poll has keys again)."""

CLAIM_KEYS = (
    'UPDATE "poll" SET "keys_destroyed" = {} WHERE "id" = {} AND NOT "keys_destroyed" '
    'AND ("status" = {} OR ("closes_at" IS NOT NULL AND "closes_at" <= {})) '
    'RETURNING "id"'
)
"""Only a poll closed now loses its keys: a process that read it closed just before it was
reopened (``polls.reopen_poll``) must not take the reopened poll's new keys."""


async def destroy_keys(poll_id: int) -> bool:
    """Delete a closed poll's duplicate, idempotency and printed-code keys, once
    (compare-and-swap on ``keys_destroyed``), unlink what is left of this hour, and reclaim
    the space. True when this call did it."""
    engine = _engine()
    async with engine.transaction():
        if db.is_postgres(engine):  # waits for submissions in flight (their key-share lock)
            await _sql(engine, 'SELECT 1 FROM "poll" WHERE "id" = {} FOR UPDATE', poll_id)
        claimed = await _sql(engine, CLAIM_KEYS, True, poll_id, str(PollStatus.CLOSED), now())
        if claimed:
            await _sql(engine, 'DELETE FROM "duplicate_key" WHERE "poll" = {}', poll_id)
            await _sql(engine, 'DELETE FROM "idempotency_key" WHERE "poll" = {}', poll_id)
            await _sql(engine, 'DELETE FROM "printed_code" WHERE "poll" = {}', poll_id)
        state = await _sql(
            engine, 'SELECT "keys_destroyed", "reopened_at" FROM "poll" WHERE "id" = {}', poll_id
        )
    if state and state[0]["keys_destroyed"]:
        _destroyed.add((poll_id, _aware(state[0]["reopened_at"])))
    forget_poll(poll_id)
    if claimed:
        await reclaim(engine, "duplicate_key", "idempotency_key", "printed_code")
    return bool(claimed)


def _aware(moment: datetime | str | None) -> datetime | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def destroy_keys_if_closed(poll: Poll) -> None:
    """Called wherever a poll is read for answering: a poll past its closing time loses its
    keys the first time any process notices."""
    if (poll.id, poll.reopened_at) in _destroyed:
        return
    if poll.effective_status(now()) != PollStatus.CLOSED:
        return
    await destroy_keys(poll.id)


async def destroy_keys_of_closed_polls() -> int:
    """Every poll closed (by hand or by its time) whose keys are still there."""
    rows = await _sql(
        _engine(),
        'SELECT "id" FROM "poll" WHERE NOT "keys_destroyed" AND ("status" = {} OR '
        '("status" = {} AND "closes_at" IS NOT NULL AND "closes_at" <= {}))',
        str(PollStatus.CLOSED),
        str(PollStatus.OPEN),
        now(),
    )
    done = 0
    for row in rows:
        done += await destroy_keys(row["id"])
    return done


async def run_once() -> tuple[Unlinked, int]:
    """The whole step: unlink ended hours, destroy the keys of closed polls."""
    return await unlink_ended_hours(), await destroy_keys_of_closed_polls()


HOURLY_DELAY = 5
"""Seconds into each hour the background step waits, so the last answers of the hour
before have been written."""


async def run_hourly() -> None:
    """The app's background task: the step just after every full hour, and at start unless
    this process has already done it this hour."""
    while True:
        hour = privacy.coarsen_to_hour(now())
        if _checked_hour is None or _checked_hour < hour:
            try:
                await run_once()
                mark_checked()
            except Exception:
                log.exception("the hourly unlinking step failed")
        moment = now()
        wait = 3600 - (moment.minute * 60 + moment.second) + HOURLY_DELAY
        await asyncio.sleep(wait + secrets.randbelow(5))


def reset_for_tests() -> None:
    _destroyed.clear()
    mark_checked()
