"""QR codes, posters and table cards of placements the principal may see.

Drawing a PDF is CPU work of a fraction of a second a page: it runs in a worker thread, at
most two at a time, and the last few PDFs are kept per process keyed by everything they
show (so an edited title or deadline is a new key, never a stale poster).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import anyio
import anyio.to_thread

from polls import inputs
from polls.errors import N_, Conflict, InvalidInput
from polls.models import Placement, PlacementKind, Principal
from polls.services import codes, placements, polls
from polls.sharing import links, names, qr
from polls.sharing.sheets import Sheet, sheet_for

T = TypeVar("T")

_drawing: anyio.CapacityLimiter | None = None


async def off_the_loop(work: Callable[[], T]) -> T:
    global _drawing
    if _drawing is None:
        _drawing = anyio.CapacityLimiter(2)
    return await anyio.to_thread.run_sync(work, limiter=_drawing)


@lru_cache(maxsize=16)
def _posters(sheets: tuple[Sheet, ...]) -> bytes:
    # matplotlib takes over a second to import: only a process that draws a poster pays it.
    from polls.sharing import posters

    return posters.posters_pdf(sheets)


@lru_cache(maxsize=16)
def _cards(sheet: Sheet) -> bytes:
    from polls.sharing import posters

    return posters.cards_pdf(sheet)


NO_LINK = N_("A placement counted by hand takes no answers: it has no link, QR code or poster.")


async def _printable(principal: Principal, placement_id: int) -> Placement:
    """A placement that has a link to print: a hand count's link takes no answers (404)."""
    placement = await placements.get(principal, placement_id)
    if placement.kind == PlacementKind.PAPER:
        raise Conflict(NO_LINK)
    return placement


async def _sheet(principal: Principal, placement_id: int, base_url: str, mini_app_id: str) -> Sheet:
    placement = await _printable(principal, placement_id)
    poll = await polls.get(principal, placement.poll_id)
    return sheet_for(poll, placement, base_url, mini_app_id)


async def qr_symbol(
    principal: Principal, placement_id: int, base_url: str, mini_app_id: str = ""
) -> qr.Symbol:
    """The placement's QR code: its web link, or its Zalo Mini App link when it opens there."""
    placement = await _printable(principal, placement_id)
    return qr.encode(links.scan_link(placement, base_url, mini_app_id))


async def qr_png(
    principal: Principal,
    placement_id: int,
    base_url: str,
    size: object = qr.PNG_DEFAULT,
    mini_app_id: str = "",
) -> bytes:
    """``size`` as typed in the query: plain ASCII digits from 128 to 2048 (``inputs.integer``
    refuses ``"٥١٢"``, ``"1_000"`` and ``"512.0"``, which a looser parse would take)."""
    try:
        pixels = inputs.integer(
            size, qr.PNG_MIN, qr.PNG_MAX, N_("Choose a size from 128 to 2048 pixels.")
        )
    except inputs.InputError as error:
        raise InvalidInput({"size": error.message}) from error
    symbol = await qr_symbol(principal, placement_id, base_url, mini_app_id)
    return await off_the_loop(lambda: qr.png(symbol, pixels))


async def poster(
    principal: Principal, placement_id: int, base_url: str, mini_app_id: str = ""
) -> bytes:
    sheet = await _sheet(principal, placement_id, base_url, mini_app_id)
    return await off_the_loop(lambda: _posters((sheet,)))


async def cards(
    principal: Principal, placement_id: int, base_url: str, mini_app_id: str = ""
) -> bytes:
    sheet = await _sheet(principal, placement_id, base_url, mini_app_id)
    return await off_the_loop(lambda: _cards(sheet))


async def posters_for_poll(
    principal: Principal, poll_id: int, base_url: str, mini_app_id: str = ""
) -> bytes:
    poll = await polls.get(principal, poll_id)
    shared = [
        placement
        for placement in await placements.list_for_poll(principal, poll.id)
        if placement.kind != PlacementKind.PAPER
    ]
    if not shared:
        raise Conflict(N_("This poll has no placements yet: add one to print its poster."))
    sheets = tuple(sheet_for(poll, placement, base_url, mini_app_id) for placement in shared)
    return await off_the_loop(lambda: _posters(sheets))


async def file_name(principal: Principal, placement_id: int, prefix: str) -> str:
    """``poster-nha-an-px3.pdf``: a placement's download named after its label."""
    placement = await placements.get(principal, placement_id)
    return names.file_name(prefix, placement.label, "pdf", fallback=str(placement.id))


async def poll_file_name(principal: Principal, poll_id: int, prefix: str) -> str:
    poll = await polls.get(principal, poll_id)
    return names.file_name(prefix, poll.title, "pdf", fallback=str(poll.id))


def _code_sheet(issued: codes.IssuedCodes, base_url: str) -> bytes:
    from polls.sharing import code_sheets

    slips = code_sheets.slips_for(issued.poll, issued.placement, base_url, issued.codes)
    return code_sheets.code_sheet_pdf(slips)


async def code_sheet(
    principal: Principal, placement_id: int, count: int, base_url: str, *, secret: str
) -> bytes:
    """A sheet of ``count`` new one-time codes for the placement's poll. The codes are drawn
    and stored (as HMACs) now and exist only in this PDF: it is never cached, and printing
    again makes new codes."""
    issued = await codes.issue(principal, placement_id, count, secret=secret)
    return await off_the_loop(lambda: _code_sheet(issued, base_url))
