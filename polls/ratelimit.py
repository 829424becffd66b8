"""Submission rate limits, and the sign-in throttle.

Submissions: per device token first, per client address only generously. A canteen of
workers can sit behind one carrier-grade NAT address, so the address limit is high and the
device limit does the real work. Counters are fixed one-minute windows, per poll.

A counter's name is ``HMAC(window salt, poll, kind, value)``. The salt is random, made for
each one-minute window and forgotten two minutes later (kept in Redis with that expiry, so
every process shares it, or in memory), and the server secret plays no part: whoever reads
Redis cannot link one device's counters across polls (the poll is in the hash) nor across
minutes, and cannot turn an address counter back into the address by trying addresses,
not even with the server's secret, once the salt is gone.

Sign-ins (``SignInThrottle``): failures are counted per (account, address) pair, so guessing
an officer's password from one place never locks the officer out from another, and per
address alone with a looser budget, so one place cannot guess at many accounts. Past a few
free failures each further one makes the next attempt wait longer (15 s, doubling, at most
15 minutes); a success clears its pair. Failures are forgotten a day after the last one.

Both are kept in Redis when ``REDIS_URL`` is set (shared by every process) or in memory
otherwise. Keys hold a keyed hash of the address and username, never the values.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from redis.asyncio import Redis

from polls.errors import RateLimited, SignInThrottled, Unauthorized, WrongCurrentPassword

WINDOW = 60
T = TypeVar("T")


SALT_BYTES = 16


class Counter(Protocol):
    async def hit(self, key: str) -> int: ...

    async def salt(self, window: int) -> bytes:
        """The random salt of one window, the same in every process sharing the store."""
        ...

    async def close(self) -> None: ...


class MemoryCounter:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, int] = {}
        self._window = 0
        self._salts: dict[int, bytes] = {}

    async def salt(self, window: int) -> bytes:
        for old in [w for w in self._salts if w < window - 1]:
            del self._salts[old]
        return self._salts.setdefault(window, secrets.token_bytes(SALT_BYTES))

    async def hit(self, key: str) -> int:
        window = int(self._clock()) // WINDOW
        if window != self._window:
            self._counts.clear()
            self._window = window
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    async def close(self) -> None:
        self._counts.clear()
        self._salts.clear()


REDIS_TIMEOUT = 2.0
"""Seconds to connect to, or wait on, Redis: a stuck Redis fails a request with 503 rather
than hanging it."""


def redis_client(url: str) -> Redis:
    """The one way the app opens Redis (rate limits, Telegram's send pacing)."""
    return Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)


class RedisCounter:
    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._redis = redis_client(url)
        self._salts: dict[int, bytes] = {}

    async def salt(self, window: int) -> bytes:
        """Set once by whichever process asks first (``SET NX``), read by the others; it
        expires with the window's counters."""
        known = self._salts.get(window)
        if known is not None:
            return known
        name = f"polls:rl:salt:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, secrets.token_bytes(SALT_BYTES), nx=True, ex=WINDOW * 2)
            pipe.get(name)
            _, value = await pipe.execute()
        self._salts = {window: bytes(value)}
        return self._salts[window]

    async def hit(self, key: str) -> int:
        window = int(self._clock()) // WINDOW
        name = f"polls:rl:{window}:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, WINDOW * 2)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    def __init__(
        self,
        counter: Counter,
        *,
        per_device: int,
        per_ip: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.counter = counter
        self._clock = clock
        self.per_device = per_device
        self.per_ip = per_ip

    @staticmethod
    def counter_name(salt: bytes, poll_id: int | str, kind: str, value: str) -> str:
        message = f"{poll_id}\x00{kind}\x00{value}".encode()
        return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]

    async def check(self, poll_id: int, *, device: str | None, address: str | None) -> None:
        """Count one submission to ``poll_id``; raise ``RateLimited`` past either limit."""
        await self.check_scope(poll_id, device=device, address=address)

    async def check_scope(
        self,
        scope: int | str,
        *,
        device: str | None,
        address: str | None,
        per_device: int | None = None,
        per_ip: int | None = None,
    ) -> None:
        """Count one request in ``scope`` (a poll's id, or a name like ``box:<unit>`` that
        no poll id can be), with this limiter's limits unless others are given."""
        checks = (
            (self.per_device if per_device is None else per_device, "device", device),
            (self.per_ip if per_ip is None else per_ip, "address", address),
        )
        at = int(self._clock())
        window = at // WINDOW
        for limit, kind, value in checks:
            if not (limit and value):
                continue
            name = self.counter_name(await self.counter.salt(window), scope, kind, value)
            if await self.counter.hit(name) > limit:
                raise RateLimited(retry_after=WINDOW - at % WINDOW)


def counter_for(redis_url: str, *, clock: Callable[[], float] = time.time) -> Counter:
    return RedisCounter(redis_url, clock=clock) if redis_url else MemoryCounter(clock=clock)


# --- sign-in throttle ---------------------------------------------------------------------

FREE_FAILURES_PER_PAIR = 5
"""Wrong passwords for one account from one address before attempts start to wait."""
FREE_FAILURES_PER_ADDRESS = 30
"""Wrong passwords from one address, whatever the accounts, before attempts wait."""
FIRST_DELAY = 15
MAX_DELAY = 15 * 60
FORGET_AFTER = 24 * 3600


def sign_in_delay(failures: int, free: int) -> int:
    """Seconds the next attempt waits after ``failures`` failures in a row."""
    if failures < free:
        return 0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - free, 16))


@dataclass(frozen=True)
class Budget:
    free: int

    def delay(self, failures: int) -> int:
        return sign_in_delay(failures, self.free)


class ThrottleStore(Protocol):
    async def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again (0: now)."""
        ...

    async def claim(self, key: str, now: float, budget: Budget) -> float:
        """Atomically: the wait if there is one, otherwise count one failure (the attempt
        is presumed to fail until ``forget``) and return 0."""
        ...

    async def fail(self, key: str, now: float, budget: Budget) -> None: ...

    async def forget(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryThrottleStore:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, float, float]] = {}
        """key -> (failures, may try again at, forget at)"""

    def _entry(self, key: str, now: float) -> tuple[int, float]:
        failures, until, forget_at = self._entries.get(key, (0, 0.0, 0.0))
        if forget_at and now >= forget_at:
            self._entries.pop(key, None)
            return 0, 0.0
        return failures, until

    async def wait(self, key: str, now: float) -> float:
        return max(0.0, self._entry(key, now)[1] - now)

    async def claim(self, key: str, now: float, budget: Budget) -> float:
        waiting = await self.wait(key, now)
        if waiting > 0:
            return waiting
        await self.fail(key, now, budget)
        return 0.0

    async def fail(self, key: str, now: float, budget: Budget) -> None:
        failures = self._entry(key, now)[0] + 1
        self._entries[key] = (failures, now + budget.delay(failures), now + FORGET_AFTER)

    async def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    async def close(self) -> None:
        self._entries.clear()


_REDIS_FAIL = """
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local free, first, max = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local delay = 0
if failures >= free then
  delay = math.min(max, first * 2 ^ math.min(failures - free, 16))
end
redis.call('HSET', KEYS[1], 'until', tostring(tonumber(ARGV[1]) + delay))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
"""
_REDIS_WAIT = """
local now = tonumber(ARGV[1])
local till = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
return tostring(math.max(0, till - now))
"""
_REDIS_CLAIM = (
    """
local now = tonumber(ARGV[1])
local till = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if till > now then return tostring(till - now) end
"""
    + _REDIS_FAIL
    + "\nreturn '0'\n"
)


class RedisThrottleStore:
    """The same counts in Redis, each change one Lua script (atomic across processes)."""

    def __init__(self, url: str) -> None:
        self._redis = redis_client(url)

    @staticmethod
    def _name(key: str) -> str:
        return f"polls:signin:{key}"

    def _args(self, now: float, budget: Budget) -> tuple[str | int, ...]:
        return (repr(now), budget.free, FIRST_DELAY, MAX_DELAY, FORGET_AFTER)

    async def wait(self, key: str, now: float) -> float:
        return float(await self._redis.eval(_REDIS_WAIT, 1, self._name(key), repr(now)))

    async def claim(self, key: str, now: float, budget: Budget) -> float:
        args = self._args(now, budget)
        return float(await self._redis.eval(_REDIS_CLAIM, 1, self._name(key), *args))

    async def fail(self, key: str, now: float, budget: Budget) -> None:
        await self._redis.eval(_REDIS_FAIL, 1, self._name(key), *self._args(now, budget))

    async def forget(self, key: str) -> None:
        await self._redis.delete(self._name(key))

    async def close(self) -> None:
        await self._redis.aclose()


class SignInThrottle:
    """Check before a password is verified, then report the outcome.

    The pair (account, address) is claimed atomically, so parallel guesses from one place
    cannot slip past a wait together; the address alone is checked before and charged only
    for failures, so the officers of one office signing in every day are never slowed.
    """

    PAIR = Budget(FREE_FAILURES_PER_PAIR)
    ADDRESS = Budget(FREE_FAILURES_PER_ADDRESS)

    def __init__(
        self, store: ThrottleStore, *, secret: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.clock = clock
        self._secret = secret.encode()

    def _key(self, kind: str, *values: str) -> str:
        message = "\x00".join((kind, *values)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def _keys(self, username: str, address: str | None) -> tuple[str, str]:
        where = address or "-"
        return (
            self._key("sign-in-pair", username.strip().lower(), where),
            self._key("sign-in-address", where),
        )

    async def before(self, *, username: str, address: str | None) -> None:
        """Raise ``SignInThrottled`` while this attempt must wait; otherwise count it."""
        pair, place = self._keys(username, address)
        now = self.clock()
        waiting = await self.store.wait(place, now)
        if waiting <= 0:
            waiting = await self.store.claim(pair, now, self.PAIR)
        if waiting > 0:
            raise SignInThrottled(retry_after=max(1, math.ceil(waiting)))

    async def attempt(
        self, *, username: str, address: str | None, check: Callable[[], Awaitable[T]]
    ) -> T:
        """``check()`` (which verifies a password) if this attempt need not wait; a wrong
        password (``Unauthorized``, ``WrongCurrentPassword``) counts as a failure."""
        await self.before(username=username, address=address)
        try:
            result = await check()
        except (Unauthorized, WrongCurrentPassword):
            await self.failed(username=username, address=address)
            raise
        await self.succeeded(username=username, address=address)
        return result

    async def succeeded(self, *, username: str, address: str | None) -> None:
        await self.store.forget(self._keys(username, address)[0])

    async def failed(self, *, username: str, address: str | None) -> None:
        await self.store.fail(self._keys(username, address)[1], self.clock(), self.ADDRESS)

    async def close(self) -> None:
        await self.store.close()


def throttle_store_for(redis_url: str) -> ThrottleStore:
    return RedisThrottleStore(redis_url) if redis_url else MemoryThrottleStore()
