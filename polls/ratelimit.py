"""Submission rate limits: per device token first, per client address only generously.

A canteen of workers can sit behind one carrier-grade NAT address, so the address limit is
high and the device limit does the real work. Counters are fixed one-minute windows, kept
in Redis when ``REDIS_URL`` is set (shared by every process) or in memory otherwise. Keys
hold a keyed hash of the address, never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Protocol

from redis.asyncio import Redis

from polls.errors import RateLimited

WINDOW = 60


class Counter(Protocol):
    async def hit(self, key: str) -> int: ...

    async def close(self) -> None: ...


class MemoryCounter:
    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._window = 0

    async def hit(self, key: str) -> int:
        window = int(time.time()) // WINDOW
        if window != self._window:
            self._counts.clear()
            self._window = window
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    async def close(self) -> None:
        self._counts.clear()


REDIS_TIMEOUT = 2.0
"""Seconds to connect to, or wait on, Redis: a stuck Redis fails a request with 503 rather
than hanging it."""


def redis_client(url: str) -> Redis:
    """The one way the app opens Redis (rate limits, Telegram's send pacing)."""
    return Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)


class RedisCounter:
    def __init__(self, url: str) -> None:
        self._redis = redis_client(url)

    async def hit(self, key: str) -> int:
        window = int(time.time()) // WINDOW
        name = f"polls:rl:{window}:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, WINDOW * 2)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    SIGN_INS_PER_ACCOUNT = 10
    """Sign-in attempts a minute for one username: slows online password guessing."""
    SIGN_INS_PER_ADDRESS = 30

    def __init__(self, counter: Counter, *, per_device: int, per_ip: int, secret: str) -> None:
        self.counter = counter
        self.per_device = per_device
        self.per_ip = per_ip
        self._secret = secret.encode()

    def _hash(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    async def check(self, *, device: str | None, address: str | None) -> None:
        """Count one submission; raise ``RateLimited`` past either limit."""
        checks = ((self.per_device, "device", device), (self.per_ip, "address", address))
        for limit, kind, value in checks:
            if limit and value and await self.counter.hit(self._hash(kind, value)) > limit:
                raise RateLimited(retry_after=WINDOW - int(time.time()) % WINDOW)

    async def check_sign_in(self, *, username: str, address: str | None) -> None:
        """Count one sign-in attempt; raise ``RateLimited`` past either limit."""
        checks = (
            (self.SIGN_INS_PER_ACCOUNT, "sign-in-account", username.strip().lower()),
            (self.SIGN_INS_PER_ADDRESS, "sign-in-address", address),
        )
        for limit, kind, value in checks:
            if value and await self.counter.hit(self._hash(kind, value)) > limit:
                raise RateLimited(retry_after=WINDOW - int(time.time()) % WINDOW)


def counter_for(redis_url: str) -> Counter:
    return RedisCounter(redis_url) if redis_url else MemoryCounter()
