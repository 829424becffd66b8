"""The PDF report of a poll's results, for a meeting; in the current locale, A4, drawn with
matplotlib's PDF backend with its fonts embedded (``pdf.fonttype`` 42, set in
``polls.drawing``). Like the charts, it takes plain values that already respect
suppression, and importing it imports matplotlib.

Compact, so that it prints on few sheets: the first page is a summary a leader can read
alone (the poll, unit, period, how many answered, the response rate, each question's
headline and the timeline); then blocks (a question's chart and table, its written answers,
a breakdown's heatmap, the note on method) flow one after another onto pages, as many as fit
on each, a block that does not fit starting the next page. Every page says "Page 2 of 5".
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Callable
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
from polls.i18n import approx, gettext, local_date, local_datetime, number, percent
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
    hand_counted: tuple[tuple[str, str, datetime], ...] = ()
    """Paper tallies among the sources: (placement, the officer who entered it, when)."""


BODY = 10.2
"""Inches of an A4 page for blocks, under the page's header and above its footer."""
HEADING = 0.42
"""A block's heading (the question), in inches."""


@dataclass(frozen=True)
class Block:
    height: float
    """Inches it needs on the page."""
    draw: Callable[[SubFigure], None]


def paginate(heights: list[float], body: float = BODY) -> list[list[int]]:
    """Blocks (by height, in order) onto pages: as many as fit on each; a block taller than
    a page has one of its own."""
    pages: list[list[int]] = []
    used = body
    for index, height in enumerate(heights):
        if pages and used + height <= body:
            pages[-1].append(index)
            used += height
        else:
            pages.append([index])
            used = height
    return pages


MARGIN_X, MARGIN_Y = 0.06, 0.035
"""A page's margins, as parts of its width and height: 12.6 mm and 10.4 mm on A4."""
TITLE_LINE, FOOTER_LINE = 0.022, 0.013
"""The height of a line of the page's title (13 pt) and of its footer (8 pt), as parts of
the page's height."""


def page_label(page: int, pages: int) -> str:
    return gettext("Page %(page)s of %(pages)s", page=number(page), pages=number(pages))


def _page(title: str, footer: str, page: int, pages: int) -> Figure:
    """A later page: its title and footer drawn inside the margins, and the blocks laid out
    between them (``rect``), so nothing reaches a printer's unprintable edge."""
    figure = Figure(figsize=A4, layout="constrained")
    heading = wrap(title, 62)
    top = 1 - MARGIN_Y - TITLE_LINE * (heading.count("\n") + 1) - 0.01
    bottom = MARGIN_Y + FOOTER_LINE + 0.005
    figure.get_layout_engine().set(  # type: ignore[call-arg, union-attr]
        h_pad=0.1, w_pad=0.25, rect=(MARGIN_X, bottom, 1 - 2 * MARGIN_X, top - bottom)
    )
    figure.text(
        MARGIN_X, 1 - MARGIN_Y, heading, ha="left", va="top", fontsize=13, fontweight="bold"
    )
    figure.text(
        MARGIN_X,
        MARGIN_Y,
        f"{footer} · {page_label(page, pages)}",
        ha="left",
        va="bottom",
        fontsize=8,
        color=MUTED,
    )
    return figure


def draw_heading(sub: SubFigure, text: str, note: str = "") -> None:
    sub.suptitle(wrap(text, 80), x=0.01, ha="left", fontsize=11, fontweight="bold", color=TEXT)
    if note:
        sub.supxlabel(note, x=0.01, ha="left", fontsize=8.5, color=MUTED)


def heading_height(text: str) -> float:
    return HEADING + 0.2 * wrap(text, 80).count("\n")


def texts_withheld(min_group_size: int) -> str:
    """Why a question's texts are not shown: too few people wrote one (the console's words);
    never "too few responses", which a poll of 137 with 6 texts would contradict."""
    return gettext(
        "Written answers appear once at least %(n)s people have written one, in no particular "
        "order.",
        n=number(disclosure.text_threshold(min_group_size)),
    )


def headline(tally: QuestionTally, min_group_size: int) -> str:
    """A question's result in one line, for the summary: the most chosen answer, the mean
    of a scale, yes against no, or how many wrote."""
    if tally.kind == "text":
        if tally.texts is None:
            return texts_withheld(min_group_size)
        return gettext("Written answers: %(n)s", n=number(len(tally.texts)))
    if tally.kind == "scale" and tally.mean is not None:
        return describe.mean_text(tally.mean)
    if tally.kind == "yes_no":
        return " · ".join(
            f"{describe.share_label(s)}: {describe.count_and_percent(s)}" for s in tally.shares
        )
    top = describe.top_shares(tally)
    if not top:
        return gettext("No answers yet.")
    if len(top) > 1:
        return gettext(
            "Most chosen, tied: %(answers)s (%(percent)s each)",
            answers=", ".join(describe.share_label(s) for s in top),
            percent=percent(top[0].fraction),
        )
    return gettext(
        "Most chosen: %(answer)s (%(figures)s)",
        answer=describe.share_label(top[0]),
        figures=describe.count_and_percent(top[0]),
    )


def _summary(data: ReportInput, footer: str, pages: int) -> Figure:
    """Page 1: what a leader reads if he reads one page."""
    poll, results = data.poll, data.results
    figure = Figure(figsize=A4)
    figure.text(0.08, 0.94, gettext("Poll results"), fontsize=12, color=MUTED)
    title = wrap(poll.title, 46)
    figure.text(0.08, 0.92, title, fontsize=19, fontweight="bold", va="top", color=TEXT)
    y = 0.92 - 0.03 * (title.count("\n") + 1) - 0.025
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
        figure.text(0.08, y, label, fontsize=9.5, color=MUTED, va="top")
        figure.text(0.3, y, wrap(value, 62), fontsize=11, color=TEXT, va="top")
        y -= 0.025 * (wrap(value, 62).count("\n") + 1) + 0.008
    y -= 0.015
    figure.text(0.08, y, gettext("Summary"), fontsize=12, fontweight="bold", va="top")
    y -= 0.03
    if not results.questions_visible:
        figure.text(0.08, y, describe.not_yet_visible(poll.min_group_size), fontsize=10.5, va="top")
        y -= 0.03
    for index, tally in enumerate(results.questions if results.questions_visible else ()):
        question = wrap(f"{index + 1}. {tally.text}", 88)
        figure.text(0.08, y, question, fontsize=9.5, color=TEXT, va="top", fontweight="bold")
        y -= 0.017 * (question.count("\n") + 1)
        line = wrap(headline(tally, results.min_group_size), 92)
        figure.text(0.1, y, line, fontsize=9.5, color=TEXT, va="top")
        y -= 0.017 * (line.count("\n") + 1) + 0.009
    if data.timeline.runs and y > 0.3:
        height = min(0.22, y - 0.16)
        ax = figure.add_axes((0.1, y - 0.04 - height, 0.82, height))
        charts.draw_timeline(ax, data.timeline)
        ax.set_title(
            gettext("Responses over time, cumulative"), loc="left", fontsize=9.5, color=MUTED
        )
    made = gettext("Made on %(moment)s", moment=local_datetime(data.made_at))
    figure.text(0.08, MARGIN_Y + 0.02, wrap(made, 90), fontsize=8, color=MUTED)
    figure.text(0.08, MARGIN_Y, f"{footer} · {page_label(1, pages)}", fontsize=8, color=MUTED)
    return figure


def _text_lines(tally: QuestionTally, min_group_size: int) -> list[str]:
    if tally.texts is None:
        return [texts_withheld(min_group_size)]
    if not tally.texts:
        return [gettext("No written answers yet.")]
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
    return lines


HELP_WIDTH = 110
"""Characters a line of a question's help text holds, in its small type."""


def _help_height(help_text: str) -> float:
    return 0.16 * (wrap(help_text, HELP_WIDTH).count("\n") + 1) + 0.04 if help_text else 0.0


def _under_help(sub: SubFigure, help_text: str, height: float, total: float) -> SubFigure:
    """The question's help text, small and muted, right under its heading (as the form shows
    it under the question); the part of ``sub`` below it, for the answers."""
    if not help_text:
        return sub
    note, rest = sub.subfigures(2, 1, height_ratios=[height, total - height], squeeze=False)[:, 0]
    note.text(
        0.01,
        1,
        wrap(help_text, HELP_WIDTH),
        va="top",
        ha="left",
        fontsize=8.5,
        color=MUTED,
        style="italic",
    )
    return rest


def _question_block(data: ReportInput, index: int, tally: QuestionTally) -> Block:
    question = data.poll.questions[index]
    heading = f"{index + 1}. {tally.text}"
    top = heading_height(heading)
    help_text = question.help.strip()
    helped = _help_height(help_text)
    if tally.kind == "text":
        text = "\n".join(_text_lines(tally, data.results.min_group_size))
        body = 0.18 * (text.count("\n") + 1) + 0.1

        def draw_text(sub: SubFigure) -> None:
            draw_heading(sub, heading)
            ax = _under_help(sub, help_text, helped, helped + body).add_subplot()
            ax.axis("off")
            ax.text(0, 1, text, va="top", ha="left", fontsize=9, color=TEXT)

        return Block(top + helped + body, draw_text)
    chart = charts.question_height(tally)
    answered = gettext("%(n)s answered", n=approx(tally.answered))

    def draw(sub: SubFigure) -> None:
        # the bars carry each count and percent (and a scale its mean): no table repeats them
        draw_heading(sub, heading, answered)
        below = _under_help(sub, help_text, helped, helped + chart + 0.3)
        charts.draw_question(below, below.add_gridspec(1, 1)[0], question, tally)

    return Block(top + helped + chart + 0.3, draw)


def _breakdown_blocks(data: ReportInput) -> list[Block]:
    breakdown = data.breakdown
    if breakdown is None or not breakdown.segments or not breakdown.questions_visible:
        return []
    segments = breakdown.segments
    blocks = []
    for index, tally in enumerate(breakdown.questions):
        if tally.kind == "text":
            continue
        heading = f"{data.breakdown_label} · {index + 1}. {tally.text}"
        _, height = charts.heatmap_size(tally, breakdown.segments)

        def draw(
            sub: SubFigure, index: int = index, tally: QuestionTally = tally, heading: str = heading
        ) -> None:
            draw_heading(sub, heading)
            charts.draw_heatmap(sub.add_subplot(), tally, segments, index, breakdown.min_group_size)

        blocks.append(Block(heading_height(heading) + height + 0.15, draw))
    return blocks


def _method_text(data: ReportInput) -> str:
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
    paragraphs += [
        gettext(
            "“%(place)s” was not answered one by one: it was counted by hand at a session (a "
            "show of hands or paper ballots) and entered by %(name)s on %(day)s. It is counted "
            "in the totals and shown as its own source, under the same rules.",
            place=place,
            name=name,
            day=local_date(moment),
        )
        for place, name, moment in data.hand_counted
    ]
    return "\n\n".join(wrap(p, 100) for p in paragraphs)


def _method_block(data: ReportInput) -> Block:
    heading = gettext("Method and anonymity")
    text = _method_text(data)

    def draw(sub: SubFigure) -> None:
        draw_heading(sub, heading)
        ax = sub.add_subplot()
        ax.axis("off")
        ax.text(0, 1, text, va="top", ha="left", fontsize=9, color=TEXT, linespacing=1.35)

    return Block(heading_height(heading) + 0.19 * (text.count("\n") + 1) + 0.1, draw)


def blocks_of(data: ReportInput) -> list[Block]:
    blocks = []
    if data.results.questions_visible:
        blocks += [_question_block(data, i, t) for i, t in enumerate(data.results.questions)]
        blocks += _breakdown_blocks(data)
    blocks.append(_method_block(data))
    return blocks


def _draw_page(blocks: list[Block], title: str, footer: str, page: int, pages: int) -> Figure:
    figure = _page(title, footer, page, pages)
    heights = [b.height for b in blocks]
    rest = BODY - sum(heights)
    ratios = [*heights, rest] if rest > 0.05 else heights
    subs = figure.subfigures(len(ratios), 1, height_ratios=ratios, squeeze=False)[:, 0]
    for block, sub in zip(blocks, subs, strict=False):
        block.draw(sub)
    return figure


def write_pdf(
    title: str,
    footer: str,
    blocks: list[Block],
    summary: Callable[[int], Figure] | None = None,
) -> bytes:
    """A4 pages of blocks under ``title``, every page footed with ``footer`` and its page
    label; ``summary``, given the page count, draws a first page of its own. The poll's
    report and the question box's report are both made here."""
    buffer = io.BytesIO()
    layout = paginate([b.height for b in blocks])
    first = 2 if summary else 1
    pages = first - 1 + len(layout)
    with PdfPages(
        buffer, metadata={"Title": title, "Creator": "polls", "CreationDate": None}
    ) as pdf:
        if summary:
            pdf.savefig(summary(pages))
        for number_, indexes in enumerate(layout, start=first):
            pdf.savefig(_draw_page([blocks[i] for i in indexes], title, footer, number_, pages))
    return buffer.getvalue()


def footer_line(*parts: str) -> str:
    return wrap(" · ".join(parts), 110).split("\n")[0]


def build_report(data: ReportInput) -> bytes:
    footer = footer_line(data.poll.title, data.poll.unit_name, data.period)
    return write_pdf(
        data.poll.title,
        footer,
        blocks_of(data),
        summary=lambda pages: _summary(data, footer, pages),
    )
