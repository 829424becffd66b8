"""Posters and table cards as PDF, drawn with matplotlib's PDF backend (never pyplot).

A poster is an A4 portrait page for a wall; a card sheet is an A4 page of four A6 cards for
canteen tables, cut along the dashed lines. Text is DejaVu Sans (it ships with matplotlib and
covers Vietnamese), embedded as TrueType (``pdf.fonttype`` 42) so the PDF prints the same
anywhere and its text can be searched and extracted. The QR code is vector paths.

Every text has a box: it shrinks to fit, then wraps, and only as a last resort (small print)
ends with an ellipsis, so nothing leaves the page. Coordinates are millimetres from the
bottom-left corner of the page.

Importing matplotlib takes a second or more: import this module only where a PDF is drawn.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextToPath
from matplotlib.transforms import Affine2D, Transform

from polls.drawing import FONTS
from polls.sharing.qr import Symbol, encode
from polls.sharing.sheets import Sheet

REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
MONO = FONTS / "DejaVuSansMono-Bold.ttf"

MM_PER_PT = 25.4 / 72
A4 = (210.0, 297.0)
A6 = (105.0, 148.5)
INK = "#111111"
GREY = "#555555"
ZALO_BLUE = "#0068FF"
"""Zalo's blue, for the words that say the QR code opens Zalo: 4.7:1 on white, large bold."""
LINE_SPACING = 1.22
ELLIPSIS = "…"

_measure = TextToPath()


@dataclass(frozen=True)
class Box:
    """Where a text may go: centred on ``x``, from ``top`` down by ``height``, ``width`` wide."""

    x: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Style:
    font: Path
    largest: float
    smallest: float
    colour: str = INK


@dataclass(frozen=True)
class Block:
    """A text laid out: its lines at one font size (points)."""

    lines: tuple[str, ...]
    size: float

    def height(self) -> float:
        return block_height(len(self.lines), self.size)


def block_height(lines: int, size: float) -> float:
    """Millimetres from the top of the first line to the bottom of the last one's descenders."""
    return size * MM_PER_PT * (1.0 + (lines - 1) * LINE_SPACING + 0.25) if lines else 0.0


def text_width(text: str, font: Path, size: float) -> float:
    """Width in millimetres of ``text`` set in ``font`` at ``size`` points."""
    return _width_per_point(text, font) * size


@lru_cache(maxsize=8192)
def _width_per_point(text: str, font: Path) -> float:
    # Outlines are unhinted, so width grows exactly with size: one measure serves every size.
    prop = FontProperties(fname=font, size=100)
    width, _, _ = _measure.get_text_width_height_descent(text, prop, ismath=False)
    return width / 100 * MM_PER_PT * 1.02  # a hair of room for the PDF backend's kerning


def _longest_prefix(word: str, font: Path, size: float, width: float) -> int:
    """How many characters of ``word`` fit ``width`` (at least one)."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(word[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


BREAKS = re.compile(r"\s+(?!%)")
"""Where a line may break: any space but the one of a Vietnamese percent ("40 %")."""


def wrap(text: str, font: Path, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than a line is split between characters."""
    lines: list[str] = []
    current = ""
    for word in BREAKS.split(text.strip()):
        while len(word) > 1 and text_width(word, font, size) > width:
            cut = _longest_prefix(word, font, size, width)
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font, size) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def fit(text: str, style: Style, box: Box) -> Block:
    """The largest size from ``style.largest`` down to ``style.smallest`` at which ``text``
    fits ``box``; at the smallest, lines beyond the box are dropped and the last one ends
    with an ellipsis."""
    size = style.largest
    while True:
        lines = wrap(text, style.font, size, box.width)
        if block_height(len(lines), size) <= box.height or size <= style.smallest:
            break
        size = max(style.smallest, round(size * 0.94, 2))
    room = 1
    while block_height(room + 1, size) <= box.height:
        room += 1
    if len(lines) > room:
        last = lines[room - 1]
        while last and text_width(last + ELLIPSIS, style.font, size) > box.width:
            last = last[:-1].rstrip()
        lines = [*lines[: room - 1], last + ELLIPSIS]
    return Block(tuple(lines), size)


class Page:
    """One page of a PDF being drawn, addressed in millimetres."""

    def __init__(self, size: tuple[float, float]) -> None:
        width, height = size
        self.figure = Figure(figsize=(width / 25.4, height / 25.4))
        self.mm: Transform = Affine2D().scale(1 / 25.4) + self.figure.dpi_scale_trans

    def text(self, text: str, style: Style, box: Box, *, centred: bool = False) -> Block:
        """``text`` in ``box``, from its top, or in its middle when ``centred``."""
        block = fit(text, style, box)
        top = box.top - (box.height - block.height()) / 2 if centred else box.top
        for index, line in enumerate(block.lines):
            baseline = top - block.size * MM_PER_PT * (0.95 + index * LINE_SPACING)
            self.figure.text(
                box.x,
                baseline,
                line,
                transform=self.mm,
                fontproperties=FontProperties(fname=style.font, size=block.size),
                color=style.colour,
                ha="center",
                va="baseline",
                parse_math=False,
            )
        return block

    def qr(self, symbol: Symbol, left: float, bottom: float, side: float) -> None:
        """The symbol, quiet zone included, as a ``side`` mm square at (``left``, ``bottom``)."""
        module = side / symbol.size
        vertices: list[tuple[float, float]] = []
        codes: list[int] = []
        for row, column, run in symbol.dark_runs():
            x0 = left + column * module
            x1 = x0 + run * module
            y1 = bottom + side - row * module
            y0 = y1 - module
            vertices += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
            codes += [int(MplPath.MOVETO), *[int(MplPath.LINETO)] * 3, int(MplPath.CLOSEPOLY)]
        patch = PathPatch(
            MplPath(vertices, codes), transform=self.mm, facecolor="black", edgecolor="none"
        )
        self.figure.add_artist(patch)

    def dashed(self, points: Iterable[tuple[float, float]]) -> None:
        xs, ys = zip(*points, strict=True)
        line = Line2D(xs, ys, transform=self.mm, color="#999999", linewidth=0.5, linestyle="--")
        self.figure.add_artist(line)


def _poster(page: Page, sheet: Sheet) -> None:
    width, _ = A4
    middle, text_width_mm = width / 2, width - 30
    page.text(sheet.unit, Style(REGULAR, 13, 8, GREY), Box(middle, 287, text_width_mm, 11))
    if sheet.opens_with:
        title = Box(middle, 272, text_width_mm, 44)
        page.text(sheet.call_to_action, Style(BOLD, 28, 12), Box(middle, 226, text_width_mm, 13))
        page.text(
            sheet.opens_with, Style(BOLD, 26, 12, ZALO_BLUE), Box(middle, 211, text_width_mm, 13)
        )
    else:
        title = Box(middle, 272, text_width_mm, 56)
        page.text(sheet.call_to_action, Style(BOLD, 32, 14), Box(middle, 212, text_width_mm, 14))
    page.text(sheet.title, Style(BOLD, 34, 11), title, centred=True)
    side = 122.0
    page.qr(encode(sheet.qr_text), middle - side / 2, 74, side)
    page.text(sheet.link_intro, Style(REGULAR, 12, 8, GREY), Box(middle, 75, text_width_mm, 6))
    page.text(sheet.link, Style(MONO, 30, 10), Box(middle, 68, text_width_mm, 14))
    if sheet.deadline:
        page.text(sheet.deadline, Style(BOLD, 16, 9), Box(middle, 50, text_width_mm, 8))
    page.text(sheet.anonymity, Style(REGULAR, 15, 9), Box(middle, 39, text_width_mm, 14))
    page.text(sheet.placement, Style(REGULAR, 8, 6, GREY), Box(middle, 15, text_width_mm, 8))


def _card(page: Page, sheet: Sheet, left: float, bottom: float) -> None:
    width, height = A6
    middle, text_width_mm = left + width / 2, width - 14
    top = bottom + height
    page.text(sheet.unit, Style(REGULAR, 7, 5, GREY), Box(middle, top - 6, text_width_mm, 6))
    if sheet.opens_with:
        title = Box(middle, top - 13, text_width_mm, 18)
        page.text(sheet.call_to_action, Style(BOLD, 12, 7), Box(middle, top - 32, text_width_mm, 6))
        page.text(
            sheet.opens_with,
            Style(BOLD, 12, 7, ZALO_BLUE),
            Box(middle, top - 38.5, text_width_mm, 6),
        )
    else:
        title = Box(middle, top - 13, text_width_mm, 24)
        page.text(sheet.call_to_action, Style(BOLD, 14, 8), Box(middle, top - 39, text_width_mm, 7))
    page.text(sheet.title, Style(BOLD, 15, 6.5), title, centred=True)
    side = 64.0
    page.qr(encode(sheet.qr_text), middle - side / 2, bottom + 39, side)
    page.text(sheet.link, Style(MONO, 12, 6), Box(middle, bottom + 38, text_width_mm, 6.5))
    if sheet.deadline:
        page.text(sheet.deadline, Style(BOLD, 8, 6), Box(middle, bottom + 30, text_width_mm, 4))
    page.text(sheet.anonymity, Style(REGULAR, 8, 6), Box(middle, bottom + 25, text_width_mm, 8))
    page.text(
        sheet.placement, Style(REGULAR, 5.5, 4.5, GREY), Box(middle, bottom + 11, text_width_mm, 5)
    )


def pdf(pages: Iterable[Page], title: str) -> bytes:
    out = io.BytesIO()
    metadata = {"Title": title, "Creator": "polls", "CreationDate": None}
    with PdfPages(out, metadata=metadata) as pdf:
        for page in pages:
            pdf.savefig(page.figure)
    return out.getvalue()


def posters_pdf(sheets: Sequence[Sheet]) -> bytes:
    """One A4 poster a page, in the order given."""

    def pages() -> Iterable[Page]:
        for sheet in sheets:
            page = Page(A4)
            _poster(page, sheet)
            yield page

    return pdf(pages(), sheets[0].title if sheets else "")


def cards_pdf(sheet: Sheet) -> bytes:
    """An A4 sheet of four identical A6 table cards, with dashed lines to cut along."""
    page = Page(A4)
    card_width, card_height = A6
    for left in (0.0, card_width):
        for bottom in (0.0, card_height):
            _card(page, sheet, left, bottom)
    page.dashed([(card_width, 0), (card_width, A4[1])])
    page.dashed([(0, card_height), (A4[0], card_height)])
    return pdf([page], sheet.title)
