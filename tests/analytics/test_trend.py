"""A question across a series: shares per poll, a small poll only marked hidden, a poll whose
question changed left out; its chart and alt text in both languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from polls.analytics import charts, describe
from polls.analytics.trend import SeriesPoll, build_trend
from polls.models import Option
from tests.analytics.conftest import POLL, SINGLE, YES_NO, single_tally, yes_no_tally

PNG = b"\x89PNG\r\n\x1a\n"


def _poll(poll_id: int, month: int, **changes: object):  # type: ignore[no-untyped-def]
    return replace(
        POLL,
        id=poll_id,
        opens_at=datetime(2026, month, 2, 1, tzinfo=UTC),
        **changes,  # type: ignore[arg-type]
    )


def _series() -> list[SeriesPoll]:
    renamed = replace(SINGLE, options=(*SINGLE.options[:3], Option(99, "Facebook")))
    return [
        SeriesPoll(_poll(1, 8), 10, single_tally([5, 5, 0, 0])),
        SeriesPoll(_poll(2, 9), 3, None),  # below the minimum: never its shares
        SeriesPoll(_poll(3, 10, questions=(renamed, *POLL.questions[1:])), 20, None),
        SeriesPoll(_poll(4, 11), 8, single_tally([2, 2, 2, 2])),
    ]


def test_shares_per_poll_with_a_small_poll_hidden_and_a_changed_question_left_out() -> None:
    trend = build_trend(SINGLE, 1, _series())
    assert trend.labels == tuple(o.label for o in SINGLE.options)
    assert [p.status for p in trend.points] == ["shown", "hidden", "differs", "shown"]
    assert trend.points[0].shares == (0.5, 0.5, 0.0, 0.0)
    assert trend.points[0].responses == 10
    assert trend.points[3].shares == (0.25, 0.25, 0.25, 0.25)
    for point in trend.points[1:3]:
        assert point.shares is None
        assert point.responses is None
    assert [p.poll_id for p in trend.shown] == [1, 4]


def test_a_hidden_poll_stays_hidden_even_when_given_a_tally() -> None:
    """The tally's own suppression is the first guard; the trend checks the count again."""
    small = SeriesPoll(_poll(2, 9), 4, single_tally([4, 0, 0, 0]))
    trend = build_trend(SINGLE, 1, [small])
    assert trend.points[0].status == "hidden"
    assert trend.points[0].shares is None


def test_another_kind_at_the_position_differs() -> None:
    swapped = _poll(5, 12, questions=(YES_NO, *POLL.questions[1:]))
    trend = build_trend(SINGLE, 1, [SeriesPoll(swapped, 30, yes_no_tally(20, 10))])
    assert trend.points[0].status == "differs"
    missing = _poll(6, 12, questions=())
    assert build_trend(SINGLE, 1, [SeriesPoll(missing, 30, None)]).points[0].status == "differs"


def test_alt_text_and_chart_in_vietnamese(vi: None) -> None:
    trend = build_trend(SINGLE, 1, _series())
    alt = describe.trend_alt(trend)
    assert "02/08/2026 (n = 10): Hệ thống loa truyền thanh 50 %" in alt
    assert "02/09/2026: ẩn" in alt
    assert "n = 3" not in alt
    png = charts.trend_chart(trend, "Xu hướng", "chú thích", "png")
    assert png.startswith(PNG)
    svg = charts.trend_chart(trend, "Xu hướng", "chú thích", "svg")
    assert b"<svg" in svg


def test_alt_text_in_english(en: None) -> None:
    alt = describe.trend_alt(build_trend(YES_NO, 3, [SeriesPoll(POLL, 30, yes_no_tally(21, 9))]))
    assert "Nov 2, 2026 (n = 30): Yes 70%, No 30%" in alt
