"""The send scheduler with an injected clock (sleeping moves the clock, nothing really
waits): one chat a second, a group 20 a minute, the bot 25 a second, pauses after a 429,
a backlog refused; then two schedulers sharing their budget through Redis."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable

import pytest

from polls.messengers.scheduler import (
    MemorySendStore,
    RedisSendStore,
    SendBacklog,
    SendLimits,
    SendScheduler,
    SendStore,
)
from tests.messengers.conftest import FakeClock

REDIS_URL = os.environ.get("POLLS_TEST_REDIS_URL", "")
START = FakeClock().now
LIMITS = SendLimits()


def scheduler(
    clock: FakeClock, store: SendStore | None = None, max_wait: float = 3600.0
) -> SendScheduler:
    return SendScheduler(
        store or MemorySendStore(LIMITS),
        secret="s",
        limits=LIMITS,
        clock=clock,
        sleep=clock.sleep,
        max_wait=max_wait,
    )


async def reserve(s: SendScheduler, clock: FakeClock, chats: Iterable[int | str]) -> list[float]:
    """Ask for a turn for each chat in order, all at the same moment; the moments given."""
    start = clock.now
    moments = []
    for chat in chats:
        clock.now = start
        waited = await s.wait_turn(chat)
        moments.append(start + waited)
    clock.now = start
    return moments


def most_in_any_window(moments: list[float], window: float) -> int:
    ordered = sorted(moments)
    return max(sum(1 for m in ordered if first <= m < first + window - 1e-9) for first in ordered)


async def test_one_chat_gets_one_message_a_second() -> None:
    clock = FakeClock()
    s = scheduler(clock)
    moments = await reserve(s, clock, [5000000001] * 5)
    assert [round(m - START, 3) for m in moments] == [0, 1, 2, 3, 4]
    # a sender that comes back later is not held back by old sends
    clock.now = START + 100
    assert await s.wait_turn(5000000001) == 0


async def test_a_group_gets_twenty_messages_a_minute() -> None:
    clock = FakeClock()
    s = scheduler(clock)
    moments = await reserve(s, clock, [-1001234567890] * 45)
    offsets = [round(m - START, 3) for m in moments]
    assert offsets[:20] == list(range(20))
    assert offsets[20] == 60  # the 21st waits for the first to leave the minute
    assert most_in_any_window(moments, 60) == 20
    # a channel by name is a group too; a private chat is not held to 20 a minute
    channel = await reserve(s, clock, ["@congdoan_kenh"] * 21)
    assert round(channel[20] - START) == 60
    private = await reserve(s, clock, [5000000002] * 21)
    assert 20 <= private[20] - START < 21  # (a global slot or two went to the channel)


async def test_the_bot_sends_at_most_25_a_second_across_chats() -> None:
    clock = FakeClock()
    s = scheduler(clock)
    moments = await reserve(s, clock, range(5000000000, 5000000100))
    assert len(set(moments)) == 100
    assert most_in_any_window(moments, 1.0) == 25
    assert round(max(moments) - START, 3) == 99 / 25


async def test_a_chat_waits_for_the_global_budget_and_its_own_turn_together() -> None:
    clock = FakeClock()
    s = scheduler(clock)
    chats = [1, 2, 3, 1, 2, 3]
    moments = await reserve(s, clock, chats)
    by_chat: dict[int, list[float]] = {}
    for chat, moment in zip(chats, moments, strict=True):
        by_chat.setdefault(chat, []).append(moment)
    for first, second in by_chat.values():
        assert second - first >= 1.0
    assert most_in_any_window(moments, 1.0) <= 25


async def test_a_pause_holds_that_chat_for_every_sender() -> None:
    clock = FakeClock()
    s = scheduler(clock)
    await s.wait_turn(-100555)
    await s.pause(-100555, 7)
    assert round(await s.wait_turn(-100555), 3) == 7
    assert await s.wait_turn(-100666) < 1  # another chat goes on


async def test_a_turn_too_far_away_is_refused_and_nothing_reserved() -> None:
    clock = FakeClock()
    s = scheduler(clock, max_wait=30)
    await reserve(s, clock, [-100777] * 20)
    with pytest.raises(SendBacklog) as refused:
        await s.wait_turn(-100777)
    assert round(refused.value.wait) == 60
    clock.now = START + 60
    assert await s.wait_turn(-100777) == 0


async def test_the_store_never_holds_a_chat_id() -> None:
    clock = FakeClock()
    store = MemorySendStore(LIMITS)
    s = scheduler(clock, store)
    await s.wait_turn(5000000123)
    assert "5000000123" not in repr(vars(store))


@pytest.mark.skipif(not REDIS_URL, reason="needs POLLS_TEST_REDIS_URL")
async def test_two_schedulers_share_their_limits_through_redis() -> None:
    prefix = "polls-test:tg:" + secrets.token_hex(4)
    clock = FakeClock()
    stores = [RedisSendStore(REDIS_URL, LIMITS, prefix=prefix) for _ in range(2)]
    first, second = (scheduler(clock, store) for store in stores)
    try:
        # the same chat from two processes, taking turns: still one a second
        moments = []
        for s in (first, second, first, second):
            clock.now = START
            moments.append(START + await s.wait_turn(5000000001))
        assert [round(m - START, 3) for m in moments] == [0, 1, 2, 3]
        # many chats at once, half from each: the bot's 25 a second hold across them
        moments = []
        for chat in range(6000000000, 6000000060):
            clock.now = START + 100
            s = first if chat % 2 else second
            moments.append(clock.now + await s.wait_turn(chat))
        assert len(set(moments)) == 60
        assert most_in_any_window(moments, 1.0) == 25
        # every reservation took its own global slot
        slots = await stores[0]._redis.zrange(f"{prefix}:slots", 0, -1)
        assert len(slots) == len(set(slots)) == 60
        # a pause set by one is kept by the other
        clock.now = START + 200
        await first.pause(-100555, 9)
        assert round(await second.wait_turn(-100555), 3) == 9
        keys = [k.decode() async for k in stores[0]._redis.scan_iter(f"{prefix}:*")]
        assert not any("100555" in k or "5000000001" in k for k in keys)
    finally:
        async for key in stores[0]._redis.scan_iter(f"{prefix}:*"):
            await stores[0]._redis.delete(key)
        await first.close()
        await second.close()
