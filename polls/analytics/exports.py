"""Exports of a poll's results as tables: anonymized responses and the aggregated counts, as
CSV or XLSX.

A CSV is written for the Excel of the reader's language. Excel reads a CSV as UTF-8 only
after a byte-order mark (without it, Vietnamese comes out as "Bá»£"), and splits its lines at
the list separator of Windows' regional settings: ";" where the decimal sign is "," (Vietnam),
"," where it is "." (English). So a Vietnamese CSV is ``;``-separated with decimal commas, an
English one ``,``-separated with decimal points, each behind a BOM. No ``sep=;`` first line:
it would force the separator, but Excel then ignores the BOM (the diacritics break), and
LibreOffice and Google Sheets show it as a row. Numbers carry no grouping and are rounded
like the page (``polls.i18n.rounded``): percents whole, as the page shows them, means to
``disclosure.MEAN_DIGITS``. XLSX needs none of this and is the surer file for a reader whose
Windows speaks another language than the page.

The responses table (made only after the poll closed, from ``disclosure.export_threshold``
respondents: see ``services.renders.export``) has one row per response, shuffled, with no
internal id, no time and no free text (a text answer on the same row as its author's choices
would tie the two together; texts are released only in the results, shuffled). Its segment
columns (placement, unit, channel) together could single a respondent out where each column
alone could not, so they are released in classes of at least ``export_threshold`` rows (with
``k - 1`` answers of his own, an officer still faces ``k`` others in a class): a row keeps all
three columns if enough rows share them; otherwise it tries again without the placement, then
with the channel only, and at last with none. If the rows left with no segment at all are
fewer than the threshold (but some), the smallest released classes are blanked too, so the
blank rows are never a small group either (complementary suppression).

Every text cell is written so that no spreadsheet reads it as a formula (OWASP's rules for CSV
injection): a worker's free-text answer ``=HYPERLINK("http://…")``, an option or a title typed
by an officer, would otherwise run in leadership's Excel, LibreOffice or Google Sheets. Text
that starts with ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a tab or a carriage
return, also after leading spaces, is prefixed with a single quote in CSV and stored as a
quote-prefixed text cell in XLSX (what Excel itself does with a typed leading quote, so the
cell shows the text as typed). Numbers are written as numbers: only text is neutralized.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from babel.numbers import get_decimal_symbol
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from polls import disclosure
from polls.analytics import describe
from polls.analytics.tally import PollResults
from polls.i18n import get_locale, gettext, percent_figure, plain_number
from polls.models import Poll, Question

Cell = str | int | float | date | None
SEGMENTS = ("placement", "unit", "channel")
LEVELS: tuple[tuple[str, ...], ...] = (
    ("placement", "unit", "channel"),
    ("unit", "channel"),
    ("channel",),
)


@dataclass(frozen=True)
class ResponseRow:
    """One stored response: its segments as display labels, and its answers."""

    segments: dict[str, str]
    """"placement", "unit", "channel" -> the label of its segment."""
    submitted_hour: datetime
    answers: dict[int, list[tuple[int | None, int | None, str | None]]]
    """Question id -> (option id, integer value, text) of each stored answer."""


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    percent_columns: tuple[int, ...] = ()
    date_columns: tuple[int, ...] = ()


def released_segments(
    segments: Sequence[dict[str, str | date]], min_group_size: int
) -> list[dict[str, str | date]]:
    """For each row, the segment columns it may show (the others blank); see the module doc."""
    k = max(1, min_group_size)
    released: list[dict[str, str | date] | None] = [None] * len(segments)
    classes: list[list[int]] = []
    remaining = list(range(len(segments)))
    for level in LEVELS:
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i in remaining:
            groups[tuple(segments[i][c] for c in level)].append(i)
        remaining = []
        for members in groups.values():
            if len(members) >= k:
                classes.append(members)
                for i in members:
                    released[i] = {c: segments[i][c] for c in level}
            else:
                remaining.extend(members)
    blank = remaining
    classes.sort(key=len)
    while 0 < len(blank) < k and classes:
        moved = classes.pop(0)
        blank.extend(moved)
        for i in moved:
            released[i] = None
    return [{c: (shown or {}).get(c, "") for c in SEGMENTS} for shown in released]


def _answer(question: Question, stored: list[tuple[int | None, int | None, str | None]]) -> Cell:
    if not stored:
        return None
    if question.kind in ("single", "multi"):
        labels = [o.label for o in question.options for option, _, _ in stored if option == o.id]
        return "; ".join(labels)
    if question.kind == "scale":
        return stored[0][1]
    if question.kind == "yes_no":
        return gettext("Yes") if stored[0][1] == 1 else gettext("No")
    return stored[0][2]


def _question_header(question: Question) -> str:
    return f"{question.position + 1}. {question.text}"


def responses_table(
    poll: Poll, rows: Sequence[ResponseRow], rng: random.Random | None = None
) -> Table:
    """One row per response, shuffled; no time, no free text; segments in classes of at
    least ``disclosure.export_threshold`` rows. Empty below that many responses."""
    questions = [q for q in poll.questions if q.kind != "text"]
    header = (
        gettext("Placement"),
        gettext("Unit"),
        gettext("Channel"),
        *(_question_header(q) for q in questions),
    )
    title = gettext("Responses")
    threshold = disclosure.export_threshold(poll.min_group_size)
    if len(rows) < threshold:
        return Table(title, header, ())
    order = list(rows)
    (rng or random.SystemRandom()).shuffle(order)
    segments = released_segments([dict(row.segments) for row in order], threshold)
    table = []
    for row, shown in zip(order, segments, strict=True):
        answers = [_answer(q, row.answers.get(q.id, [])) for q in questions]
        table.append((*(shown[c] or None for c in SEGMENTS), *answers))
    return Table(title, header, tuple(table))


def summary_table(poll: Poll, results: PollResults) -> Table:
    """The counted results: every group (all responses, then each segment of the breakdown)
    × question × answer, with count and percent; a hidden group says so and has no numbers."""
    header = (
        gettext("Group"),
        # a group's responses and every count are perturbed: only the total is exact
        gettext("Responses (≈ in groups)"),
        gettext("Question"),
        gettext("Answer"),
        gettext("Count (≈)"),
        gettext("Percent"),
    )
    rows: list[tuple[Cell, ...]] = []
    groups = [(gettext("All responses"), results.responses, results.questions)]
    if not results.questions_visible:
        rows.append(
            (groups[0][0], results.responses, describe.not_yet_visible(results.min_group_size))
            + (None,) * 3
        )
        groups = []
    for segment in results.segments:
        if segment.suppressed or segment.questions is None:
            rows.append(
                (segment.label, None, describe.suppressed(results.min_group_size), None, None, None)
            )
        else:
            groups.append((segment.label, segment.responses or 0, segment.questions))
    questions = {q.id: q for q in poll.questions}
    for label, responses, tallies in groups:
        for tally in tallies:
            question = questions[tally.question_id]
            for share in tally.shares:
                rows.append(
                    (
                        label,
                        responses,
                        _question_header(question),
                        describe.share_label(share),
                        share.count,
                        share.fraction,
                    )
                )
            if tally.mean is not None:
                rows.append(
                    (
                        label,
                        responses,
                        _question_header(question),
                        gettext("Mean"),
                        tally.mean,
                        None,
                    )
                )
    return Table(gettext("Results"), header, tuple(rows), percent_columns=(5,))


FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
"""What a spreadsheet may read as the start of a formula (with the full-width forms, which
East Asian input methods type and Excel accepts)."""


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (see the module doc)."""
    if text[:1] in ("\t", "\r"):
        return True
    return text.lstrip()[:1] in FORMULA_STARTS


def neutralized(value: Cell) -> Cell:
    """A cell as it is safe to write to CSV: formula-like text behind a single quote."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def _csv_cell(value: Cell, percent: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return str(neutralized(value))
    if isinstance(value, float):
        # a percent as the page shows it; any other fraction of a count is a mean
        return (
            plain_number(percent_figure(value))
            if percent
            else plain_number(value, disclosure.MEAN_DIGITS)
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_separator() -> str:
    """The list separator of the reader's Excel (see the module doc)."""
    return ";" if get_decimal_symbol(get_locale()) == "," else ","


def to_csv(table: Table) -> bytes:
    """For the Excel of the reader's language (see the module doc); percents as whole
    numbers of percent (the counts are perturbed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_separator())
    writer.writerow([_csv_cell(value, False) for value in table.header])
    for row in table.rows:
        writer.writerow(
            [_csv_cell(value, i in table.percent_columns) for i, value in enumerate(row)]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(value: Cell) -> Cell:
    """Control characters (a label typed with one) have no place in a worksheet: dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _append(sheet: Worksheet, values: Sequence[Cell]) -> None:
    """One row; formula-like text (``formula_like``) becomes a quote-prefixed text cell, never
    the formula openpyxl would otherwise make of a string starting with ``=``."""
    sheet.append([_xlsx_cell(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.title[:31]
    _append(sheet, table.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        _append(sheet, row)
    formats = dict.fromkeys(table.percent_columns, "0%") | dict.fromkeys(
        table.date_columns, "yyyy-mm-dd"
    )
    for column, number_format in formats.items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
