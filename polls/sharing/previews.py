"""A placement's link preview card: the 1200×630 PNG that Zalo and Facebook show when its
link is pasted into a chat or a fanpage post (Open Graph's ``og:image``).

It says what the poll is and that answering is anonymous: the unit on top, the poll's title
large (it shrinks, then wraps, then ends with an ellipsis, as the posters' texts do:
``polls.sharing.posters.fit``), and a band at the bottom with the tagline ("Trả lời ẩn danh
trong 1 phút"). DejaVu Sans carries every Vietnamese diacritic. Nothing on it is about a
person or a result.

Importing matplotlib takes a second or more: import this module only where a card is drawn.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.patches import Rectangle

from polls.sharing.posters import BOLD, REGULAR, Block, Box, Page, Style, fit

WIDTH_PX, HEIGHT_PX = 1200, 630
DPI = 100
SIZE_MM = (WIDTH_PX / DPI * 25.4, HEIGHT_PX / DPI * 25.4)
"""The page in millimetres that is 1200×630 pixels at ``DPI``."""
BRAND = "#0b4f8a"
"""The form's own colour (``--brand`` in templates/_style.html)."""
PAPER = "#ffffff"
BAND = "#e8f0f8"
INK = "#10263b"
MARGIN = 18.0
BAND_HEIGHT = 36.0

UNIT_BOX = Box(SIZE_MM[0] / 2, SIZE_MM[1] - MARGIN + 4, SIZE_MM[0] - 2 * MARGIN, 14.0)
TITLE_BOX = Box(
    SIZE_MM[0] / 2,
    SIZE_MM[1] - MARGIN - 14.0,
    SIZE_MM[0] - 2 * MARGIN,
    SIZE_MM[1] - 2 * MARGIN - 14.0 - BAND_HEIGHT + 10,
)
TAGLINE_BOX = Box(SIZE_MM[0] / 2, BAND_HEIGHT - 6.0, SIZE_MM[0] - 2 * MARGIN, BAND_HEIGHT - 12)

UNIT_STYLE = Style(REGULAR, largest=24, smallest=14, colour=PAPER)
TITLE_STYLE = Style(BOLD, largest=54, smallest=32, colour=PAPER)
TAGLINE_STYLE = Style(BOLD, largest=34, smallest=18, colour=INK)


@dataclass(frozen=True)
class CardLayout:
    unit: Block
    title: Block
    tagline: Block


def layout(title: str, unit: str, tagline: str) -> CardLayout:
    """Where each text goes, at what size, in how many lines."""
    return CardLayout(
        unit=fit(unit, UNIT_STYLE, UNIT_BOX),
        title=fit(title, TITLE_STYLE, TITLE_BOX),
        tagline=fit(tagline, TAGLINE_STYLE, TAGLINE_BOX),
    )


def card_png(title: str, unit: str, tagline: str) -> bytes:
    """The card as PNG bytes, exactly ``WIDTH_PX`` × ``HEIGHT_PX``."""
    page = Page(SIZE_MM)
    page.figure.patch.set_facecolor(BRAND)
    band = Rectangle(
        (0, 0), SIZE_MM[0], BAND_HEIGHT, transform=page.mm, facecolor=BAND, edgecolor="none"
    )
    page.figure.add_artist(band)
    page.text(unit, UNIT_STYLE, UNIT_BOX)
    page.text(title, TITLE_STYLE, TITLE_BOX, centred=True)
    page.text(tagline, TAGLINE_STYLE, TAGLINE_BOX, centred=True)
    buffer = io.BytesIO()
    page.figure.savefig(buffer, format="png", dpi=DPI, facecolor=BRAND)
    return buffer.getvalue()
