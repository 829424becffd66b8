"""Issue 12, played as the server's administrator: answers come in from known device tokens
and known Telegram accounts; with a copy of the database and SECRET_KEY the administrator
recomputes every person's key and tries to find that person's response by every order the
database keeps. Within the hour some succeed (and must, or the attacks prove nothing);
after the unlinking step none does better than chance; after close no key is left at all,
not even in the bytes of the SQLite file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.services import unlinking
from tests.conftest import Database, OpenPoll, World, create_open_poll
from tests.privacy.admin import (
    CHANCE_BOUND,
    RESPONSES,
    Known,
    file_bytes,
    pg_attacks,
    pg_dump_restore_attacks,
    sqlite_attacks,
    submit_from_devices,
)


@pytest.fixture
async def site(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_ip=0)


async def _answered_poll(site: httpx.AsyncClient, world: World) -> tuple[OpenPoll, Known]:
    poll = await create_open_poll(site, world)
    known = await submit_from_devices(site, poll.code, poll.id, poll.answers)
    return poll, known


async def _attacks(db: Database, known: Known, tmp_path: Path) -> dict[str, int]:
    if db.backend == "postgres":
        return {
            **await pg_attacks(db.url, known),
            **await pg_dump_restore_attacks(db.url, known, tmp_path),
        }
    return sqlite_attacks(db, known)


async def test_within_the_hour_the_database_still_pairs_keys_with_responses(
    site: httpx.AsyncClient, world: World, db: Database, tmp_path: Path
) -> None:
    """The attacks are real: before the step, the orders PostgreSQL keeps pair (nearly)
    every key with its response. (This is what the hourly step is for.)"""
    _, known = await _answered_poll(site, world)
    assert await t.Response.count().where(t.Response.fresh == True) == RESPONSES  # noqa: E712
    if db.backend != "postgres":
        pytest.skip("SQLite's random ids already scatter the rows within the hour")
    found = await _attacks(db, known, tmp_path)
    assert found["duplicate_key: same xmin"] >= RESPONSES - 1, found
    assert found["duplicate_key: ctid order"] >= RESPONSES - 1, found
    assert found["idempotency_key: same xmin"] >= RESPONSES - 1, found


async def test_after_the_hourly_step_no_order_pairs_a_key_with_its_response(
    site: httpx.AsyncClient, world: World, db: Database, tmp_path: Path
) -> None:
    poll, known = await _answered_poll(site, world)
    before = {r["id"] for r in await t.Response.select(t.Response.id)}

    done = await unlinking.unlink_ended_hours(unlinking.next_hour())

    assert done.responses == RESPONSES
    rows = await t.Response.select(t.Response.id, t.Response.fresh)
    assert not before & {r["id"] for r in rows}  # every response has a new id
    assert not any(r["fresh"] for r in rows)
    assert await t.Answer.count().where(t.Answer.poll == poll.id) == RESPONSES * 6
    found = await _attacks(db, known, tmp_path)
    assert found, "no attack ran"
    assert max(found.values()) <= CHANCE_BOUND, found
    # the keys are all still there: the step unlinks, it does not forget who answered
    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == poll.id) == RESPONSES


async def test_sqlite_keeps_no_copy_of_rewritten_rows_in_its_files(
    site: httpx.AsyncClient, world: World, db: Database
) -> None:
    """``secure_delete`` zeroes the old copies and the WAL is truncated: each answer is in
    the file once, where the rewrite put it."""
    if db.backend != "sqlite":
        pytest.skip("SQLite's files")
    _, known = await _answered_poll(site, world)
    await unlinking.unlink_ended_hours(unlinking.next_hour())
    data = file_bytes(db)
    for text in known.marker_of_key.values():
        assert data.count(text.encode()) == 1, text


async def test_after_close_no_key_remains(
    site: httpx.AsyncClient, world: World, db: Database, tmp_path: Path
) -> None:
    poll, known = await _answered_poll(site, world)
    other, other_known = await _answered_poll(site, world)

    closed = await site.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text

    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == poll.id) == 0
    assert await t.IdempotencyKey.count().where(t.IdempotencyKey.poll == poll.id) == 0
    # the open poll keeps its keys (it still needs them)
    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == other.id) == RESPONSES
    assert await t.Response.count().where(t.Response.poll == poll.id) == RESPONSES
    # close also unlinked this hour's responses
    assert await t.Response.count().where(t.Response.fresh == True) == 0  # noqa: E712
    gone = [*known.marker_of_key, *known.idempotency_marker]
    if db.backend == "sqlite":
        data = file_bytes(db)
        assert not [key for key in gone if key.encode() in data]
        assert any(key.encode() in data for key in other_known.marker_of_key)
    else:
        found = await pg_dump_restore_attacks(db.url, known, tmp_path)
        assert max(found.values(), default=0) == 0, found  # no key in the dump to pair


async def test_a_poll_past_its_closing_time_loses_its_keys_when_first_read(
    site: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll, _known = await _answered_poll(site, world)
    assert await t.DuplicateKey.count() == RESPONSES
    await t.Poll.update({t.Poll.closes_at: t.Poll.created_at}).where(t.Poll.id == poll.id)
    unlinking.reset_for_tests()
    from polls.services.cache import forget_poll

    forget_poll(poll.id)

    shown = await site.get(f"/p/{poll.code}")

    assert shown.status_code == 200
    assert await t.DuplicateKey.count() == 0
    assert await t.IdempotencyKey.count() == 0
    assert (await t.Poll.select(t.Poll.keys_destroyed).first())["keys_destroyed"]  # type: ignore[index]
    # a retry of a stored submission after close: a clear refusal in the user's language
    retry = await site.post(
        f"/api/v1/forms/{poll.code}/responses",
        json={"answers": poll.answers(), "submission_id": "late-retry"},
        headers={"Accept-Language": "vi"},
    )
    assert retry.status_code == 410
    assert "đã đóng" in retry.json()["detail"]


async def test_the_background_loop_destroys_keys_of_polls_closed_by_time(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, _ = await _answered_poll(site, world)
    await t.Poll.update({t.Poll.closes_at: t.Poll.created_at}).where(t.Poll.id == poll.id)
    _unlinked, destroyed = await unlinking.run_once()
    assert destroyed == 1
    assert await t.DuplicateKey.count() == 0
    assert (await unlinking.run_once())[1] == 0  # once only


async def test_a_response_committed_during_the_rewrite_is_kept_for_the_next_run(
    site: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads each statement afresh: a late answer of the ended hour that commits
    between the rewrite's first read and its deletes must not be deleted unseen."""
    if db.backend != "postgres":
        pytest.skip("SQLite's writer lock keeps every other write out of the rewrite")
    poll, _ = await _answered_poll(site, world)
    question = poll.questions[4]["id"]
    late = privacy.new_row_id()
    reads = 0
    real_sql = unlinking._sql

    async def sql_with_a_late_commit(engine: object, query: str, *args: object) -> list:
        nonlocal reads
        rows = await real_sql(engine, query, *args)  # type: ignore[arg-type]
        reads += 1
        if reads == 2:  # the lock, then the choice of rows: now another process commits
            other = await asyncpg.connect(db.url)
            try:
                hour = await other.fetchval('SELECT MIN("submitted_hour") FROM "response"')
                await other.execute(
                    'INSERT INTO "response" ("id", "poll", "channel", "submitted_hour", "fresh") '
                    "VALUES ($1, $2, 'web', $3, true)",
                    late,
                    poll.id,
                    hour,
                )
                await other.execute(
                    'INSERT INTO "answer" ("id", "response", "question", "value_text", "poll") '
                    "VALUES ($1, $2, $3, 'late', $4)",
                    privacy.new_row_id(),
                    late,
                    question,
                    poll.id,
                )
            finally:
                await other.close()
        return rows

    monkeypatch.setattr(unlinking, "_sql", sql_with_a_late_commit)
    done = await unlinking.unlink_ended_hours(unlinking.next_hour())
    monkeypatch.undo()

    assert done.responses == RESPONSES
    kept = await t.Response.select(t.Response.fresh).where(t.Response.id == late).first()
    assert kept == {"fresh": True}
    assert await t.Answer.count().where(t.Answer.response == late) == 1
    assert (await unlinking.unlink_ended_hours(unlinking.next_hour())).responses == 1
