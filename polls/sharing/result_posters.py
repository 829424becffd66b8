"""Results posters drawn: the A4 poster, the A4 sheet of four A6 cards, and the 1200×630 image
for the Zalo group and the fanpage, from a ``result_sheets.ResultsSheet``.

The same page machinery as the QR posters (``polls.sharing.posters``: DejaVu Sans embedded,
so every Vietnamese diacritic prints and the text can be extracted; texts shrink, wrap, and
only then end with an ellipsis; the QR code as vector paths). An A6 card is the A4 poster
drawn at half its size (A6 is A4 halved twice), so both say the same in the same places.
A draft carries its mark across the page: only an approved poster prints clean.

Importing matplotlib takes a second or more: import this module only where one is drawn.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from polls.sharing.posters import (
    A4,
    A6,
    BOLD,
    GREY,
    INK,
    LINE_SPACING,
    MM_PER_PT,
    MONO,
    REGULAR,
    Box,
    Page,
    Style,
    fit,
    pdf,
)
from polls.sharing.previews import BRAND, DPI, SIZE_MM
from polls.sharing.qr import encode
from polls.sharing.result_sheets import CHART, Headline, ResultsSheet

WHITE = "#ffffff"
BAR = BRAND
TRACK = "#e3ebf3"
DRAFT = "#c62828"


@dataclass(frozen=True)
class Pen:
    """Draws on ``page`` in the A4 poster's millimetres, placed at (``left``, ``bottom``) and
    scaled by ``scale``: one layout for the A4 poster and its A6 cards."""

    page: Page
    left: float = 0.0
    bottom: float = 0.0
    scale: float = 1.0

    def _x(self, x: float) -> float:
        return self.left + x * self.scale

    def _y(self, y: float) -> float:
        return self.bottom + y * self.scale

    def _box(self, box: Box) -> Box:
        s = self.scale
        return Box(self._x(box.x), self._y(box.top), box.width * s, box.height * s)

    def _style(self, style: Style) -> Style:
        s = self.scale
        return Style(style.font, style.largest * s, style.smallest * s, style.colour)

    def text(self, text: str, style: Style, box: Box, *, centred: bool = False) -> None:
        if text:
            self.page.text(text, self._style(style), self._box(box), centred=centred)

    def left_text(
        self, text: str, style: Style, box: Box, *, align: str = "left", centred: bool = True
    ) -> None:
        """``text`` from the left edge of ``box`` (``box.x`` is its left here), or ending at
        its right edge when ``align`` is "right"; in the box's middle, or from its top."""
        placed = Box(
            self._x(box.x), self._y(box.top), box.width * self.scale, box.height * self.scale
        )
        scaled = self._style(style)
        block = fit(text, scaled, Box(0, placed.top, placed.width, placed.height))
        top = placed.top - ((placed.height - block.height()) / 2 if centred else 0)
        x = placed.x + (placed.width if align == "right" else 0)
        for index, line in enumerate(block.lines):
            self.page.figure.text(
                x,
                top - block.size * MM_PER_PT * (0.95 + index * LINE_SPACING),
                line,
                transform=self.page.mm,
                fontproperties=FontProperties(fname=scaled.font, size=block.size),
                color=scaled.colour,
                ha=align,
                va="baseline",
                parse_math=False,
            )

    def rect(self, x: float, y: float, width: float, height: float, colour: str) -> None:
        s = self.scale
        self.page.figure.add_artist(
            Rectangle(
                (self._x(x), self._y(y)),
                width * s,
                height * s,
                transform=self.page.mm,
                facecolor=colour,
                edgecolor="none",
            )
        )

    def qr(self, text: str, x: float, y: float, side: float) -> None:
        self.page.qr(encode(text), self._x(x), self._y(y), side * self.scale)


WIDTH, HEIGHT = A4
MARGIN = 14.0
INNER = WIDTH - 2 * MARGIN
BAND_BOTTOM = 262.0
HEADLINES_TOP, HEADLINES_BOTTOM = 222.0, 104.0


def _headline(pen: Pen, headline: Headline, top: float, height: float) -> None:
    question_height = min(13.0, height * 0.3)
    pen.left_text(headline.question, Style(BOLD, 13, 8), Box(MARGIN, top, INNER, question_height))
    room_top = top - question_height - 1.5
    room = height - question_height - 4.0
    if headline.shown_as != CHART or not headline.bars:
        pen.text(
            headline.sentence,
            Style(BOLD, 24, 11, BRAND),
            Box(WIDTH / 2, room_top, INNER, room),
            centred=True,
        )
        return
    row = min(10.0, room / len(headline.bars))
    label_width, value_width = 62.0, 18.0
    track_left = MARGIN + label_width + 2
    track_width = INNER - label_width - value_width - 4
    for index, bar in enumerate(headline.bars):
        row_top = room_top - index * row
        pen.left_text(
            bar.label, Style(REGULAR, 12, 6.5), Box(MARGIN, row_top, label_width, row * 0.9)
        )
        bar_height = row * 0.62
        bar_bottom = row_top - row * 0.45 - bar_height / 2
        pen.rect(track_left, bar_bottom, track_width, bar_height, TRACK)
        if bar.fraction > 0:
            pen.rect(track_left, bar_bottom, track_width * min(1.0, bar.fraction), bar_height, BAR)
        pen.left_text(
            bar.value,
            Style(BOLD, 13, 7),
            Box(WIDTH - MARGIN - value_width, row_top, value_width, row * 0.9),
            align="right",
        )


def _poster(pen: Pen, sheet: ResultsSheet) -> None:
    middle = WIDTH / 2
    pen.rect(0, BAND_BOTTOM, WIDTH, HEIGHT - BAND_BOTTOM, BRAND)
    pen.text(sheet.unit, Style(REGULAR, 12, 7, WHITE), Box(middle, 291, INNER, 8))
    pen.text(sheet.slogan, Style(BOLD, 30, 14, WHITE), Box(middle, 283, INNER, 19), centred=True)
    pen.text(sheet.title, Style(BOLD, 20, 10), Box(middle, 257, INNER, 22), centred=True)
    pen.text(sheet.answered, Style(BOLD, 15, 9, GREY), Box(middle, 233, INNER, 9))
    count = max(1, len(sheet.headlines))
    each = (HEADLINES_TOP - HEADLINES_BOTTOM) / count
    for index, headline in enumerate(sheet.headlines):
        _headline(pen, headline, HEADLINES_TOP - index * each, each - 3)
    response_width = INNER - (48 if sheet.qr_text else 0)
    pen.rect(MARGIN, 24, INNER, 0.6, BRAND)
    pen.rect(MARGIN, HEADLINES_BOTTOM - 1, INNER, 0.6, BRAND)
    pen.left_text(
        sheet.response_heading, Style(BOLD, 16, 9, BRAND), Box(MARGIN, 100, response_width, 9)
    )
    pen.left_text(
        sheet.response_text,
        Style(REGULAR, 14, 7.5),
        Box(MARGIN, 89, response_width, 62),
        centred=False,
    )
    if sheet.qr_text:
        side = 40.0
        pen.qr(sheet.qr_text, WIDTH - MARGIN - side, 44, side)
        qr_middle = WIDTH - MARGIN - side / 2
        pen.text(
            sheet.qr_caption, Style(BOLD, 10, 6), Box(qr_middle, 100, side + 4, 14), centred=True
        )
        pen.text(sheet.link, Style(MONO, 8, 4.5), Box(qr_middle, 43, side + 6, 4))
    pen.text(sheet.footer, Style(REGULAR, 8, 5.5, GREY), Box(middle, 21, INNER, 9))
    if sheet.draft_mark:
        pen.rect(0, 0, WIDTH, 11, DRAFT)
        pen.text(
            sheet.draft_mark, Style(BOLD, 16, 8, WHITE), Box(middle, 10, INNER, 9), centred=True
        )


def poster_pdf(sheet: ResultsSheet) -> bytes:
    page = Page(A4)
    _poster(Pen(page), sheet)
    return pdf([page], sheet.title)


def cards_pdf(sheet: ResultsSheet) -> bytes:
    """An A4 sheet of four A6 cards (the poster at half size), with lines to cut along."""
    page = Page(A4)
    width, height = A6
    for left in (0.0, width):
        for bottom in (0.0, height):
            _poster(Pen(page, left, bottom, 0.5), sheet)
    page.dashed([(width, 0), (width, A4[1])])
    page.dashed([(0, height), (A4[0], height)])
    return pdf([page], sheet.title)


def image_png(sheet: ResultsSheet) -> bytes:
    """The 1200×630 image for chats and fanpages: the same poster, its headlines as
    sentences, beside the union's response; the link to the next wave at the bottom."""
    page = Page(SIZE_MM)
    pen = Pen(page)
    width, height = SIZE_MM
    left_width = width * 0.58
    pen.rect(0, height - 40, width, 40, BRAND)
    pen.text(sheet.unit, Style(REGULAR, 18, 11, WHITE), Box(width / 2, height - 4, width - 24, 9))
    pen.text(
        sheet.slogan,
        Style(BOLD, 40, 22, WHITE),
        Box(width / 2, height - 13, width - 24, 24),
        centred=True,
    )
    pen.left_text(sheet.title, Style(BOLD, 26, 14), Box(12, height - 44, left_width - 12, 22))
    pen.left_text(
        sheet.answered, Style(BOLD, 20, 12, GREY), Box(12, height - 67, left_width - 12, 9)
    )
    shown = sheet.headlines[:3]
    each = 70.0 / max(1, len(shown))
    for index, headline in enumerate(shown):
        top = height - 79 - index * each
        pen.left_text(
            headline.question,
            Style(REGULAR, 16, 9, GREY),
            Box(12, top, left_width - 12, each * 0.4),
        )
        pen.left_text(
            headline.sentence,
            Style(BOLD, 26, 12, BRAND),
            Box(12, top - each * 0.4, left_width - 12, each * 0.55),
        )
    right = left_width + 8
    pen.rect(right - 4, 8, width - right - 4, height - 56, TRACK)
    pen.left_text(
        sheet.response_heading,
        Style(BOLD, 22, 12, BRAND),
        Box(right, height - 50, width - right - 12, 11),
    )
    pen.left_text(
        sheet.response_text,
        Style(REGULAR, 20, 10, INK),
        Box(right, height - 64, width - right - 12, height - 64 - 22),
        centred=False,
    )
    if sheet.link:
        pen.left_text(sheet.link, Style(MONO, 16, 9, INK), Box(right, 20, width - right - 12, 9))
    if sheet.draft_mark:
        pen.rect(0, 0, width, 8, DRAFT)
        pen.text(
            sheet.draft_mark,
            Style(BOLD, 16, 9, WHITE),
            Box(width / 2, 7.5, width - 24, 7),
            centred=True,
        )
    buffer = io.BytesIO()
    page.figure.savefig(buffer, format="png", dpi=DPI, facecolor=WHITE)
    return buffer.getvalue()
