"""Issue 16, item 2, played as the server's administrator: thirty workers answered with
printed one-time codes, and the administrator knows every code (the officer printed the
sheet and noted who got which slip) and SECRET_KEY. With a copy of the database he
recomputes each code's HMACs (the issued code's in ``printed_code``, the used code's
duplicate key) and tries to find that worker's response by every order the database
keeps, as tests/privacy/test_stored_data.py does for device keys. Within the hour the
duplicate keys still pair (PostgreSQL; so the attacks are real); after the hourly step no
attack does better than chance, and the issued codes never did; after close nothing of any
code is left, not even in the bytes of the SQLite file."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.services import unlinking
from tests.api.test_codes import code_poll, print_codes
from tests.conftest import SECRET, Database, OpenPoll, World
from tests.privacy.admin import (
    CHANCE_BOUND,
    RESPONSES,
    Known,
    file_bytes,
    marker,
    pg_attacks,
    pg_dump_restore_attacks,
    right_pairs,
    sqlite_attacks,
    sqlite_path,
)


@pytest.fixture
async def site(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_ip=0, rate_limit_per_device=0)


async def _answered_with_codes(
    site: httpx.AsyncClient, world: World
) -> tuple[OpenPoll, Known, Known, list[str]]:
    """Thirty answers, each with its own printed code, from one shared phone. Returns what
    the administrator can recompute: the used codes' duplicate keys (``Known``) and the
    issued codes' keys in ``printed_code`` (a second ``Known``), each to its answer."""
    poll, placement = await code_poll(site, world)
    _, printed = await print_codes(site, world, placement, RESPONSES + 5)
    used = Known(poll.id)
    issued = Known(poll.id)
    for i, code in enumerate(printed[:RESPONSES]):
        text = marker(i)
        submission_id = secrets.token_hex(8)
        site.cookies.clear()
        sent = await site.post(
            f"/api/v1/forms/{poll.code}/responses",
            json={"answers": poll.answers(text), "submission_id": submission_id, "code": code},
        )
        assert sent.status_code == 201, sent.text
        used.marker_of_key[privacy.duplicate_key(SECRET, poll.id, f"code:{code}")] = text
        used.idempotency_marker[privacy.idempotency_key(SECRET, poll.id, submission_id)] = text
        issued.marker_of_key[privacy.printed_code_key(SECRET, poll.id, code)] = text
    return poll, used, issued, printed


async def _attacks(db: Database, known: Known, tmp_path: Path) -> dict[str, int]:
    if db.backend == "postgres":
        return {
            **await pg_attacks(db.url, known),
            **await pg_dump_restore_attacks(db.url, known, tmp_path),
        }
    return sqlite_attacks(db, known)


async def _printed_code_attacks(db: Database, issued: Known) -> dict[str, int]:
    """The issued codes' table against the responses: its physical order against theirs,
    and (PostgreSQL) the transaction that wrote it."""
    if db.backend == "postgres":
        connection = await asyncpg.connect(db.url)
        try:
            keys = await connection.fetch(
                'SELECT "key", xmin::text::bigint AS x FROM "printed_code" WHERE "poll" = $1 '
                "ORDER BY ctid",
                issued.poll_id,
            )
            responses = await connection.fetch(
                'SELECT r.xmin::text::bigint AS x, a."value_text" AS m FROM "response" r '
                'JOIN "answer" a ON a."response" = r."id" '
                'WHERE r."poll" = $1 AND a."value_text" IS NOT NULL ORDER BY r.ctid',
                issued.poll_id,
            )
        finally:
            await connection.close()
        response_xmins = {r["x"] for r in responses}
        return {
            "printed_code: same xmin as a response": sum(k["x"] in response_xmins for k in keys),
            "printed_code: ctid order": right_pairs(
                [k["key"] for k in keys], [r["m"] for r in responses], issued
            ),
        }
    data = file_bytes(db)
    keys = sorted(
        (k for k in issued.marker_of_key if k.encode() in data),
        key=lambda k: data.index(k.encode()),
    )
    markers = sorted(
        (m for m in issued.marker_of_key.values() if m.encode() in data),
        key=lambda m: data.index(m.encode()),
    )
    return {"printed_code: file order": right_pairs(keys, markers, issued)}


async def test_within_the_hour_the_used_codes_keys_still_pair_and_the_issued_ones_never(
    site: httpx.AsyncClient, world: World, db: Database, tmp_path: Path
) -> None:
    _, used, issued, _ = await _answered_with_codes(site, world)
    found = await _printed_code_attacks(db, issued)
    assert max(found.values()) <= CHANCE_BOUND, found
    if db.backend == "postgres":
        assert found["printed_code: same xmin as a response"] == 0, found
        attacks = await _attacks(db, used, tmp_path)
        assert attacks["duplicate_key: same xmin"] >= RESPONSES - 1, attacks  # real attacks


async def test_after_the_hourly_step_no_order_pairs_a_code_with_its_response(
    site: httpx.AsyncClient, world: World, db: Database, tmp_path: Path
) -> None:
    poll, used, issued, printed = await _answered_with_codes(site, world)
    done = await unlinking.unlink_ended_hours(unlinking.next_hour())
    assert done.responses == RESPONSES
    found = {**await _attacks(db, used, tmp_path), **await _printed_code_attacks(db, issued)}
    assert found, "no attack ran"
    assert max(found.values()) <= CHANCE_BOUND, found
    # the codes still count once: the step unlinks, it does not forget which were used
    again = await site.post(
        f"/api/v1/forms/{poll.code}/responses",
        json={"answers": poll.answers(), "code": printed[0]},
    )
    assert again.status_code == 409
    fresh = await site.post(
        f"/api/v1/forms/{poll.code}/responses",
        json={"answers": poll.answers(), "code": printed[-1]},
    )
    assert fresh.status_code == 201


async def test_after_close_nothing_of_any_code_is_left(
    site: httpx.AsyncClient, world: World, db: Database, tmp_path: Path
) -> None:
    poll, used, issued, _ = await _answered_with_codes(site, world)
    closed = await site.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text
    assert await t.PrintedCode.count() == 0
    assert await t.DuplicateKey.count() == 0
    assert await t.Response.count().where(t.Response.poll == poll.id) == RESPONSES
    gone = [*used.marker_of_key, *used.idempotency_marker, *issued.marker_of_key]
    if db.backend == "sqlite":
        assert sqlite_path(db).exists()
        data = file_bytes(db)
        assert not [key for key in gone if key.encode() in data]
    else:
        found = await pg_dump_restore_attacks(db.url, used, tmp_path)
        assert max(found.values(), default=0) == 0, found
