"""Guards of the anonymous submission endpoints: an answer comes in the encoding of the way
it was sent (JSON from the form's script or an API client, the form's own encoding from the
plain HTML form), and never from another site's page.

A browser lets any site post a "simple" request (``text/plain``, a form's encodings) to any
other, carrying no custom header and asking no permission: a page anywhere could make every
visitor's phone answer a poll. ``text/plain`` is refused (415) because no client of ours
sends it; the same-origin check (403) refuses the rest, from the headers browsers set and
pages cannot: ``Origin``, then ``Sec-Fetch-Site``, then ``Referer``. A request with none of
them is not a browser's cross-site post (curl, an API client, a very old phone) and passes;
the device token (``submitting.submit``) still stands in its way.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from polls.errors import N_, CrossSiteSubmission, UnsupportedMediaType
from polls.settings import Settings

JSON = "application/json"
FORM_ENCODING = "application/x-www-form-urlencoded"
"""What the plain HTML form posts (``<form method="post">`` without ``enctype``)."""


def media_type(connection: ASGIConnection) -> str:
    return connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_same_origin(connection: ASGIConnection, settings: Settings) -> bool:
    """Whether the request comes from one of this site's own pages (or from no page).

    Our origins: ``BASE_URL``'s, any origin whose host is the request's own ``Host`` (the
    site reached under another name, or behind a proxy that terminates TLS), and the Zalo
    Mini App's (``ZALO_MINI_APP_ORIGINS``). The form is served with ``Referrer-Policy:
    no-referrer``, so a browser sends ``Origin: null`` for its plain HTML post: that case
    is decided by ``Sec-Fetch-Site``."""
    host = connection.headers.get("host", "").lower()
    allowed = {_origin_of(settings.base_url), *settings.zalo_mini_app_origins}

    def ours(origin: str | None) -> bool:
        return origin is not None and (
            origin.lower() in allowed or (bool(host) and urlsplit(origin).netloc.lower() == host)
        )

    origin = connection.headers.get("origin", "").strip()
    if origin and origin != "null":
        return ours(origin)
    fetch_site = connection.headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    referer = connection.headers.get("referer", "").strip()
    if referer:
        return ours(_origin_of(referer))
    # no signal at all (or a bare ``Origin: null`` from a browser too old to send
    # ``Sec-Fetch-Site``): not refused; such a post carries no SameSite cookie from another
    # site, so the device token rule refuses it unless it came from our page
    return True


QUESTION_MEDIA = N_("Questions are accepted only as JSON or from the question box's own page.")
QUESTION_CROSS_SITE = N_(
    "Questions are only accepted from the union's question box page. Open the box's link "
    "and write there."
)


def _check(
    connection: ASGIConnection,
    accepted: tuple[str, ...],
    *,
    media: str | None = None,
    cross_site: str | None = None,
) -> None:
    """The route's encoding, from our pages or no page; refused in the words of what is sent
    (a poll's answers unless told)."""
    empty = connection.headers.get("content-length") == "0"
    if media_type(connection) not in accepted and not (empty and not media_type(connection)):
        raise UnsupportedMediaType(media)
    if not is_same_origin(connection, connection.app.state.settings):
        raise CrossSiteSubmission(cross_site)


async def requires_json_submission(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """``POST /api/v1/forms/{code}/responses``: JSON only, from our pages or no page."""
    _check(connection, (JSON,))


async def requires_own_form_submission(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """``POST /p/{code}``: the form's own encoding only, from our pages or no page."""
    _check(connection, (FORM_ENCODING,))


async def requires_json_question(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The question box's JSON routes (``/api/v1/box/...``): as for answers, in its words."""
    _check(connection, (JSON,), media=QUESTION_MEDIA, cross_site=QUESTION_CROSS_SITE)


async def requires_own_question_form(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The question box's own pages (``/hoi/{slug}``...): as for the form, in its words."""
    _check(connection, (FORM_ENCODING,), media=QUESTION_MEDIA, cross_site=QUESTION_CROSS_SITE)
