"""Days of a timeline joined into runs that are never a small group."""

from __future__ import annotations

from datetime import UTC, date, datetime

from polls.analytics.timeline import build_timeline
from polls.disclosure import merge_consecutive


def test_small_days_join_the_days_after_them() -> None:
    runs = merge_consecutive([("a", 2), ("b", 2), ("c", 7), ("d", 5)], 5)
    assert runs == ((("a", "b", "c"), 11), (("d",), 5))


def test_a_small_run_at_the_end_joins_the_run_before_it() -> None:
    runs = merge_consecutive([("a", 6), ("b", 5), ("c", 1), ("d", 0)], 5)
    assert runs == ((("a",), 6), (("b", "c", "d"), 6))


def test_empty_days_at_the_end_look_like_small_ones() -> None:
    """An empty last day is not a run of 0 of its own (which a small day never is): it joins
    the run before it, as a day with one answer would."""
    assert merge_consecutive([("a", 6), ("b", 0)], 5) == ((("a", "b"), 6),)
    assert merge_consecutive([("a", 6), ("b", 1)], 5) == ((("a", "b"), 7),)


def test_nothing_is_shown_below_the_minimum() -> None:
    assert merge_consecutive([("a", 2), ("b", 2)], 5) == ()


def test_every_step_of_the_running_total_is_at_least_the_minimum() -> None:
    counts = [(i, n) for i, n in enumerate([1, 0, 3, 9, 2, 2, 0, 4, 1, 1, 6, 3])]
    runs = merge_consecutive(counts, 5)
    assert all(n >= 5 for _, n in runs)
    assert sum(n for _, n in runs) == sum(n for _, n in counts)
    assert [k for keys, _ in runs for k in keys] == [k for k, _ in counts]


def test_days_are_counted_in_vietnam_time() -> None:
    # 17:00 UTC is midnight in Hà Nội: these two hours fall on two different local days
    per_hour = {
        datetime(2026, 11, 1, 16, tzinfo=UTC): 5,
        datetime(2026, 11, 1, 17, tzinfo=UTC): 6,
    }
    timeline = build_timeline(per_hour, 5)
    assert [(r.first, r.responses, r.cumulative) for r in timeline.runs] == [
        (date(2026, 11, 1), 5, 5),
        (date(2026, 11, 2), 6, 11),
    ]


def test_a_gap_between_days_is_filled_with_empty_days() -> None:
    per_hour = {
        datetime(2026, 11, 1, 3, tzinfo=UTC): 5,
        datetime(2026, 11, 4, 3, tzinfo=UTC): 2,
    }
    timeline = build_timeline(per_hour, 5)
    assert timeline.responses == 7
    assert [(r.first, r.last, r.responses) for r in timeline.runs] == [
        (date(2026, 11, 1), date(2026, 11, 4), 7)
    ]
