"""Trends: one question across the polls of a series (``Poll.series``: a poll and its
duplicates), for ``analytics.trend``.

Only the series' polls the principal may see count, and only those that were opened (a
draft has no answers yet). A series with no such poll is simply not found, like a poll of
another subtree."""

from __future__ import annotations

import re

from polls import tables as t
from polls.analytics.tally import PollResults
from polls.analytics.trend import CHARTED_KINDS, SeriesPoll, Trend, build_trend, question_at
from polls.errors import N_, NotFound
from polls.models import Poll, PollStatus, Principal
from polls.services import polls, results

SERIES_ID = re.compile(r"^[0-9a-f]{1,32}$")


def _not_found() -> NotFound:
    return NotFound(N_("There is no such trend."))


async def series_polls(principal: Principal, series: str) -> list[Poll]:
    """The opened polls of the series in the principal's subtree, oldest first (by opening,
    or creation when opened without a date)."""
    if not SERIES_ID.match(series):
        raise _not_found()
    rows = (
        await t.Poll.select(t.Poll.id)
        .where(
            t.Poll.series == series,
            t.Poll.status != PollStatus.DRAFT.value,
            t.Poll.unit.path.like(principal.unit_path + "%"),
        )
        .order_by(t.Poll.id)
    )
    found = [await polls.load(row["id"]) for row in rows]
    return sorted(found, key=lambda p: (p.opens_at or p.created_at, p.id))


async def series_size(principal: Principal, poll: Poll) -> int:
    """How many opened polls of ``poll``'s series the principal sees."""
    return await t.Poll.count().where(
        t.Poll.series == poll.series,
        t.Poll.status != PollStatus.DRAFT.value,
        t.Poll.unit.path.like(principal.unit_path + "%"),
    )


async def tallies(polls_in_series: list[Poll]) -> dict[int, PollResults]:
    """Each poll's overall results (suppressed), to build any number of trends from."""
    return {poll.id: await results.results_for(poll, None) for poll in polls_in_series}


async def trend_of(
    polls_in_series: list[Poll],
    position: int,
    reference: Poll,
    tallied: dict[int, PollResults] | None = None,
) -> Trend:
    """The trend of the question at ``position`` (1-based) of ``reference``."""
    question = question_at(reference, position)
    if question is None or question.kind not in CHARTED_KINDS:
        raise _not_found()
    if tallied is None:
        tallied = await tallies(polls_in_series)
    items = []
    for poll in polls_in_series:
        counted = tallied[poll.id]
        asked = question_at(poll, position)
        tally = None
        if counted.questions_visible and asked is not None:
            tally = next((q for q in counted.questions if q.question_id == asked.id), None)
        items.append(SeriesPoll(poll, counted.responses, tally))
    return build_trend(question, position, items)


async def trend(
    principal: Principal, series: str, position: int, reference_poll_id: int | None = None
) -> Trend:
    """The question at ``position`` across the series; its options are those of the
    reference poll (the newest visible poll of the series unless one is given)."""
    found = await series_polls(principal, series)
    if not found:
        raise _not_found()
    reference = found[-1]
    if reference_poll_id is not None:
        reference = next((p for p in found if p.id == reference_poll_id), None) or found[-1]
    return await trend_of(found, position, reference)
