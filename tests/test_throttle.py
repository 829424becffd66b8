"""The sign-in throttle on its own, in memory and in Redis, with a clock the test moves:
failures counted per (account, address) and per address, growing waits, a success that
clears its pair, and keys that hold neither the username nor the address."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest

from polls.errors import SignInThrottled, Unauthorized
from polls.i18n import gettext, using_locale
from polls.ratelimit import (
    FREE_FAILURES_PER_ADDRESS,
    FREE_FAILURES_PER_PAIR,
    MAX_DELAY,
    MemoryThrottleStore,
    RedisThrottleStore,
    SignInThrottle,
    sign_in_delay,
)

REDIS_URL = os.environ.get("POLLS_TEST_REDIS_URL", "")
STORES = ["memory", "redis"] if REDIS_URL else ["memory"]
ATTACKER = "203.0.113.9"
OFFICE = "198.51.100.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=STORES)
async def throttle(request: pytest.FixtureRequest) -> AsyncIterator[SignInThrottle]:
    store = RedisThrottleStore(REDIS_URL) if request.param == "redis" else MemoryThrottleStore()
    # a fresh secret per test: its keys are new in a shared Redis
    made = SignInThrottle(store, secret=secrets.token_hex(16), clock=Clock())
    yield made
    await made.close()


def clock_of(throttle: SignInThrottle) -> Clock:
    assert isinstance(throttle.clock, Clock)
    return throttle.clock


async def wrong(throttle: SignInThrottle, address: str, username: str = "maokhe") -> None:
    async def check() -> None:
        raise Unauthorized()

    with pytest.raises(Unauthorized):
        await throttle.attempt(username=username, address=address, check=check)


async def right(throttle: SignInThrottle, address: str, username: str = "maokhe") -> str:
    async def check() -> str:
        return "signed in"

    return await throttle.attempt(username=username, address=address, check=check)


def test_the_waits_start_after_the_free_failures_and_double_up_to_a_cap() -> None:
    free = FREE_FAILURES_PER_PAIR
    assert [sign_in_delay(n, free) for n in range(free)] == [0] * free
    assert [sign_in_delay(n, free) for n in range(free, free + 4)] == [15, 30, 60, 120]
    assert sign_in_delay(free + 100, free) == MAX_DELAY


async def test_an_attacker_is_slowed_with_growing_waits(throttle: SignInThrottle) -> None:
    clock = clock_of(throttle)
    for _ in range(FREE_FAILURES_PER_PAIR - 1):
        await wrong(throttle, ATTACKER)
    await wrong(throttle, ATTACKER)  # the last free one: now a wait of 15 s
    for wait in (15, 30, 60):
        with pytest.raises(SignInThrottled) as refused:
            await right(throttle, ATTACKER)  # even the right password waits
        assert refused.value.retry_after == wait
        clock.now += wait - 1
        with pytest.raises(SignInThrottled) as still:
            await right(throttle, ATTACKER)
        assert still.value.retry_after == 1
        clock.now += 1
        await wrong(throttle, ATTACKER)


async def test_the_officer_signs_in_from_their_own_address_meanwhile(
    throttle: SignInThrottle,
) -> None:
    for _ in range(FREE_FAILURES_PER_PAIR):
        await wrong(throttle, ATTACKER)
    for _ in range(20):
        with pytest.raises(SignInThrottled):
            await right(throttle, ATTACKER)
    assert await right(throttle, OFFICE) == "signed in"


async def test_a_success_clears_its_pair(throttle: SignInThrottle) -> None:
    for _ in range(FREE_FAILURES_PER_PAIR - 1):
        await wrong(throttle, OFFICE)
    await right(throttle, OFFICE)
    for _ in range(FREE_FAILURES_PER_PAIR - 1):
        await wrong(throttle, OFFICE)  # free again: no wait
    await right(throttle, OFFICE)


async def test_one_address_guessing_at_many_accounts_is_slowed(throttle: SignInThrottle) -> None:
    for n in range(FREE_FAILURES_PER_ADDRESS):
        await wrong(throttle, ATTACKER, username=f"officer-{n}")
    with pytest.raises(SignInThrottled) as refused:
        await right(throttle, ATTACKER, username="someone-else")
    assert refused.value.retry_after == 15
    assert await right(throttle, OFFICE, username="someone-else") == "signed in"


async def test_failures_are_forgotten_after_a_day(throttle: SignInThrottle) -> None:
    if isinstance(throttle.store, RedisThrottleStore):
        pytest.skip("Redis forgets by its own clock (EXPIRE), which the test cannot move")
    for _ in range(FREE_FAILURES_PER_PAIR + 2):
        try:
            await wrong(throttle, ATTACKER)
        except SignInThrottled:
            clock_of(throttle).now += MAX_DELAY
    clock_of(throttle).now += 24 * 3600
    for _ in range(FREE_FAILURES_PER_PAIR - 1):
        await wrong(throttle, ATTACKER)


@pytest.mark.skipif(not REDIS_URL, reason="needs POLLS_TEST_REDIS_URL")
async def test_processes_share_the_counts_through_redis_under_hashed_keys() -> None:
    secret = secrets.token_hex(16)
    clock = Clock()
    one = SignInThrottle(RedisThrottleStore(REDIS_URL), secret=secret, clock=clock)
    two = SignInThrottle(RedisThrottleStore(REDIS_URL), secret=secret, clock=clock)
    try:
        for process in [one, two] * 3:
            try:
                await wrong(process, ATTACKER, username="shared-account")
            except SignInThrottled:
                break
        with pytest.raises(SignInThrottled):
            await right(two, ATTACKER, username="shared-account")
        keys = [key.decode() async for key in one.store._redis.scan_iter("polls:signin:*")]  # type: ignore[attr-defined]
        assert keys
        assert not any("shared-account" in key or ATTACKER in key for key in keys)
    finally:
        await one.close()
        await two.close()


@pytest.mark.parametrize(
    ("wait", "vi", "en"),
    [(15, "15 giây", "wait 15 s"), (900, "15 phút", "wait 15 minutes")],
)
def test_the_message_says_when_to_try_again(wait: int, vi: str, en: str) -> None:
    error = SignInThrottled(retry_after=wait)
    with using_locale("vi"):
        assert vi in gettext(error.message, error.params)
    with using_locale("en"):
        assert en in gettext(error.message, error.params)
