"""The spellings of a placement's link.

``link``: what the API and the console show (``BASE_URL/p/CODE``). ``printed_link``: the same,
minus an ``https://`` that browsers add by themselves, for people who type it from a poster.
``qr_link``: what a QR code carries, in uppercase so the whole text fits QR's compact
alphanumeric mode (5.5 bits a character instead of 8). Scheme and host are case-insensitive
and so is the code; the path ``/P/`` is served as ``/p/`` (``polls.links``). A path below
the host in ``BASE_URL`` keeps its case, since a proxy may not treat it case-insensitively.
``mini_app_link``: the same placement opened in the union's Zalo Mini App; the code rides as
the ``k`` query parameter, a hint only (the server decides which poll it serves).
``opens_in_mini_app`` and ``scan_link``: what a placement's QR code carries, the Mini App's
link when the officer chose it and the server has a Mini App, else the web form's.
``box_link``: a unit's question box (``/hoi/{unit slug}``), for its pages and for the QR code
of a results poster that leads there.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from polls.models import OpensIn, Placement

CODE_QUERY = "c"
"""The form's query parameter that fills in a printed one-time code (``/p/{code}?c=...``),
as a slip's QR code carries it."""
FORM_PATH = "/p/"
UPPERCASE_FORM_PATH = "/P/"
BOX_PATH = "/hoi/"


def link(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}{FORM_PATH}{code}"


def printed_link(base_url: str, code: str) -> str:
    return link(base_url, code).removeprefix("https://")


def qr_link(base_url: str, code: str) -> str:
    parts = urlsplit(base_url.rstrip("/"))
    origin = f"{parts.scheme}://{parts.netloc}".upper()
    return f"{origin}{parts.path}{UPPERCASE_FORM_PATH}{code.upper()}"


MINI_APP_BASE = "https://zalo.me/s/"


def mini_app_link(mini_app_id: str, code: str) -> str:
    return f"{MINI_APP_BASE}{mini_app_id}/?k={quote(code, safe='')}"


def opens_in_mini_app(placement: Placement, mini_app_id: str) -> bool:
    """The placement opens in the Zalo Mini App: chosen for it, and the server has one (a
    placement chosen so keeps working, on the web, when ``ZALO_MINI_APP_ID`` is unset)."""
    return bool(mini_app_id) and placement.opens_in == OpensIn.ZALO_MINI_APP


def scan_link(placement: Placement, base_url: str, mini_app_id: str) -> str:
    if opens_in_mini_app(placement, mini_app_id):
        return mini_app_link(mini_app_id, placement.code)
    return qr_link(base_url, placement.code)


def box_link(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}{BOX_PATH}{slug}"
