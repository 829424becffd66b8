"""The question box's numbers as a unit's PDF report (``polls.analytics.box_numbers``), for
leadership's meeting: the unit, the period, the chart of answers within 24 h and 48 h, the
reply times per month, and each month's questions by topic and by unit. Pages, fonts and
the page label are the poll report's (``polls.analytics.report.write_pdf``).

Pure code over numbers already protected: a hidden count prints as the console page shows
it (``describe.suppressed``, the poll results' words, true of a group hidden for a smaller
neighbour's sake too), never its figure. No question's text is ever given to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from matplotlib.figure import SubFigure

from polls.analytics import box_chart
from polls.analytics.box_numbers import Month, Numbers
from polls.analytics.charts import MUTED, TEXT, wrap
from polls.analytics.describe import suppressed
from polls.analytics.report import Block, draw_heading, footer_line, heading_height, write_pdf
from polls.i18n import gettext, local_datetime, ngettext, number, percent

LINE = 0.2
"""Inches of one table row."""


@dataclass(frozen=True)
class BoxReportInput:
    unit_name: str
    numbers: Numbers
    topic_labels: Mapping[str, str]
    """A topic's message id (translated here, in the reader's language)."""
    made_at: datetime


def period(numbers: Numbers) -> str:
    if not numbers.months:
        return "—"
    newest, oldest = numbers.months[0].month, numbers.months[-1].month
    return newest if newest == oldest else f"{oldest} – {newest}"


def hidden(numbers: Numbers) -> str:
    return suppressed(numbers.min_group_size)


def _count(value: int | None, numbers: Numbers) -> str:
    return hidden(numbers) if value is None else number(value)


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    hours = round(value)
    return ngettext("%(num)s hour", "%(num)s hours", hours, num=number(hours))


def _share(value: float | None) -> str:
    return "—" if value is None else percent(value)


def _table(
    sub: SubFigure, rows: list[list[str]], columns: list[float], headings: tuple[int, ...] = (0,)
) -> None:
    """Rows of text at the column positions (fractions of the width, the first column to
    the left, the others to the right); the rows ``headings`` are headings, in grey."""
    ax = sub.add_subplot()
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(len(rows), 0)
    for y, row in enumerate(rows):
        for x, cell in zip(columns, row, strict=True):
            ax.text(
                x,
                y + 0.5,
                cell,
                va="center",
                ha="left" if x == columns[0] else "right",
                fontsize=9,
                color=MUTED if y in headings else TEXT,
                fontweight="bold" if y in headings else "normal",
            )


def _facts_block(data: BoxReportInput) -> Block:
    lines = [
        f"{gettext('Unit')}: {data.unit_name}",
        f"{gettext('Period')}: {period(data.numbers)}",
        gettext("Made on %(moment)s", moment=local_datetime(data.made_at)),
        "",
        wrap(
            gettext(
                "Questions asked in the boxes of your units, by the month they arrived. Groups "
                "of fewer than %(k)s questions are hidden, as in poll results, and so is "
                "anything that would let them be worked out.",
                k=data.numbers.min_group_size,
            ),
            100,
        ),
    ]
    text = "\n".join(lines)

    def draw(sub: SubFigure) -> None:
        ax = sub.add_subplot()
        ax.axis("off")
        ax.text(0, 1, text, va="top", ha="left", fontsize=10, color=TEXT, linespacing=1.4)

    return Block(0.22 * (text.count("\n") + 1) + 0.2, draw)


def _chart_block(data: BoxReportInput) -> Block:
    heading = gettext("Questions answered within 24 h and 48 h, by month")

    def draw(sub: SubFigure) -> None:
        draw_heading(sub, heading)
        box_chart.draw_reply_chart(sub.add_subplot(), data.numbers)

    return Block(heading_height(heading) + 3.0, draw)


def _times_block(data: BoxReportInput) -> Block:
    heading = gettext("Reply times")
    rows = [
        [
            gettext("Month"),
            gettext("Questions"),
            gettext("Median time to the first reply"),
            gettext("Answered within 24 h"),
            gettext("Answered within 48 h"),
        ]
    ]
    for m in data.numbers.months:
        rows.append(
            [
                m.month,
                _count(m.total, data.numbers),
                _hours(m.median_reply_hours),
                _share(m.within_due),
                _share(m.within_latest),
            ]
        )

    def draw(sub: SubFigure) -> None:
        draw_heading(sub, heading)
        _table(sub, [[wrap(c, 26) for c in r] for r in rows], [0.0, 0.3, 0.58, 0.79, 1.0])

    return Block(heading_height(heading) + LINE * (len(rows) + 1) + 0.1, draw)


def _month_block(data: BoxReportInput, month: Month) -> Block:
    heading = f"{month.month}: {gettext('by topic')} · {gettext('by unit')}"
    rows: list[list[str]] = [[gettext("by topic"), gettext("Questions")]]
    rows += [
        [gettext(data.topic_labels.get(topic, topic)), _count(count, data.numbers)]
        for topic, count in month.topics.items()
    ]
    rows.append(["", ""])
    second = len(rows)
    rows.append([gettext("by unit"), gettext("Questions")])
    rows += [
        [wrap(unit, 70).split("\n")[0], _count(count, data.numbers)]
        for unit, count in month.units.items()
    ]

    def draw(sub: SubFigure) -> None:
        draw_heading(sub, heading)
        _table(sub, rows, [0.0, 0.75], headings=(0, second))

    return Block(heading_height(heading) + LINE * len(rows) + 0.15, draw)


def blocks_of(data: BoxReportInput) -> list[Block]:
    blocks = [_facts_block(data)]
    if not data.numbers.months:
        text = gettext("No questions yet.")

        def draw(sub: SubFigure) -> None:
            sub.add_subplot().axis("off")
            sub.text(0.01, 0.5, text, fontsize=11, color=TEXT)

        return [*blocks, Block(0.5, draw)]
    blocks += [_chart_block(data), _times_block(data)]
    blocks += [_month_block(data, m) for m in data.numbers.months]
    return blocks


def build_box_report(data: BoxReportInput) -> bytes:
    title = gettext("Question box numbers: %(unit)s", unit=data.unit_name)
    footer = footer_line(gettext("Question box numbers"), data.unit_name, period(data.numbers))
    return write_pdf(title, footer, blocks_of(data))
