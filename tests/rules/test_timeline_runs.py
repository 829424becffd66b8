"""Rule: no group of fewer than k can be read, on a timeline either. A small last day joins
the run of days before it, even when it holds a single respondent: it never stands alone
as a run of its own (where its one answer could be read as the step it adds)."""

from __future__ import annotations

import pytest

from polls import disclosure


@pytest.mark.parametrize("last", [1, 2, 4])
def test_a_small_last_day_joins_the_run_before_it(last: int) -> None:
    runs = disclosure.merge_consecutive([("d1", 3), ("d2", 2), ("d3", last)], 5)
    assert runs == ((("d1", "d2", "d3"), 5 + last),)


def test_empty_days_at_the_end_join_the_run_before_and_too_few_is_nothing() -> None:
    """A run of 0 at the end would tell that nobody answered on those days: it joins the
    run before it like a small day does (issue 11's structural zeros)."""
    assert disclosure.merge_consecutive([("d1", 5), ("d2", 0)], 5) == ((("d1", "d2"), 5),)
    assert disclosure.merge_consecutive([("d1", 1), ("d2", 3)], 5) == ()
