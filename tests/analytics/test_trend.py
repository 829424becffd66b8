"""A question across a series: shares per poll, a small poll only marked hidden, a poll whose
question changed left out; its chart and alt text in both languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from matplotlib.colors import rgb_to_hsv, to_rgb
from matplotlib.figure import Figure

from polls.analytics import charts, describe
from polls.analytics.trend import SeriesPoll, build_trend
from polls.models import Option
from tests.analytics.conftest import (
    POLL,
    SCALE,
    SINGLE,
    YES_NO,
    scale_tally,
    single_tally,
    yes_no_tally,
)

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
    title = POLL.title  # every wave has the same title: its date tells them apart
    assert f"{title} (02/08/2026) (n = 10): Hệ thống loa truyền thanh 50 %" in alt
    assert f"{title} (02/09/2026): ẩn" in alt
    assert "n = 3" not in alt
    png = charts.trend_chart(trend, "Xu hướng", "chú thích", "png")
    assert png.startswith(PNG)
    svg = charts.trend_chart(trend, "Xu hướng", "chú thích", "svg")
    assert b"<svg" in svg


def test_alt_text_in_english(en: None) -> None:
    alt = describe.trend_alt(build_trend(YES_NO, 3, [SeriesPoll(POLL, 30, yes_no_tally(21, 9))]))
    assert f"{POLL.title} (n = 30): Yes 70%, No 30%" in alt


def _waves() -> list[SeriesPoll]:
    return [
        SeriesPoll(_poll(1, 3, title="Bữa ăn ca quý 1/2026"), 40, scale_tally([4, 8, 8, 12, 8])),
        SeriesPoll(_poll(2, 6, title="Bữa ăn ca quý 2/2026"), 3, None),
        SeriesPoll(_poll(3, 9, title="Bữa ăn ca quý 3/2026"), 40, scale_tally([2, 4, 6, 14, 14])),
    ]


def _drawn(trend):  # type: ignore[no-untyped-def]
    figure = Figure(figsize=(8, 3.8))
    ax = figure.add_subplot()
    charts.draw_trend(ax, trend)
    figure.canvas.draw()
    return figure, ax


def test_waves_are_named_by_their_title_not_their_date(vi: None) -> None:
    trend = build_trend(SCALE, 2, _waves())
    assert describe.trend_point_names(trend) == [
        "Bữa ăn ca quý 1/2026",
        "Bữa ăn ca quý 2/2026",
        "Bữa ăn ca quý 3/2026",
    ]
    _, ax = _drawn(trend)
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert ticks[0].startswith("Bữa ăn ca quý 1/2026")
    assert not any("/03/2026" in t or "thg" in t for t in ticks)


def test_a_scale_trend_draws_its_released_mean_as_a_line(vi: None) -> None:
    waves = _waves()
    trend = build_trend(SCALE, 2, waves)
    assert [p.mean for p in trend.points] == [waves[0].tally.mean, None, waves[2].tally.mean]
    figure, _ax = _drawn(trend)
    lines = [line for axes in figure.axes for line in axes.get_lines()]
    assert len(lines) == 1
    ys = list(lines[0].get_ydata())
    assert ys[0] == waves[0].tally.mean
    assert ys[2] == waves[2].tally.mean
    assert ys[1] != ys[1]  # the hidden wave has no mean: the line breaks there
    texts = {t.get_text() for axes in figure.axes for t in axes.texts}
    assert f"khoảng {waves[2].tally.mean:.1f}".replace(".", ",") in texts
    alt = describe.trend_alt(trend)
    assert describe.mean_text(waves[2].tally.mean) in alt


def _bar_colors(ax) -> list[tuple[float, float, float]]:  # type: ignore[no-untyped-def]
    colors = []
    for container in ax.containers:
        color = to_rgb(container.patches[0].get_facecolor())
        if color not in colors:
            colors.append(color)
    return colors


def test_ordered_answers_get_ordered_colours_unordered_the_categorical_ones(vi: None) -> None:
    _, scale_ax = _drawn(build_trend(SCALE, 2, _waves()))
    values = [rgb_to_hsv(c)[2] for c in _bar_colors(scale_ax)]
    assert len(values) == 5
    assert values == sorted(values, reverse=True)  # light (low) to dark (high)
    assert len(set(values)) == 5
    _, choice_ax = _drawn(build_trend(SINGLE, 1, _series()))
    assert _bar_colors(choice_ax) == [to_rgb(c) for c in charts.TREND_COLORS[:4]]
