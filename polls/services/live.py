"""The live meeting view: a poll's released results now, and again whenever they change.

Works with any number of app processes and no shared channel between them: each open
stream asks the database every few seconds for the poll's latest release (made first if a
step of new answers has arrived: ``releases.current``) and sends it anew only when the
release, or the number of answers waiting for the next one, changed. Results move in
release steps, never by one answer.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio

from polls.analytics.live import LiveSnapshot, build_snapshot
from polls.i18n import using_locale
from polls.models import Poll, Principal
from polls.services import polls, releases, results


async def watched(principal: Principal, poll_id: int) -> Poll:
    """The poll, if the principal may watch it (whoever may read its results)."""
    return await polls.get(principal, poll_id)


async def snapshot(principal: Principal, poll_id: int) -> tuple[Poll, LiveSnapshot]:
    poll = await polls.get(principal, poll_id)
    return poll, await _snapshot(poll)


async def _snapshot(poll: Poll) -> LiveSnapshot:
    release = await releases.current(poll)
    tallied = await results.results_for(poll, None)
    return build_snapshot(poll, tallied, release.waiting, release.step)


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
        release = await releases.current(poll)
        state = (release.seq, release.waiting if release.seq else 0)
        if state != last_state:
            last_state = state
            with using_locale(locale):
                now = await _snapshot(poll)
            yield now
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= keep_alive:
            yield None
            last_sent = time.monotonic()
        await anyio.sleep(min(every, max(0.0, lifetime - (time.monotonic() - started))))
