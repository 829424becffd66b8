"""What the officer console shows on one page, gathered in one call per page so its
controllers stay thin: a poll with its response count and placements, and a poll's results
with the headcount its response rate is measured against."""

from __future__ import annotations

from dataclasses import dataclass

from polls import disclosure
from polls.analytics.tally import PollResults
from polls.models import Placement, Poll, Principal, Unit
from polls.services import placements, polls, renders, results, tallies, units


@dataclass(frozen=True)
class PollOverview:
    poll: Poll
    responses: int
    placements: tuple[Placement, ...]
    units: tuple[Unit, ...]
    """The poll's unit and those below it: where a placement may be."""
    placements_at_risk: bool = False
    """More placements than its respondents can protect (``disclosure.placements_at_risk``)."""


@dataclass(frozen=True)
class ResultsOverview:
    poll: Poll
    results: PollResults
    headcount: int
    """Workers of the poll's unit subtree; 0 when nobody has entered it."""
    chart_alts: dict[int, str]
    """Question id -> the alt text of its chart (or heatmap, with a breakdown)."""
    timeline_alt: str
    trend_alts: dict[int, str]
    """Question id -> the alt text of its trend across the series; empty while the series
    has fewer than two opened polls."""
    hand_counted: tuple[tallies.Entered, ...] = ()
    """Paper tallies among the sources: where and by whom they were entered, no count."""

    @property
    def response_rate(self) -> float | None:
        return self.results.responses / self.headcount if self.headcount else None


async def poll_overview(principal: Principal, poll_id: int) -> PollOverview:
    poll = await polls.get(principal, poll_id)
    shared = await placements.list_for_poll(principal, poll.id)  # visits written first
    counts = await polls.released_counts([poll])
    below = await units.subtree(poll.unit_path)
    headcount = await units.subtree_headcount(await units.get(poll.unit_id))
    released = counts.get(poll.id, 0)
    at_risk = disclosure.placements_at_risk(len(shared), released or headcount, poll.min_group_size)
    return PollOverview(poll, counts.get(poll.id, 0), tuple(shared), tuple(below), at_risk)


async def results_overview(principal: Principal, poll_id: int, by: str | None) -> ResultsOverview:
    poll = await polls.get(principal, poll_id)
    tallied = await results.results_for(poll, by)
    headcount = await units.subtree_headcount(await units.get(poll.unit_id))
    alts = renders.chart_alt_texts(poll, tallied)
    return ResultsOverview(
        poll,
        tallied,
        headcount,
        alts,
        await renders.timeline_alt_text(poll),
        await renders.trend_alt_texts(principal, poll),
        tuple(await tallies.entered(poll.id)),
    )
