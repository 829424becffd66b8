"""Charts of a poll's results, drawn with matplotlib's object-oriented API (``Figure``, never
``pyplot``), as PNG or SVG bytes.

- ``question_chart``: ``single`` and ``multi`` as horizontal bars with the count and the
  percentage on each bar; ``scale`` as the distribution over its points with the mean, and a
  diverging bar (disagree / neutral / agree) for a 1-5 scale; ``yes_no`` as one split bar.
  ``text`` is not charted.
- ``heatmap_chart``: a breakdown's segments × a question's options, percentages; a hidden
  segment is a grey hatched row that says so, never blank and never with its numbers.
- ``timeline_chart``: responses over time, cumulative, over runs of days that are never a
  small group (``polls.analytics.timeline``).
- ``trend_chart``: a question across a series of polls, each option's share per poll, with
  the polls that are hidden or asked differently marked (``polls.analytics.trend``).
- ``placeholder_chart``: the message shown while results must stay hidden.

Every chart carries a title, a caption with the poll, its period and "n = 1.234"; numbers,
percentages and dates come formatted for the current locale (``polls.analytics.describe``).
The input is plain values that already respect suppression: nothing here can show what the
tally hid. Importing this module imports matplotlib (0.3-0.6 s), so only the modules that
draw import it, and only when they draw: never the app at start-up, never the submission path.
The drawing functions also draw into a given ``Axes`` (``draw_question``), which the PDF
report uses.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import date
from typing import Literal

import matplotlib
from babel.dates import format_date
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure, SubFigure
from matplotlib.gridspec import SubplotSpec
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

import polls.drawing  # noqa: F401  (matplotlib set up before the first figure)
from polls import disclosure
from polls.analytics import describe
from polls.analytics.tally import Segment
from polls.analytics.timeline import Timeline
from polls.analytics.trend import Trend
from polls.forms.kinds import QuestionTally
from polls.i18n import approx, get_locale, gettext, number, percent
from polls.models import Question

ImageFormat = Literal["png", "svg"]

DPI = 100
WIDTH = 8.0
BAR = "#2f6db5"
BAR_LIGHT = "#9dbbe0"
YES = "#2f6db5"
NO = "#e0892b"
HIDDEN = "#e3e3e3"
HIDDEN_EDGE = "#9a9a9a"
TEXT = "#222222"
MUTED = "#5f5f5f"
DISAGREE = ("#c0504d", "#e6a19e")
NEUTRAL = "#cfcfcf"
AGREE = ("#9dbbe0", "#2f6db5")


def wrap(text: str, width: int) -> str:
    """``text`` in lines of ``width`` characters, never breaking a Vietnamese percent
    ("40 %") from its number (``textwrap`` breaks only at ASCII whitespace: a no-break
    space holds them together, and is a plain space again afterwards)."""
    held = text.replace(" %", "\u00a0%")
    lines = textwrap.wrap(held, width=width, break_long_words=True)
    return "\n".join(lines).replace("\u00a0%", " %") or text


def _lines(text: str) -> int:
    return text.count("\n") + 1


def render(figure: Figure, fmt: ImageFormat) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def count_axis(axis: Axis) -> None:
    """An axis of counts: ticks on whole numbers only, so none reads "2" where it stands at
    2.5 (a count has no halves to show)."""
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(lambda value, _: number(value))


def _plain(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# --- questions ------------------------------------------------------------------------------


def _choice_height(tally: QuestionTally) -> float:
    lines = sum(_lines(wrap(describe.share_label(s), 30)) for s in tally.shares)
    return 0.6 + 0.24 * lines + 0.22 * len(tally.shares)


def draw_choice(ax: Axes, tally: QuestionTally) -> None:
    shares = tally.shares
    positions = list(range(len(shares)))
    values = [s.fraction * 100 for s in shares]
    ax.barh(positions, values, color=BAR, height=0.62)
    ax.set_yticks(positions, [wrap(describe.share_label(s), 30) for s in shares], fontsize=10)
    ax.invert_yaxis()
    top = max([*values, 1.0])
    ax.set_xlim(0, top * 1.32 + 2)
    for position, share, value in zip(positions, shares, values, strict=True):
        ax.text(
            value + top * 0.015,
            position,
            describe.count_and_percent(share),
            va="center",
            fontsize=9.5,
            color=TEXT,
        )
    ax.xaxis.set_visible(False)
    _plain(ax)
    ax.spines["bottom"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if tally.kind == "multi":
        ax.set_title(
            gettext("Several answers were possible, so the percents add up to more than 100."),
            loc="left",
            fontsize=8.5,
            color=MUTED,
        )


def _scale_labels(question: Question, tally: QuestionTally) -> list[str]:
    labels = [s.label for s in tally.shares]
    if labels and question.min_label:
        labels[0] += "\n" + wrap(question.min_label, 14)
    if labels and question.max_label:
        labels[-1] += "\n" + wrap(question.max_label, 14)
    return labels


def draw_scale(ax: Axes, question: Question, tally: QuestionTally) -> None:
    shares = tally.shares
    points = [int(s.key) for s in shares]
    values = [s.fraction * 100 for s in shares]
    ax.bar(points, values, color=BAR, width=0.66)
    ax.set_xticks(points, _scale_labels(question, tally), fontsize=9.5)
    top = max([*values, 1.0])
    ax.set_ylim(0, top * 1.3 + 2)
    for point, share, value in zip(points, shares, values, strict=True):
        ax.text(
            point,
            value + top * 0.02,
            f"{approx(share.count)}\n{percent(share.fraction)}",
            ha="center",
            va="bottom",
            fontsize=8.5,
            color=TEXT,
        )
    if tally.mean is not None:
        ax.axvline(tally.mean, color=NO, linewidth=2, linestyle="--", zorder=1)
        ax.text(
            tally.mean,
            top * 1.27 + 2,
            describe.mean_text(tally.mean),
            color=NO,
            fontsize=9.5,
            fontweight="bold",
            va="top",
            ha="center",
            bbox={"facecolor": "white", "edgecolor": NO, "pad": 3},
        )
    ax.yaxis.set_visible(False)
    _plain(ax)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="x", length=0)


def is_agreement_scale(tally: QuestionTally) -> bool:
    """A 1-5 scale reads as disagree (1-2), neutral (3), agree (4-5)."""
    return tally.kind == "scale" and [s.key for s in tally.shares] == ["1", "2", "3", "4", "5"]


def draw_diverging(ax: Axes, tally: QuestionTally) -> None:
    """One bar centred on the neutral point: the low end to the left, the high to the right."""
    f = [s.fraction * 100 for s in tally.shares]
    colors = [DISAGREE[0], DISAGREE[1], NEUTRAL, AGREE[0], AGREE[1]]
    start = -(f[0] + f[1] + f[2] / 2)
    for value, color in zip(f, colors, strict=True):
        ax.barh([0], [value], left=[start], color=color, height=0.6, edgecolor="white")
        if value >= 7:
            ax.text(
                start + value / 2,
                0,
                percent(value / 100, 0),
                ha="center",
                va="center",
                fontsize=8.5,
                color="white" if color in (DISAGREE[0], AGREE[1]) else TEXT,
            )
        start += value
    ax.axvline(0, color=MUTED, linewidth=1)
    ax.set_xlim(-100, 100)
    ax.set_yticks([])
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    low = percent((f[0] + f[1]) / 100)
    high = percent((f[3] + f[4]) / 100)
    ax.set_title(
        gettext("Low (1-2): %(low)s · High (4-5): %(high)s", low=low, high=high),
        fontsize=9,
        color=MUTED,
    )


def draw_yes_no(ax: Axes, tally: QuestionTally) -> None:
    yes, no = tally.shares
    for left, share, color in ((0.0, yes, YES), (yes.fraction * 100, no, NO)):
        width = share.fraction * 100
        ax.barh([0], [width], left=[left], color=color, height=0.7, edgecolor="white")
        text = f"{describe.share_label(share)}\n{describe.count_and_percent(share)}"
        if width >= 18:
            ax.text(left + width / 2, 0, text, ha="center", va="center", color="white", fontsize=10)
        elif share.count or width:
            ax.text(left + width / 2, 0.5, text, ha="center", va="bottom", color=TEXT, fontsize=9)
    ax.set_xlim(0, 100)
    outside = min(yes.fraction, no.fraction) < 0.18 and min(yes.count, no.count) > 0
    ax.set_ylim(-0.4, 1.1 if outside else 0.4)
    ax.axis("off")


def question_height(tally: QuestionTally) -> float:
    if tally.kind in ("single", "multi"):
        return _choice_height(tally)
    if tally.kind == "scale":
        return 3.2 + (0.9 if is_agreement_scale(tally) else 0)
    if tally.kind == "yes_no":
        return 1.5 if min(s.fraction for s in tally.shares) < 0.18 else 1.0
    raise ValueError(f"{tally.kind} questions are not charted")


def draw_question(
    figure: Figure | SubFigure, spec: SubplotSpec, question: Question, tally: QuestionTally
) -> None:
    """Draw the question's chart into ``spec``, a place in ``figure`` (a subplot spec)."""
    if tally.kind in ("single", "multi"):
        draw_choice(figure.add_subplot(spec), tally)
    elif tally.kind == "scale":
        if is_agreement_scale(tally):
            grid = spec.subgridspec(2, 1, height_ratios=[4, 1])
            draw_scale(figure.add_subplot(grid[0]), question, tally)
            draw_diverging(figure.add_subplot(grid[1]), tally)
        else:
            draw_scale(figure.add_subplot(spec), question, tally)
    elif tally.kind == "yes_no":
        draw_yes_no(figure.add_subplot(spec), tally)
    else:
        raise ValueError(f"{tally.kind} questions are not charted")


def _titled_figure(height: float, title: str, caption: str, width: float = WIDTH) -> Figure:
    title = wrap(title, int(width * 8.5))
    caption = wrap(caption, int(width * 13))
    figure = Figure(
        figsize=(width, height + 0.28 * _lines(title) + 0.2 * _lines(caption) + 0.25),
        dpi=DPI,
        layout="constrained",
    )
    figure.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold", color=TEXT)
    figure.supxlabel(caption, x=0.01, ha="left", fontsize=8.5, color=MUTED)
    return figure


def question_chart(
    question: Question, tally: QuestionTally, caption: str, fmt: ImageFormat
) -> bytes:
    figure = _titled_figure(question_height(tally), tally.text, caption)
    draw_question(figure, figure.add_gridspec(1, 1)[0], question, tally)
    return render(figure, fmt)


def placeholder_chart(title: str, message: str, caption: str, fmt: ImageFormat) -> bytes:
    figure = _titled_figure(1.2, title, caption)
    ax = figure.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, wrap(message, 80), ha="center", va="center", fontsize=11, color=MUTED)
    return render(figure, fmt)


# --- breakdown heatmap ----------------------------------------------------------------------


def draw_heatmap(
    ax: Axes, tally: QuestionTally, segments: Sequence[Segment], index: int, min_group_size: int
) -> None:
    columns = [wrap(describe.share_label(s), 14) for s in tally.shares]
    rows: list[str] = []
    ax.set_xlim(-0.5, len(columns) - 0.5)
    ax.set_ylim(len(segments) - 0.5, -0.5)
    cmap = matplotlib.colormaps["Blues"]
    for row, segment in enumerate(segments):
        label = wrap(segment.label, 26)
        if segment.suppressed or segment.questions is None:
            rows.append(label)
            ax.add_patch(
                Rectangle(
                    (-0.5, row - 0.5),
                    len(columns),
                    1,
                    facecolor=HIDDEN,
                    edgecolor=HIDDEN_EDGE,
                    hatch="///",
                    linewidth=0.5,
                )
            )
            ax.text(
                (len(columns) - 1) / 2,
                row,
                describe.suppressed(min_group_size),
                ha="center",
                va="center",
                fontsize=9,
                color=TEXT,
                bbox={"facecolor": HIDDEN, "edgecolor": "none", "pad": 2},
            )
            continue
        rows.append(f"{label}\n{describe.sample_size(segment.responses or 0, perturbed=True)}")
        for column, share in enumerate(segment.questions[index].shares):
            empty = not segment.responses
            shade = 0.08 + 0.8 * share.fraction
            ax.add_patch(
                Rectangle(
                    (column - 0.5, row - 0.5),
                    1,
                    1,
                    facecolor="white" if empty else cmap(shade),
                    edgecolor="white",
                    linewidth=1.5,
                )
            )
            ax.text(
                column,
                row,
                "–" if empty else percent(share.fraction),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if shade > 0.55 else TEXT,
            )
    ax.set_xticks(range(len(columns)), columns, fontsize=9)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), rows, fontsize=9)
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)


def heatmap_size(tally: QuestionTally, segments: Sequence[Segment]) -> tuple[float, float]:
    header = max((_lines(wrap(describe.share_label(s), 14)) for s in tally.shares), default=1)
    rows = sum(max(2, _lines(wrap(s.label, 26))) for s in segments)
    return max(WIDTH, 2.6 + 1.15 * len(tally.shares)), 0.4 + 0.2 * header + 0.24 * rows


def heatmap_chart(
    tally: QuestionTally,
    segments: Sequence[Segment],
    index: int,
    min_group_size: int,
    caption: str,
    fmt: ImageFormat,
) -> bytes:
    width, height = heatmap_size(tally, segments)
    figure = _titled_figure(height, tally.text, caption, width=width)
    draw_heatmap(figure.add_subplot(), tally, segments, index, min_group_size)
    return render(figure, fmt)


# --- timeline -------------------------------------------------------------------------------


def _short_date(day: date) -> str:
    return format_date(day, format="d MMM", locale=get_locale())


def draw_timeline(ax: Axes, timeline: Timeline) -> None:
    xs = [run.last.toordinal() for run in timeline.runs]
    ys = [run.cumulative for run in timeline.runs]
    start = timeline.runs[0].first.toordinal() - 1
    ax.plot([start, *xs], [0, *ys], color=BAR, linewidth=2, marker="o", markersize=4)
    ax.fill_between([start, *xs], [0, *ys], color=BAR_LIGHT, alpha=0.35)
    step = max(1, len(xs) // 7)
    ticks = xs[::step]
    if xs[-1] not in ticks:
        if xs[-1] - ticks[-1] < (xs[-1] - xs[0]) / 10:
            ticks.pop()
        ticks.append(xs[-1])
    ax.set_xticks(ticks, [_short_date(date.fromordinal(x)) for x in ticks], fontsize=9)
    ax.set_ylim(0, max(ys) * 1.15 + 1)
    count_axis(ax.yaxis)
    ax.text(xs[-1], ys[-1], "  " + number(ys[-1]), va="bottom", ha="right", fontsize=10, color=TEXT)
    ax.grid(axis="y", color="#e6e6e6")
    _plain(ax)


def timeline_chart(
    timeline: Timeline, title: str, caption: str, min_group_size: int, fmt: ImageFormat
) -> bytes:
    if not timeline.runs:
        return placeholder_chart(title, describe.not_yet_visible(min_group_size), caption, fmt)
    figure = _titled_figure(3.2, title, caption)
    draw_timeline(figure.add_subplot(), timeline)
    return render(figure, fmt)


# --- trend ----------------------------------------------------------------------------------

TREND_COLORS = ("#2f6db5", "#e0892b", "#3a9a5b", "#c0504d", "#7b5ea7", "#8c6d31", "#17becf")
"""Categorical: for answers with no order (options, yes/no)."""
MEAN = "#c0504d"


def ordered_colors(n: int) -> list[tuple[float, float, float, float]]:
    """Sequential, light to dark: for ordered answers (a scale's points, low to high)."""
    cmap = matplotlib.colormaps["Blues"]
    return [cmap(0.25 + 0.7 * i / max(1, n - 1)) for i in range(n)]


def _wave_name(name: str) -> str:
    lines = textwrap.wrap(name, width=18, break_long_words=True) or [name]
    if len(lines) > 3:
        lines = [*lines[:2], lines[2][:16] + "…"]
    return "\n".join(lines)


def _trend_ticks(trend: Trend) -> list[str]:
    ticks = []
    for point, name in zip(trend.points, describe.trend_point_names(trend), strict=True):
        tick = _wave_name(name)
        if point.status == "shown":
            tick += "\n" + describe.sample_size(point.responses or 0)
        ticks.append(tick)
    return ticks


def _trend_unordered(ax: Axes, trend: Trend, xs: list[int]) -> None:
    """Grouped bars, one colour per option."""
    count = max(1, len(trend.labels))
    width = 0.8 / count
    small = count > 4
    shown = [(x, p) for x, p in zip(xs, trend.points, strict=True) if p.status == "shown"]
    for index, label in enumerate(trend.labels):
        color = TREND_COLORS[index % len(TREND_COLORS)]
        offset = (index - (count - 1) / 2) * width
        values = [p.shares[index] * 100 if p.shares else 0.0 for _, p in shown]
        name = wrap(describe.trend_label(trend, label), 28)
        ax.bar([x + offset for x, _ in shown], values, width=width * 0.92, color=color, label=name)
        for (x, _), value in zip(shown, values, strict=True):
            ax.text(
                x + offset,
                value + 1.5,
                percent(value / 100, 0),
                ha="center",
                va="bottom",
                rotation=90 if small else 0,
                fontsize=7.5 if small else 8.5,
                color=TEXT,
            )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)


def _trend_scale(ax: Axes, trend: Trend, xs: list[int]) -> None:
    """A scale: each wave's answers stacked low to high in ordered colours, and the
    released mean of each wave as a line on its own axis (the scale's points)."""
    assert trend.scale is not None
    low, high = trend.scale
    colors = ordered_colors(len(trend.labels))
    shown = [(x, p) for x, p in zip(xs, trend.points, strict=True) if p.status == "shown"]
    bottoms = [0.0] * len(shown)
    for index, label in enumerate(trend.labels):
        values = [p.shares[index] * 100 if p.shares else 0.0 for _, p in shown]
        ax.bar(
            [x for x, _ in shown],
            values,
            bottom=bottoms,
            width=0.55,
            color=colors[index],
            edgecolor="white",
            linewidth=0.6,
            label=label,
        )
        for (x, _), value, bottom in zip(shown, values, bottoms, strict=True):
            if value >= 8:
                ax.text(
                    x,
                    bottom + value / 2,
                    percent(value / 100, 0),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if index >= len(trend.labels) / 2 else TEXT,
                )
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    means = ax.twinx()
    ys = [
        p.mean if p.status == "shown" and p.mean is not None else float("nan") for p in trend.points
    ]
    means.plot(xs, ys, color=MEAN, linewidth=2.5, marker="o", markersize=6, label=gettext("Mean"))
    for x, y in zip(xs, ys, strict=True):
        if y == y:  # not NaN
            means.annotate(
                approx(y, disclosure.MEAN_DIGITS),
                (x, y),
                textcoords="offset points",
                xytext=(0, 9),
                ha="center",
                fontsize=9.5,
                fontweight="bold",
                color=MEAN,
                bbox={"facecolor": "white", "edgecolor": MEAN, "pad": 2},
            )
    span = max(1, high - low)
    means.set_ylim(low - span * 0.05, high + span * 0.3)
    means.set_yticks(range(low, high + 1))  # the scale's own points, whole
    means.yaxis.set_major_formatter(lambda value, _: number(value))
    means.set_ylabel(gettext("Mean"), color=MEAN, fontsize=9)
    means.tick_params(axis="y", colors=MEAN, labelsize=8.5)
    for side in ("top", "left", "bottom"):
        means.spines[side].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    line_handles, line_labels = means.get_legend_handles_labels()
    ax.legend(
        [*line_handles, *handles[::-1]],
        [*line_labels, *labels[::-1]],
        loc="upper left",
        bbox_to_anchor=(1.08, 1.0),
        fontsize=9,
        frameon=False,
    )


def draw_trend(ax: Axes, trend: Trend) -> None:
    """For each wave (a poll of the series, by its title): the options' shares as grouped
    bars in categorical colours, or for a scale its ordered answers stacked and its mean as a
    line; a wave whose shares may not or cannot be compared is a grey band that says why."""
    xs = list(range(len(trend.points)))
    if trend.scale is not None:
        _trend_scale(ax, trend, xs)
    else:
        _trend_unordered(ax, trend, xs)
    for x, point in zip(xs, trend.points, strict=True):
        if point.status == "shown":
            continue
        ax.axvspan(x - 0.42, x + 0.42, facecolor=HIDDEN, edgecolor=HIDDEN_EDGE, hatch="///")
        why = (
            describe.trend_hidden(point.min_group_size)
            if point.status == "hidden"
            else describe.question_differs()
        )
        ax.text(
            x,
            55,
            wrap(why, 16),
            ha="center",
            va="center",
            fontsize=9,
            color=TEXT,
            bbox={"facecolor": HIDDEN, "edgecolor": "none", "pad": 2},
        )
    ax.set_xticks(xs, _trend_ticks(trend), fontsize=9)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.set_ylim(0, 115)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.yaxis.set_major_formatter(lambda value, _: percent(value / 100, 0))
    ax.grid(axis="y", color="#e6e6e6")
    ax.set_axisbelow(True)
    _plain(ax)
    ax.tick_params(axis="x", length=0)


def trend_chart(trend: Trend, title: str, caption: str, fmt: ImageFormat) -> bytes:
    width = max(WIDTH, 5.5 + 1.1 * len(trend.points))
    figure = _titled_figure(3.8, title, caption, width=width)
    draw_trend(figure.add_subplot(), trend)
    return render(figure, fmt)
