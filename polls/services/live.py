"""The live meeting view: a poll's suppressed results now, and again whenever they change.

Works with any number of app processes and no shared channel between them: each open
stream asks the database every few seconds for the poll's response state (one indexed
read, ``results.results_state``) and counts the results anew only when it changed. A new
response stored by any process shows on every screen within one interval.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio

from polls.analytics.live import LiveSnapshot, build_snapshot
from polls.i18n import using_locale
from polls.models import Poll, Principal
from polls.services import polls, results


async def watched(principal: Principal, poll_id: int) -> Poll:
    """The poll, if the principal may watch it (whoever may read its results)."""
    return await polls.get(principal, poll_id)


async def snapshot(principal: Principal, poll_id: int) -> tuple[Poll, LiveSnapshot]:
    poll = await polls.get(principal, poll_id)
    return poll, build_snapshot(poll, await results.results_for(poll, None))


async def updates(
    poll: Poll,
    locale: str,
    *,
    every: float,
    lifetime: float,
    keep_alive: float = 15.0,
) -> AsyncIterator[LiveSnapshot | None]:
    """The snapshot at once, then each time the poll's responses change; ``None`` after
    ``keep_alive`` quiet seconds (a comment line keeps proxies from closing the stream).
    Ends after ``lifetime`` seconds: the browser reconnects on its own."""
    started = time.monotonic()
    last_state: tuple[int, int] | None = None
    last_sent = started
    while time.monotonic() - started < lifetime:
        state = await results.results_state(poll.id)
        if state != last_state:
            last_state = state
            tallied = await results.results_for(poll, None)
            with using_locale(locale):
                now = build_snapshot(poll, tallied)
            yield now
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= keep_alive:
            yield None
            last_sent = time.monotonic()
        await anyio.sleep(min(every, max(0.0, lifetime - (time.monotonic() - started))))
