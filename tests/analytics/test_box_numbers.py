"""The question box's numbers for leadership (``polls.analytics.box_numbers``): counts per
month by topic and unit under the polls' joint suppression, reply times and the shares
answered within 24 and 48 hours; and the chart."""

from __future__ import annotations

from polls.analytics.box_chart import reply_chart
from polls.analytics.box_numbers import Fact, numbers
from polls.i18n import using_locale


def fact(
    topic: str, unit: str = "KT3", month: str = "2026-12", reply: int | None = 5, age: int = 100
) -> Fact:
    return Fact(month=month, unit=unit, topic=topic, reply_hours=reply, age_hours=age)


def test_a_small_topic_is_hidden_and_cannot_be_subtracted_from_the_total() -> None:
    facts = [fact("safety")] * 6 + [fact("wages")] * 2
    [month] = numbers(facts, 5).months
    assert month.total == 8
    # safety alone shown would give wages = 8 - 6: both are hidden
    assert month.topics == {"safety": None, "wages": None}
    assert month.units == {"KT3": 8}


def test_large_groups_are_shown() -> None:
    facts = [fact("safety")] * 6 + [fact("wages")] * 5
    [month] = numbers(facts, 5).months
    assert month.topics == {"safety": 6, "wages": 5}
    assert month.total == 11


def test_a_month_under_k_shows_nothing() -> None:
    facts = [fact("safety", month="2026-11")] * 3 + [fact("safety")] * 7
    december, november = numbers(facts, 5).months
    assert november.total is None
    assert november.median_reply_hours is None
    assert november.within_due is None
    assert set(november.topics.values()) == {None}
    assert december.total is not None


def test_reply_times_and_shares_within_24_and_48_hours() -> None:
    facts = [
        fact("safety", reply=2),
        fact("safety", reply=10),
        fact("safety", reply=30),
        fact("safety", reply=None, age=60),  # unanswered past both marks
        fact("safety", reply=None, age=30),  # past 24 h only
        fact("safety", reply=None, age=3),  # decided for neither yet
    ]
    [month] = numbers(facts, 5).months
    assert month.median_reply_hours == 10
    assert month.within_due == 2 / 5
    assert month.within_latest == 3 / 4


def test_the_chart_renders_in_both_languages() -> None:
    shown = numbers([fact("safety")] * 6 + [fact("safety", month="2026-11")] * 2, 5)
    for locale in ("vi", "en"):
        with using_locale(locale):
            png = reply_chart(shown)
        assert png.startswith(b"\x89PNG")
