"""Issue 12, items 4 and 5, from the operator's side: what Redis holds for rate limits (per
poll, under a salt forgotten within minutes, never the server secret), the warning when
PostgreSQL would log every answer, and ``polls unlink`` before a backup."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from polls import cli
from polls import db as polls_db
from polls import tables as t
from polls.errors import RateLimited
from polls.ratelimit import MemoryCounter, RateLimiter, RedisCounter
from tests.conftest import (
    POSTGRES_URL,
    SECRET,
    Database,
    World,
    _with_database,
    create_open_poll,
    make_settings,
)
from tests.privacy.admin import submit_from_devices

MINUTE = 60
"""The limits are per minute (``POLLS_RATE_LIMIT_PER_DEVICE``, ``..._PER_IP``): written
here, not read from ``ratelimit.WINDOW``, so a window of another length fails."""

REDIS_URL = os.environ.get("POLLS_TEST_REDIS_URL", "")
STORES = ["memory", "redis"] if REDIS_URL else ["memory"]
DEVICE = "known-device-token-" + secrets.token_hex(6)  # new names in every run
ADDRESS = f"203.0.113.{secrets.randbelow(250) + 1}"


def _old_style(kind: str, value: str) -> str:
    """How counters were named before: HMAC(server secret, kind:value), the same in every
    poll and for ever, so anyone with the secret could try every address."""
    return hmac.new(SECRET.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


class Recording(MemoryCounter):
    """The memory store, remembering every counter name it was asked to count."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    async def hit(self, key: str) -> int:
        self.names.append(key)
        return await super().hit(key)


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, object]]:
    if request.param == "memory":
        counter = Recording()
        yield "memory", counter
        await counter.close()
        return
    url = REDIS_URL.rsplit("/", 1)[0] + "/11"  # a database of its own, never flushed
    counter = RedisCounter(url)
    redis = Redis.from_url(url)
    yield "redis", (counter, redis)
    await counter.close()
    await redis.aclose()


async def _names_after(store: tuple[str, object], work: object) -> set[str]:
    kind, handle = store
    if kind == "memory":
        assert isinstance(handle, Recording)
        await work(handle)  # type: ignore[operator]
        return set(handle.names)
    counter, redis = handle  # type: ignore[misc]
    before = {k.decode() for k in await redis.keys("polls:rl:*")}
    await work(counter)  # type: ignore[operator]
    after = {k.decode() for k in await redis.keys("polls:rl:*")}
    return {k.rsplit(":", 1)[1] for k in after - before if ":salt:" not in k}


async def test_rate_limit_counters_link_no_device_across_polls_and_hide_the_address(
    store: tuple[str, object],
) -> None:
    async def work(counter: object) -> None:
        limiter = RateLimiter(counter, per_device=10, per_ip=600)  # type: ignore[arg-type]
        for poll_id in (101, 202):
            await limiter.check(poll_id, device=DEVICE, address=ADDRESS)

    names = await _names_after(store, work)
    assert len(names) == 4, names  # device and address, in each poll: none shared
    assert _old_style("device", DEVICE) not in names
    assert _old_style("address", ADDRESS) not in names
    # with the server's secret, every address of the block tried, per poll too: no match
    tried = set()
    for address in ipaddress.ip_network("203.0.113.0/24"):
        for poll_id in (101, 202):
            for key in (SECRET.encode(), hashlib.sha256(SECRET.encode()).digest()):
                tried.add(
                    hmac.new(
                        key, f"{poll_id}\x00address\x00{address}".encode(), hashlib.sha256
                    ).hexdigest()[:32]
                )
        tried.add(_old_style("address", str(address)))
    assert not names & tried
    assert all(DEVICE not in n and ADDRESS not in n for n in names)


async def test_the_window_salt_is_forgotten_within_minutes(store: tuple[str, object]) -> None:
    kind, handle = store
    if kind == "memory":
        counter = handle
        assert isinstance(counter, Recording)
        first = await counter.salt(1000)
        assert await counter.salt(1000) == first
        await counter.salt(1001)  # the window before stays: its counters still count
        assert 1000 in counter._salts
        await counter.salt(1002)  # two windows on: the old salt is gone from memory
        assert 1000 not in counter._salts
        assert await counter.salt(1000) != first  # (a new one, were the window to come back)
        return
    counter, redis = handle  # type: ignore[misc]
    window = 10**9 + secrets.randbelow(10**6)
    salt = await counter.salt(window)
    ttl = await redis.ttl(f"polls:rl:salt:{window}")
    assert 0 < ttl <= 2 * MINUTE
    # another process reads the same salt (counts are shared), not one of its own
    other = RedisCounter(REDIS_URL.rsplit("/", 1)[0] + "/11")
    try:
        assert await other.salt(window) == salt
    finally:
        await other.close()


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.mark.parametrize("kind", STORES)
async def test_a_counter_counts_the_whole_window_and_starts_again_after_it(kind: str) -> None:
    """Every second of a minute adds to the same count (the window is the time divided by
    its length, not multiplied); the next minute starts from one."""
    start = (10**9 + secrets.randbelow(10**6)) * MINUTE
    clock = Clock(start)
    url = REDIS_URL.rsplit("/", 1)[0] + "/11"
    counter = MemoryCounter(clock=clock) if kind == "memory" else RedisCounter(url, clock=clock)
    key = "window-" + secrets.token_hex(6)
    try:
        assert await counter.hit(key) == 1
        clock.at = start + 1
        assert await counter.hit(key) == 2
        clock.at = start + MINUTE - 1
        assert await counter.hit(key) == 3
        clock.at = start + MINUTE
        assert await counter.hit(key) == 1
    finally:
        await counter.close()


async def test_the_refusal_says_when_the_window_ends() -> None:
    clock = Clock(1000 * MINUTE + 20)
    limiter = RateLimiter(MemoryCounter(clock=clock), per_device=1, per_ip=0, clock=clock)
    await limiter.check(1, device=DEVICE, address=ADDRESS)
    with pytest.raises(RateLimited) as refused:
        await limiter.check(1, device=DEVICE, address=ADDRESS)
    assert refused.value.retry_after == MINUTE - 20


async def test_limits_still_count_per_device_within_one_poll() -> None:
    limiter = RateLimiter(MemoryCounter(), per_device=2, per_ip=0)
    await limiter.check(1, device=DEVICE, address=ADDRESS)
    await limiter.check(1, device=DEVICE, address=ADDRESS)
    with pytest.raises(RateLimited):
        await limiter.check(1, device=DEVICE, address=ADDRESS)
    await limiter.check(2, device=DEVICE, address=ADDRESS)  # another poll, its own count


# --- PostgreSQL's statement log -------------------------------------------------------------


async def test_a_warning_at_start_when_postgres_logs_every_write(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    if db.backend != "postgres":
        assert await polls_db.warn_if_statements_logged(db.engine) is False
        return
    assert await polls_db.warn_if_statements_logged(db.engine) is False
    admin = await asyncpg.connect(POSTGRES_URL)
    name = "polls_logged_" + secrets.token_hex(4)
    await admin.execute(f'CREATE DATABASE "{name}"')
    engine = polls_db.engine_for_url(_with_database(POSTGRES_URL, name))
    try:
        await admin.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'mod'")
        await polls_db.start(engine)
        with caplog.at_level(logging.WARNING, logger="polls.db"):
            assert await polls_db.warn_if_statements_logged(engine) is True
        assert "log_statement" in caplog.text
        assert "'mod'" in caplog.text
    finally:
        await polls_db.stop(engine)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


# --- polls unlink, before a backup ----------------------------------------------------------


async def test_polls_unlink_rewrites_this_hours_responses_and_destroys_closed_polls_keys(
    make_client: object, world: World, db: Database, capsys: pytest.CaptureFixture
) -> None:
    site: httpx.AsyncClient = await make_client(rate_limit_per_ip=0)  # type: ignore[operator]
    poll = await create_open_poll(site, world)
    await submit_from_devices(site, poll.code, poll.id, poll.answers, n=5)
    before = {r["id"] for r in await t.Response.select(t.Response.id)}
    await t.Poll.update({t.Poll.closes_at: t.Poll.created_at}).where(t.Poll.id == poll.id)

    code = await _run_cli(make_settings(db), db)

    assert code == 0
    assert "unlinked 5 responses" in capsys.readouterr().out
    after = await t.Response.select(t.Response.id, t.Response.fresh)
    assert len(after) == 5
    assert not before & {r["id"] for r in after}
    assert not any(r["fresh"] for r in after)
    assert await t.DuplicateKey.count() == 0


async def _run_cli(settings: object, db: Database) -> int:
    """``polls unlink`` opens its own engine and runs its own event loop: run it in a thread,
    as the command would run beside the server, then point the tables back here."""
    import asyncio

    try:
        return await asyncio.to_thread(cli.cmd_unlink, settings, argparse.Namespace())  # type: ignore[arg-type]
    finally:
        polls_db.activate(db.engine)


def test_readme_tells_the_operator_what_to_configure() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for needed in ("polls unlink", "log_statement", "archive", "encrypt"):
        assert needed in readme, needed
