"""The PDF report of a poll's results, for a meeting: a cover (poll, unit, period, responses,
response rate, the timeline), a page per question with its chart and table, the breakdown as
heatmaps, and a note on method and anonymity; in the current locale, A4, drawn with
matplotlib's PDF backend with its fonts embedded (``pdf.fonttype`` 42, set in
``polls.analytics.charts``). Like the charts, it takes plain values that already respect
suppression, and importing it imports matplotlib.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, SubFigure

from polls import disclosure
from polls.analytics import charts, describe
from polls.analytics.charts import MUTED, TEXT, wrap
from polls.analytics.tally import PollResults
from polls.analytics.timeline import Timeline
from polls.forms.kinds import QuestionTally
from polls.i18n import approx, gettext, local_datetime, number, percent
from polls.models import Poll

logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every font it subsets

A4 = (8.27, 11.69)
MAX_TEXTS = 40


@dataclass(frozen=True)
class ReportInput:
    poll: Poll
    results: PollResults
    breakdown: PollResults | None
    breakdown_label: str
    timeline: Timeline
    headcount: int
    period: str
    made_at: datetime


def _page(pdf: PdfPages, title: str, footer: str) -> Figure:
    figure = Figure(figsize=A4, layout="constrained")
    figure.get_layout_engine().set(h_pad=0.12, w_pad=0.25)  # type: ignore[call-arg, union-attr]
    figure.suptitle(wrap(title, 62), x=0.02, ha="left", fontsize=14, fontweight="bold")
    figure.supxlabel(footer, x=0.02, ha="left", fontsize=8, color=MUTED)
    return figure


def _save(pdf: PdfPages, figure: Figure) -> None:
    pdf.savefig(figure)


def _cover(pdf: PdfPages, data: ReportInput, footer: str) -> None:
    poll, results = data.poll, data.results
    figure = Figure(figsize=A4)
    figure.text(0.08, 0.9, gettext("Poll results"), fontsize=13, color=MUTED)
    title = wrap(poll.title, 40)
    figure.text(0.08, 0.87, title, fontsize=22, fontweight="bold", va="top", color=TEXT)
    y = 0.87 - 0.035 * (title.count("\n") + 1) - 0.03
    facts = [
        (gettext("Unit"), poll.unit_name),
        (gettext("Period"), data.period),
        (gettext("Responses"), number(results.responses)),
    ]
    if data.headcount:
        rate = percent(results.responses / data.headcount)
        facts.append(
            (
                gettext("Response rate"),
                gettext("%(rate)s of %(n)s workers", rate=rate, n=number(data.headcount)),
            )
        )
    for label, value in facts:
        figure.text(0.08, y, label, fontsize=10, color=MUTED, va="top")
        figure.text(0.32, y, wrap(value, 55), fontsize=12, color=TEXT, va="top")
        y -= 0.035 * (wrap(value, 55).count("\n") + 1) + 0.01
    if data.timeline.runs:
        ax = figure.add_axes((0.1, 0.2, 0.82, max(0.2, y - 0.3)))
        charts.draw_timeline(ax, data.timeline)
        ax.set_title(
            gettext("Responses over time, cumulative"), loc="left", fontsize=10, color=MUTED
        )
    figure.text(
        0.08,
        0.08,
        wrap(gettext("Made on %(moment)s", moment=local_datetime(data.made_at)), 90),
        fontsize=8,
        color=MUTED,
    )
    figure.text(0.08, 0.05, footer, fontsize=8, color=MUTED)
    _save(pdf, figure)


def _table(sub: SubFigure, tally: QuestionTally) -> None:
    ax = sub.add_subplot()
    ax.axis("off")
    rows = [
        [wrap(describe.share_label(s), 60), approx(s.count), percent(s.fraction)]
        for s in tally.shares
    ]
    if tally.mean is not None:
        rows.append([gettext("Mean"), approx(tally.mean, 1), ""])
    rows.append([gettext("Answered"), approx(tally.answered), ""])
    table = ax.table(
        cellText=rows,
        colLabels=[gettext("Answer"), gettext("Count"), gettext("Percent")],
        colWidths=[0.64, 0.16, 0.2],
        cellLoc="left",
        loc="upper center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(9.5)
    for (row, column), cell in table.get_celld().items():
        lines = rows[row - 1][0].count("\n") + 1 if row else 1
        cell.set_height(0.07 * lines)
        cell.set_edgecolor("#cccccc")
        if column:
            cell.set_text_props(ha="right")
        if row == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#eef2f7")


def _texts(sub: SubFigure, tally: QuestionTally, min_group_size: int) -> None:
    ax = sub.add_subplot()
    ax.axis("off")
    if tally.texts is None:
        lines = [
            gettext(
                "Free-text answers appear once the poll has at least %(k)s responses.",
                k=number(min_group_size),
            )
        ]
    elif not tally.texts:
        lines = [gettext("No written answers yet.")]
    else:
        counted = Counter(tally.texts)
        lines = [gettext("Written answers: %(n)s", n=number(len(tally.texts)))]
        for text, n in sorted(counted.items(), key=lambda item: (-item[1], item[0].casefold()))[
            :MAX_TEXTS
        ]:
            suffix = f" (× {number(n)})" if n > 1 else ""
            lines.append("• " + wrap(text.replace("\n", " ") + suffix, 95).replace("\n", "\n   "))
        if len(counted) > MAX_TEXTS:
            lines.append(
                gettext("… and %(n)s more: see the export.", n=number(len(counted) - MAX_TEXTS))
            )
    ax.text(0, 1, "\n".join(lines), va="top", ha="left", fontsize=9.5, color=TEXT, wrap=True)


def _question_page(
    pdf: PdfPages, data: ReportInput, index: int, tally: QuestionTally, footer: str
) -> None:
    question = data.poll.questions[index]
    figure = _page(pdf, f"{index + 1}. {tally.text}", footer)
    if tally.kind == "text":
        _texts(figure.subfigures(1, 1), tally, data.results.min_group_size)  # type: ignore[arg-type]
    else:
        chart_height = charts.question_height(tally)
        top, bottom = figure.subfigures(2, 1, height_ratios=[chart_height, 9 - chart_height])  # type: ignore[misc]
        top.supxlabel(
            describe.sample_size(tally.answered, perturbed=True),
            x=0.02,
            ha="left",
            fontsize=9,
            color=MUTED,
        )
        charts.draw_question(top, top.add_gridspec(1, 1)[0], question, tally)
        _table(bottom, tally)
    _save(pdf, figure)


def _breakdown_pages(pdf: PdfPages, data: ReportInput, footer: str) -> None:
    breakdown = data.breakdown
    if breakdown is None or not breakdown.segments or not breakdown.questions_visible:
        return
    for index, tally in enumerate(breakdown.questions):
        if tally.kind == "text":
            continue
        figure = _page(pdf, f"{data.breakdown_label} · {index + 1}. {tally.text}", footer)
        _, height = charts.heatmap_size(tally, breakdown.segments)
        top, _ = figure.subfigures(2, 1, height_ratios=[height, max(0.5, 10.5 - height)])  # type: ignore[misc]
        charts.draw_heatmap(
            top.add_subplot(), tally, breakdown.segments, index, breakdown.min_group_size
        )
        _save(pdf, figure)


def _method_page(pdf: PdfPages, data: ReportInput, footer: str) -> None:
    k = number(data.poll.min_group_size)
    paragraphs = [
        gettext(
            "Answers were collected anonymously through the poll's links, QR posters and "
            "messenger channels. A response stores its answers, its placement, its channel and "
            "the hour it came in; nothing about the person."
        ),
        gettext(
            "Percentages are of the people who answered each question. In multiple-choice "
            "questions several answers were possible, so the percentages can add up to more "
            "than 100."
        ),
        gettext(
            "No group of fewer than %(k)s people is shown, nor can one be worked out by adding "
            "or subtracting the figures of all breakdowns together: groups that would allow it "
            "are hidden too, and shown together. Counts marked ≈ are slightly perturbed, so "
            "that not even someone who answered many times himself can read another person's "
            "answer; the total is exact, percents are rounded to whole percents (to 5 or 10 in "
            "groups under 100) and means to one decimal. Results move only once at "
            "least %(k)s new people have answered, and at the close.",
            k=k,
        ),
        gettext(
            "Written answers are shown only once at least %(n)s people have written one to the "
            "question, in shuffled order, with no group or time beside them.",
            n=number(disclosure.text_threshold(data.poll.min_group_size)),
        ),
    ]
    figure = _page(pdf, gettext("Method and anonymity"), footer)
    ax = figure.add_subplot()
    ax.axis("off")
    ax.text(
        0,
        1,
        "\n\n".join(wrap(p, 90) for p in paragraphs),
        va="top",
        ha="left",
        fontsize=10.5,
        color=TEXT,
        linespacing=1.5,
    )
    _save(pdf, figure)


def build_report(data: ReportInput) -> bytes:
    buffer = io.BytesIO()
    footer = f"{data.poll.title} · {data.poll.unit_name} · {data.period}"
    footer = wrap(footer, 130).split("\n")[0]
    with PdfPages(
        buffer,
        metadata={"Title": data.poll.title, "Creator": "polls", "CreationDate": None},
    ) as pdf:
        _cover(pdf, data, footer)
        if data.results.questions_visible:
            for index, tally in enumerate(data.results.questions):
                _question_page(pdf, data, index, tally, footer)
            _breakdown_pages(pdf, data, footer)
        else:
            figure = _page(pdf, gettext("Results"), footer)
            figure.text(0.08, 0.8, describe.not_yet_visible(data.poll.min_group_size), fontsize=12)
            _save(pdf, figure)
        _method_page(pdf, data, footer)
    return buffer.getvalue()
