"""The question box's numbers for leadership: questions per month by topic and by unit, the
median time to the first reply, and the share answered within the programme's 24 and 48
hours (their chart: ``polls.analytics.box_chart``). Pure code over plain values.

Small groups are hidden by ``polls.disclosure.protect``, the poll results' own joint
suppression, month by month: the atoms are a month's questions of one (unit, topic), and the
breakdowns are the month's total, its topics and its units, so no cell under ``k`` can be
read or derived by subtracting one table from another. Reply times are given only for a month whose
total is shown.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from polls import disclosure

DUE_HOURS, LATEST_HOURS = 24, 48


@dataclass(frozen=True)
class Fact:
    """One question, as the numbers see it."""

    month: str
    """``YYYY-MM`` of its arrival, in Vietnam time."""
    unit: str
    topic: str
    reply_hours: int | None
    """Hours from the arrival hour to the first reply; None without a reply yet."""
    age_hours: int
    """Hours from the arrival hour to now."""


@dataclass(frozen=True)
class Month:
    month: str
    total: int | None
    """None: hidden (fewer than k, or derivable as fewer)."""
    topics: dict[str, int | None]
    units: dict[str, int | None]
    median_reply_hours: float | None
    within_due: float | None
    """Share of the questions whose 24 hours have passed that were answered within them."""
    within_latest: float | None


@dataclass(frozen=True)
class Numbers:
    months: tuple[Month, ...]
    min_group_size: int


def _share(facts: Sequence[Fact], hours: int) -> float | None:
    decided = [f for f in facts if f.reply_hours is not None or f.age_hours >= hours]
    if not decided:
        return None
    on_time = [f for f in decided if f.reply_hours is not None and f.reply_hours < hours]
    return len(on_time) / len(decided)


def numbers(facts: Sequence[Fact], min_group_size: int) -> Numbers:
    """Each month on its own (nothing released spans months, so a quiet month hides only
    itself): its total, topics and units are protected together."""
    months = []
    for month in sorted({f.month for f in facts}, reverse=True):
        of_month = [f for f in facts if f.month == month]
        counts = Counter((f.unit, f.topic) for f in of_month)
        atoms = [
            disclosure.Atom(("total", topic, unit), count)
            for (unit, topic), count in sorted(counts.items())
        ]
        protection = disclosure.protect(atoms, min_group_size)
        shown = protection.shows(0, "total")
        topics: dict[str, int | None] = {}
        units: dict[str, int | None] = {}
        for topic, count in sorted(Counter(f.topic for f in of_month).items()):
            topics[topic] = count if protection.shows(1, topic) else None
        for unit, count in sorted(Counter(f.unit for f in of_month).items()):
            units[unit] = count if protection.shows(2, unit) else None
        replied = [f.reply_hours for f in of_month if f.reply_hours is not None]
        months.append(
            Month(
                month=month,
                total=len(of_month) if shown else None,
                topics=topics,
                units=units,
                median_reply_hours=float(statistics.median(replied)) if shown and replied else None,
                within_due=_share(of_month, DUE_HOURS) if shown else None,
                within_latest=_share(of_month, LATEST_HOURS) if shown else None,
            )
        )
    return Numbers(tuple(months), min_group_size)
