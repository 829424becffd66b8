"""Axes of counts have whole ticks: a timeline of 10 responses never shows a tick at 2.5
printed as "2" (or "2,5"), at any total."""

from __future__ import annotations

from datetime import date

import pytest
from matplotlib.figure import Figure

from polls.analytics import charts
from polls.analytics.timeline import Run, Timeline
from polls.i18n import number


def _timeline(total: int) -> Timeline:
    first = total // 2
    return Timeline(
        total,
        (
            Run(date(2026, 11, 2), date(2026, 11, 3), first, first),
            Run(date(2026, 11, 4), date(2026, 11, 6), total - first, total),
        ),
    )


@pytest.mark.parametrize("total", [5, 7, 10, 14, 15, 16, 25, 40, 75, 1234])
def test_the_timeline_counts_on_whole_ticks(vi: None, total: int) -> None:
    figure = Figure(figsize=(8, 3.2))
    ax = figure.add_subplot()
    charts.draw_timeline(ax, _timeline(total))
    figure.canvas.draw()
    low, high = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if low <= t <= high]
    assert len(ticks) >= 2
    assert all(float(t).is_integer() for t in ticks), ticks
    labels = [
        label.get_text() for label in ax.get_yticklabels() if low <= label.get_position()[1] <= high
    ]
    assert labels == [number(int(t)) for t in ticks]
