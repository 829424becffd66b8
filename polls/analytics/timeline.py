"""Responses per day, in Vietnam time, joined into runs that are never a small group.

Input is plain counts per stored hour (``polls.services.results.responses_per_hour``); the
rule that joins small days is ``polls.disclosure.merge_consecutive``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from polls import disclosure
from polls.i18n import TIMEZONE


@dataclass(frozen=True)
class Run:
    first: date
    last: date
    responses: int
    cumulative: int
    """Responses from the first day of the poll to the end of this run."""


@dataclass(frozen=True)
class Timeline:
    responses: int
    runs: tuple[Run, ...]
    """Empty while the poll has fewer responses than its minimum group size."""

    @property
    def first(self) -> date | None:
        return self.runs[0].first if self.runs else None

    @property
    def last(self) -> date | None:
        return self.runs[-1].last if self.runs else None


def per_day(per_hour: Mapping[datetime, int]) -> dict[date, int]:
    days: dict[date, int] = defaultdict(int)
    for hour, n in per_hour.items():
        days[hour.astimezone(TIMEZONE).date()] += n
    return dict(days)


def build_timeline(per_hour: Mapping[datetime, int], min_group_size: int) -> Timeline:
    """Every day from the first response to the last (empty days included), joined."""
    days = per_day(per_hour)
    total = sum(days.values())
    if not days:
        return Timeline(0, ())
    first, last = min(days), max(days)
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    runs: list[Run] = []
    cumulative = 0
    for keys, n in disclosure.merge_consecutive(
        [(d, days.get(d, 0)) for d in span], min_group_size
    ):
        cumulative += n
        runs.append(Run(keys[0], keys[-1], n, cumulative))
    return Timeline(total, tuple(runs))
