"""What the worker's form needs of a poll, kept in this process for a moment.

Loading a poll with its questions costs four queries, and every form view and every
submission needs it. Polls change only by an officer's action, and an open poll's questions
cannot change at all, so each process keeps what it loaded for ``FRESH_FOR`` seconds. A
change made through this process forgets the poll at once; other processes see it within
``FRESH_FOR`` seconds (for example, a poll closed by hand may take one more answer there in
that second; a poll's own ``closes_at`` is exact, since it is read from the cached poll).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

FRESH_FOR = 1.0
NO_POLL = 0
"""The poll id of an entry that belongs to no poll (only ``forget_everything`` drops it
before it expires): no poll has id 0."""

V = TypeVar("V")


class FreshCache(Generic[V]):
    def __init__(self, size: int = 4096, fresh_for: float = FRESH_FOR) -> None:
        self.size = size
        self.fresh_for = fresh_for
        self._entries: OrderedDict[str, tuple[float, int, V]] = OrderedDict()
        self._loading: dict[str, asyncio.Future[V]] = {}
        self._generation = 0

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[tuple[int, V]]]) -> V:
        """The fresh value for ``key``, or one load of it shared by everyone asking at once
        (when an entry expires under load, a hundred requests wait on one query, not a
        hundred)."""
        value = self.get(key)
        if value is not None:
            return value
        flight = self._loading.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._load(key, load))
            self._loading[key] = flight
        return await asyncio.shield(flight)

    async def _load(self, key: str, load: Callable[[], Awaitable[tuple[int, V]]]) -> V:
        generation = self._generation
        try:
            poll_id, value = await load()
            if generation == self._generation:  # nothing was forgotten while loading
                self.put(key, poll_id, value)
            return value
        finally:
            self._loading.pop(key, None)

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self.fresh_for:
            return None
        return entry[2]

    def put(self, key: str, poll_id: int, value: V) -> None:
        self._entries[key] = (time.monotonic(), poll_id, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget_poll(self, poll_id: int) -> None:
        self._generation += 1
        for key in [k for k, (_, p, _) in self._entries.items() if p == poll_id]:
            del self._entries[key]


_caches: list[FreshCache] = []


def new_cache(size: int = 4096, fresh_for: float = FRESH_FOR) -> FreshCache:
    cache: FreshCache = FreshCache(size, fresh_for)
    _caches.append(cache)
    return cache


def forget_poll(poll_id: int) -> None:
    """Call after any change to a poll: every cache drops what it holds of it."""
    for cache in _caches:
        cache.forget_poll(poll_id)


def forget_everything() -> None:
    for cache in _caches:
        cache._generation += 1  # a load in flight started before: not kept
        cache._entries.clear()
