"""When the bot may send its next message, so that it keeps to Telegram's limits (Bot FAQ):

- one chat: about one message a second;
- a group, supergroup or channel: at most 20 messages a minute;
- the whole bot: about 30 messages a second (we keep 25, a margin).

Every message the bot sends first asks ``SendScheduler.wait_turn(chat)``: it reserves the
earliest moment that keeps all three limits, then sleeps until then. A 429's
``retry_after`` pauses that chat for every sender (``pause``).

The rule is one pure function, ``plan``. Its state lives in a store: in this process
(``MemorySendStore``), or in Redis when ``REDIS_URL`` is set (``RedisSendStore``), so every
process of the app shares one budget; there a WATCH/MULTI transaction, retried when
another process reserved first, makes the read-plan-write atomic.

Time is divided into global slots of ``1 / per_second`` seconds; a send happens at the
start of a slot no other send holds, so no second holds more than ``per_second`` sends,
whatever order the chats ask in. A chat's own reservations only move forward, so its last
20 reservations say when the next one may be.

A private chat's id is its person's Telegram id: the stores key chats by a keyed hash
(HMAC with the app's secret), never by the id, and forget them after a minute.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from redis.exceptions import WatchError

from polls.ratelimit import redis_client


@dataclass(frozen=True)
class SendLimits:
    chat_interval: float = 1.0
    """Seconds between two messages to one chat."""
    group_count: int = 20
    group_window: float = 60.0
    """At most ``group_count`` messages to one group or channel in ``group_window`` seconds."""
    per_second: int = 25
    """Messages a second for the whole bot (Telegram says about 30)."""


@dataclass
class ChatState:
    times: list[float] = field(default_factory=list)
    """The chat's latest reservations, oldest first (at most ``group_count``)."""
    paused_until: float = 0.0


@dataclass(frozen=True)
class Plan:
    when: float
    slot: int


class SendBacklog(Exception):
    """The next free moment is further away than a caller should wait."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the next send is {wait:.0f} s away")
        self.wait = wait


def is_group(chat_id: int | str) -> bool:
    """Groups, supergroups and channels have negative ids; ``@name`` is a public channel or
    supergroup; a positive id is a private chat."""
    if isinstance(chat_id, int):
        return chat_id < 0
    return chat_id.startswith(("@", "-"))


def first_slot(moment: float, limits: SendLimits) -> int:
    return math.ceil(round(moment * limits.per_second, 6))


def plan(now: float, state: ChatState, taken: set[int], limits: SendLimits, *, group: bool) -> Plan:
    """The earliest moment from ``now`` that keeps the chat's, the group's and the bot's
    limits, and the global slot it takes."""
    start = max(now, state.paused_until)
    if state.times:
        start = max(start, state.times[-1] + limits.chat_interval)
    if group and len(state.times) >= limits.group_count:
        start = max(start, state.times[-limits.group_count] + limits.group_window)
    slot = first_slot(start, limits)
    while slot in taken:
        slot += 1
    return Plan(slot / limits.per_second, slot)


def _after(state: ChatState, when: float, limits: SendLimits) -> ChatState:
    return ChatState([*state.times, when][-limits.group_count :], state.paused_until)


class SendStore(Protocol):
    async def reserve(
        self, chat: str, now: float, decide: Callable[[ChatState, set[int]], Plan]
    ) -> Plan:
        """Apply ``decide`` to the chat's state and the taken slots, atomically, and keep
        its plan (unless it raised)."""
        ...

    async def pause(self, chat: str, now: float, until: float) -> None: ...

    async def close(self) -> None: ...


class MemorySendStore:
    """One process: the event loop runs ``reserve`` without a pause, so it is atomic."""

    def __init__(self, limits: SendLimits) -> None:
        self._limits = limits
        self._chats: dict[str, ChatState] = {}
        self._slots: set[int] = set()

    def _forget_before(self, now: float) -> None:
        oldest = first_slot(now, self._limits)
        self._slots = {s for s in self._slots if s >= oldest}
        horizon = now - self._limits.group_window
        stale = [
            key
            for key, state in self._chats.items()
            if (not state.times or state.times[-1] < horizon) and state.paused_until < now
        ]
        for key in stale:
            del self._chats[key]

    async def reserve(
        self, chat: str, now: float, decide: Callable[[ChatState, set[int]], Plan]
    ) -> Plan:
        self._forget_before(now)
        state = self._chats.get(chat, ChatState())
        chosen = decide(state, self._slots)
        self._chats[chat] = _after(state, chosen.when, self._limits)
        self._slots.add(chosen.slot)
        return chosen

    async def pause(self, chat: str, now: float, until: float) -> None:
        state = self._chats.setdefault(chat, ChatState())
        state.paused_until = max(state.paused_until, until)

    async def close(self) -> None:
        self._chats.clear()
        self._slots.clear()


class RedisSendStore:
    """Shared by every process: a chat's state is one JSON value, the taken global slots
    one sorted set; both are watched while a reservation is planned."""

    def __init__(self, url: str, limits: SendLimits, *, prefix: str = "polls:tg:send") -> None:
        self._redis = redis_client(url)
        self._limits = limits
        self._prefix = prefix
        self._ttl = math.ceil(limits.group_window) + 60

    def _chat_key(self, chat: str) -> str:
        return f"{self._prefix}:chat:{chat}"

    @property
    def _slots_key(self) -> str:
        return f"{self._prefix}:slots"

    @staticmethod
    def _state(raw: bytes | str | None) -> ChatState:
        if not raw:
            return ChatState()
        data = json.loads(raw)
        return ChatState([float(t) for t in data["times"]], float(data["paused_until"]))

    async def reserve(
        self, chat: str, now: float, decide: Callable[[ChatState, set[int]], Plan]
    ) -> Plan:
        chat_key, slots_key = self._chat_key(chat), self._slots_key
        oldest = first_slot(now, self._limits)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(chat_key, slots_key)
                    state = self._state(await pipe.get(chat_key))
                    members = await pipe.zrangebyscore(slots_key, oldest, "+inf")
                    taken = {int(str(s, "ascii")) for s in members if isinstance(s, bytes)}
                    chosen = decide(state, taken)
                    after = _after(state, chosen.when, self._limits)
                    pipe.multi()
                    pipe.set(
                        chat_key,
                        json.dumps({"times": after.times, "paused_until": after.paused_until}),
                        ex=self._ttl,
                    )
                    pipe.zadd(slots_key, {str(chosen.slot): chosen.slot})
                    pipe.zremrangebyscore(slots_key, "-inf", oldest - 1)
                    pipe.expire(slots_key, self._ttl)
                    await pipe.execute()
                    return chosen
                except WatchError:
                    continue

    async def pause(self, chat: str, now: float, until: float) -> None:
        key = self._chat_key(chat)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    state = self._state(await pipe.get(key))
                    state.paused_until = max(state.paused_until, until)
                    pipe.multi()
                    ttl = self._ttl + math.ceil(max(0.0, until - now))
                    pipe.set(
                        key,
                        json.dumps({"times": state.times, "paused_until": state.paused_until}),
                        ex=ttl,
                    )
                    await pipe.execute()
                    return
                except WatchError:
                    continue

    async def close(self) -> None:
        await self._redis.aclose()


class SendScheduler:
    """Paces every message the bot sends; one per app (``TelegramBot`` holds it)."""

    def __init__(
        self,
        store: SendStore,
        *,
        secret: str,
        limits: SendLimits | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_wait: float = 30.0,
    ) -> None:
        self.limits = limits or SendLimits()
        self._store = store
        self._secret = secret.encode()
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait

    def _key(self, chat_id: int | str) -> str:
        digest = hmac.new(self._secret, f"tg-chat:{chat_id}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    async def wait_turn(self, chat_id: int | str, *, group: bool | None = None) -> float:
        """Reserve the chat's next moment and sleep until it; the seconds waited. Raises
        ``SendBacklog`` (reserving nothing) when that moment is more than ``max_wait``
        away. ``group`` says whether the chat is a group where its id cannot (Zalo's ids
        look alike); by default Telegram's ids tell (``is_group``)."""
        now = self._clock()
        group = is_group(chat_id) if group is None else group

        def decide(state: ChatState, taken: set[int]) -> Plan:
            chosen = plan(now, state, taken, self.limits, group=group)
            if chosen.when - now > self._max_wait:
                raise SendBacklog(chosen.when - now)
            return chosen

        chosen = await self._store.reserve(self._key(chat_id), now, decide)
        wait = chosen.when - now
        if wait > 0:
            await self._sleep(wait)
        return max(wait, 0.0)

    async def pause(self, chat_id: int | str, seconds: float) -> None:
        """Telegram asked to wait ``seconds`` before writing to this chat again."""
        now = self._clock()
        await self._store.pause(self._key(chat_id), now, now + seconds)

    async def close(self) -> None:
        await self._store.close()


def scheduler_for(
    redis_url: str,
    secret: str | None = None,
    limits: SendLimits | None = None,
    *,
    prefix: str = "polls:tg:send",
) -> SendScheduler:
    """In Redis when ``redis_url`` names one (shared by every process), else in memory; each
    bot keeps its own budget under its own ``prefix``."""
    limits = limits or SendLimits()
    store: SendStore = (
        RedisSendStore(redis_url, limits, prefix=prefix) if redis_url else MemorySendStore(limits)
    )
    return SendScheduler(store, secret=secret or secrets.token_urlsafe(32), limits=limits)
