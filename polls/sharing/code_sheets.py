"""A sheet of printed one-time codes: A4 pages of slips to cut apart, one code a slip.

Each slip carries the poll's title, its code in large letters (``ABCD-EFGH``), the short
link to type, and a QR code of that link with the code (``?c=``), so scanning it opens the
form with the code filled in. Sixteen slips a page (two columns of eight, 95 × 34.6 mm),
dashed lines to cut along. The texts are translated by ``slips_for`` in the poll's
language; the layout only places them (``posters.Page``, DejaVu Sans, vector QR).

Importing matplotlib takes a second or more: import this module only where a PDF is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from polls.i18n import gettext, using_locale
from polls.models import Placement, Poll
from polls.sharing import codes, links
from polls.sharing.posters import A4, BOLD, GREY, MONO, REGULAR, Box, Page, Style, pdf
from polls.sharing.qr import encode

COLUMNS = 2
ROWS = 8
SLIPS_PER_PAGE = COLUMNS * ROWS
MARGIN = 10.0
SLIP_WIDTH = (A4[0] - 2 * MARGIN) / COLUMNS
SLIP_HEIGHT = (A4[1] - 2 * MARGIN) / ROWS
QR_SIDE = 30.0
CODE_QUERY = links.CODE_QUERY


@dataclass(frozen=True)
class Slips:
    """Everything the slips of one sheet say, every text final."""

    title: str
    heading: str
    link_intro: str
    link: str
    once: str
    qr_link: str
    """The placement's QR link; each slip's QR adds ``?c=<its code>``."""
    codes: tuple[str, ...]


def slip_qr_text(qr_link: str, code: str) -> str:
    return f"{qr_link}?{CODE_QUERY}={quote(code, safe='')}"


def slips_for(poll: Poll, placement: Placement, base_url: str, issued: Sequence[str]) -> Slips:
    with using_locale(poll.language):
        return Slips(
            title=poll.title,
            heading=gettext("One-time code"),
            link_intro=gettext("Scan, or open the link and type the code:"),
            link=links.printed_link(base_url, placement.code),
            once=gettext("Good for one answer. Anonymous: the code is not kept with it."),
            qr_link=links.qr_link(base_url, placement.code),
            codes=tuple(issued),
        )


def _slip(page: Page, slips: Slips, code: str, left: float, bottom: float) -> None:
    pad = 3.0
    page.qr(encode(slip_qr_text(slips.qr_link, code)), left + pad, bottom + 2.3, QR_SIDE)
    text_left = left + pad + QR_SIDE + 2
    width = left + SLIP_WIDTH - pad - text_left
    middle = text_left + width / 2
    top = bottom + SLIP_HEIGHT - 2.5
    page.text(slips.title, Style(BOLD, 9, 6), Box(middle, top, width, 8))
    page.text(slips.heading, Style(REGULAR, 7, 5.5, GREY), Box(middle, top - 8.5, width, 3.5))
    page.text(codes.printed_slip_code(code), Style(MONO, 20, 12), Box(middle, top - 12, width, 9))
    page.text(slips.link_intro, Style(REGULAR, 6, 4.5, GREY), Box(middle, top - 21.5, width, 3))
    page.text(slips.link, Style(MONO, 7.5, 5), Box(middle, top - 24.5, width, 3.5))
    page.text(slips.once, Style(REGULAR, 5.5, 4.5, GREY), Box(middle, top - 28.3, width, 4))


def code_sheet_pdf(slips: Slips) -> bytes:
    """The codes in the order given, sixteen a page."""

    def pages() -> Iterable[Page]:
        for start in range(0, len(slips.codes), SLIPS_PER_PAGE):
            page = Page(A4)
            for index, code in enumerate(slips.codes[start : start + SLIPS_PER_PAGE]):
                column, row = index % COLUMNS, index // COLUMNS
                left = MARGIN + column * SLIP_WIDTH
                bottom = A4[1] - MARGIN - (row + 1) * SLIP_HEIGHT
                _slip(page, slips, code, left, bottom)
            for column in range(COLUMNS + 1):
                x = MARGIN + column * SLIP_WIDTH
                page.dashed([(x, MARGIN), (x, A4[1] - MARGIN)])
            for row in range(ROWS + 1):
                y = MARGIN + row * SLIP_HEIGHT
                page.dashed([(MARGIN, y), (A4[0] - MARGIN, y)])
            yield page

    return pdf(pages(), slips.title)
