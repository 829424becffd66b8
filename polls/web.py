"""HTTP plumbing shared by the API, the worker's form and the console: the request's locale,
the client's address (for rate limits only), and the one place where errors become
responses: JSON under ``/api/`` and ``/webhooks/``, pages everywhere else, always in the
request's language, and never a stack trace."""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any
from urllib.parse import unquote_to_bytes

import asyncpg
import msgspec
import redis.exceptions
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from polls import errors as e
from polls import inputs, privacy
from polls.forms.assets import FORM_SCRIPT_HASH
from polls.i18n import LANGUAGE_VARY, LOCALE_COOKIE, gettext, pick_locale, set_locale
from polls.services.renders import Rendered
from polls.settings import Settings

log = logging.getLogger("polls")

MESSENGER_FRAMES = "https://web.telegram.org https://*.telegram.org https://*.zalo.me"
"""Where the worker's form may be framed: Telegram's web client and Zalo's webviews."""


PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "browsing-topics",
    )
)
"""No page of the app needs a sensor, a camera or a payment: none may ask for one."""


def security_headers(*, frame_ancestors: str = "'none'") -> dict[str, str]:
    """The headers every page carries. Scripts run only from this origin or by the hash of
    the form's one inline script (no ``unsafe-inline``); nothing frames a page unless it is
    the worker's form inside a messenger."""
    return {
        "Content-Security-Policy": (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"script-src 'self' '{FORM_SCRIPT_HASH}'; object-src 'none'; base-uri 'none'; "
            f"form-action 'self'; frame-ancestors {frame_ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }


def transport_headers(settings: Settings) -> dict[str, str]:
    """HSTS when the site is served over https (``BASE_URL``): a phone that once reached it
    never again lets a network downgrade it to plain http. Not ``includeSubDomains``: the
    union's other hosts are not this app's to decide."""
    if settings.base_url.startswith("https://"):
        return {"Strict-Transport-Security": "max-age=31536000"}
    return {}


SECURITY_HEADERS = security_headers()

JSON_PREFIXES = ("/api/", "/webhooks/", "/livez", "/readyz")


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def request_locale(request: Request) -> str:
    return pick_locale(
        request.query_params.get("lang"),
        request.cookies.get(LOCALE_COOKIE),
        request.headers.get("accept-language"),
        settings_of(request).default_locale,
    )


async def set_request_locale(request: Request) -> None:
    """``before_request`` hook: every string of this request speaks the same language
    (``i18n.get_locale()`` says which)."""
    set_locale(request_locale(request))


def client_address(request: Request) -> str | None:
    """For rate limiting only; never stored, never logged. See ``forwarded_client``."""
    peer = request.client.host if request.client else None
    return forwarded_client(
        request.headers.getall("x-forwarded-for", []), peer, settings_of(request).trusted_proxies
    )


def forwarded_client(forwarded: list[str], peer: str | None, trusted_proxies: int) -> str | None:
    """The client's address behind ``trusted_proxies`` proxies of one's own.

    Each proxy appends the address it was connected from to ``X-Forwarded-For``, so the
    chain (the header's entries, then the connection's own address) is read from the
    right: the right-most ``trusted_proxies`` entries are the proxies, the next one is the
    client. Anything further left was written by the client and is never taken: behind one
    proxy, ``X-Forwarded-For: <spoofed>, <client>`` gives ``<client>``. A chain shorter
    than the proxies claimed (a proxy that does not append) gives its left-most entry.
    """
    if trusted_proxies <= 0:
        return peer
    chain = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
    if peer:
        chain.append(peer)
    if not chain:
        return None
    return chain[max(len(chain) - 1 - trusted_proxies, 0)]


DEVICE_HEADER = "X-Polls-Device"
"""The device token handed out with a 428, and where a client without cookies sends it."""
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600


def device_cookie(request: Request, token: str) -> Cookie:
    """The device cookie: only for this site's pages (``SameSite=Lax``: never sent with
    another site's post), out of reach of scripts."""
    return Cookie(
        key=privacy.DEVICE_COOKIE,
        value=token,
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="lax",
        secure=settings_of(request).secure_cookies,
        path="/",
    )


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES)


DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # with TimeoutError: a pool that hands out no connection in time
    sqlite3.OperationalError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    # a connection the server ended mid-statement, left by asyncpg in a state it cannot
    # leave ("cannot switch to state 12"): seen when PostgreSQL kills every connection
    asyncpg.exceptions.InternalClientError,
    # the server shutting down, restarting after a crash, or cancelling the statement
    asyncpg.exceptions.OperatorInterventionError,
    # too many connections, a full disk, out of memory
    asyncpg.exceptions.InsufficientResourcesError,
    # a failover that left the app on a read-only standby
    asyncpg.exceptions.ReadOnlySQLTransactionError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
"""A database, or the Redis that shares rate limits, out of reach: 503, never a 500."""


def unavailable(exc: BaseException) -> e.Unavailable:
    """The refusal for ``DATABASE_ERRORS``, logged by its type only (never the statement,
    which may hold answers)."""
    log.warning("database or redis unavailable: %s", type(exc).__name__)
    return e.Unavailable()


def _as_domain_error(exc: Exception) -> e.DomainError:
    if isinstance(exc, e.DomainError):
        return exc
    if isinstance(exc, NotAuthorizedException):
        return e.Unauthorized()
    if isinstance(exc, PermissionDeniedException):
        return e.Forbidden(
            e.N_("The form has expired. Reload the page and try again.")
            if "csrf" in str(exc.detail).lower()
            else None
        )
    if isinstance(exc, NotFoundException):
        return e.NotFound(e.N_("This page does not exist."))
    if isinstance(exc, ValidationException):
        detail = str(exc.detail).lower()
        extra = [
            item
            for item in (exc.extra if isinstance(exc.extra, list) else [])
            if isinstance(item, dict)
        ]
        if (
            "malformed" in detail
            or "decode" in detail
            or any("malformed" in str(item).lower() for item in extra)
        ):
            return e.DomainError(e.N_("The request body is not valid JSON."))
        if any(_missing_body(item) for item in extra):
            return e.DomainError(e.N_("The request body is not valid JSON."))
        fields = dict(_field_error(item) for item in extra)
        return e.InvalidInput(fields or {"body": e.N_("This value is not valid.")})
    if isinstance(exc, HTTPException) and isinstance(exc.__cause__, SerializationException):
        return e.DomainError(e.N_("The request body is not valid JSON."))
    if isinstance(exc, HTTPException):
        if exc.status_code == 413:
            return e.PayloadTooLarge()
        if exc.status_code == 429:
            return e.RateLimited()
        if exc.status_code == 405:
            error = e.DomainError(e.N_("This method is not allowed here."))
            error.status_code = 405  # type: ignore[misc]
            return error
        if exc.status_code == 415:
            error = e.DomainError(e.N_("This content type is not accepted here."))
            error.status_code = 415  # type: ignore[misc]
            return error
        if exc.status_code < 500:
            error = e.DomainError(e.N_("The request could not be processed."))
            error.status_code = exc.status_code  # type: ignore[misc]
            return error
    if isinstance(exc, OverflowError):
        return e.DomainError(e.N_("A number in the request is out of range."))
    if isinstance(exc, UnicodeDecodeError | RecursionError):
        # a body that is not UTF-8, or nested deeper than any answer can be
        return e.DomainError(e.N_("The request body is not valid JSON."))
    if isinstance(exc, DATABASE_ERRORS):
        return unavailable(exc)
    log.exception("unhandled error", exc_info=exc)
    error = e.DomainError(e.N_("Something went wrong on our side. Please try again."))
    error.status_code = HTTP_500_INTERNAL_SERVER_ERROR  # type: ignore[misc]
    return error


_FIELD_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Expected `str` of length <= "), e.N_("This text is too long.")),
    (re.compile(r"^Expected `str` of length >= "), e.N_("This text is too short.")),
    (re.compile(r"^Expected `array` of length <= "), e.N_("There are too many items.")),
    (re.compile(r"^Expected `object` of length <= "), e.N_("There are too many items.")),
    (re.compile(r"^Expected `int` >= "), e.N_("This number is too small.")),
    (re.compile(r"^Expected `int` <= "), e.N_("This number is too large.")),
    (re.compile(r"^Invalid enum value "), e.N_("Choose one of the allowed values.")),
    (re.compile(r"^Expected `"), e.N_("This value has the wrong type.")),
)
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `([^`]{1,80})`")
_MISSING_FIELD = re.compile(r"^Object missing required field `([^`]{1,80})`")


def _missing_body(item: dict[str, Any]) -> bool:
    """Litestar's way of saying the body was empty: a KeyError for the ``data`` parameter."""
    return item.get("source") == "body" and item.get("message") == "'data'"


def _field_error(item: dict[str, Any]) -> tuple[str, str]:
    """A validation error of msgspec as (field, message id): the field written the way the
    services write theirs (``questions.0.kind``), the message a person can read."""
    key = re.sub(r"\[(\d+)\]", r".\1", str(item.get("key") or "body")).replace("[...]", "")
    message = str(item.get("message", ""))
    if key in ("data", "body"):
        key = "body"
    if found := _UNKNOWN_FIELD.match(message):
        return (found[1] if key == "body" else f"{key}.{found[1]}"), e.N_(
            "This field is not expected here."
        )
    if found := _MISSING_FIELD.match(message):
        return (found[1] if key == "body" else f"{key}.{found[1]}"), e.N_("This field is required.")
    for pattern, text in _FIELD_MESSAGES:
        if pattern.match(message):
            return key, text
    return key, e.N_("This value is not valid.")


def _message(error: e.DomainError) -> str:
    return gettext(error.message, error.params)


def error_body(error: e.DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": error.status_code, "detail": _message(error)}
    if isinstance(error, e.InvalidAnswers):
        body["errors"] = {str(k): gettext(m, p) for k, (m, p) in error.answer_errors.items()}
    elif isinstance(error, e.InvalidInput):
        body["errors"] = {k: gettext(v) for k, v in error.errors.items()}
    elif isinstance(error, e.DeviceTokenRequired):
        body["device_token"] = error.token
    return body


def handle_error(request: Request, exc: Exception) -> Response:
    set_locale(request_locale(request))
    error = _as_domain_error(exc)
    # after_request skips error responses
    headers: dict[str, str] = {**SECURITY_HEADERS, **transport_headers(settings_of(request))}
    if isinstance(error, e.RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, e.Unavailable):
        headers["Retry-After"] = "5"
    if isinstance(error, e.DeviceTokenRequired):
        headers[DEVICE_HEADER] = error.token
    if wants_json(request):
        response = Response(error_body(error), status_code=error.status_code, headers=headers)
        if isinstance(error, e.DeviceTokenRequired):
            response.set_cookie(device_cookie(request, error.token))
        return response
    if isinstance(error, e.Unauthorized) and request.url.path.startswith("/console"):
        return Redirect(path="/console/login", headers=headers)
    return Template(
        template_name="error.html",
        context={"error": error, "message": _message(error), "status": error.status_code},
        status_code=error.status_code,
        headers=headers,
    )


def remember_locale(app: Any) -> Any:
    """ASGI middleware: a ``?lang=`` choice is kept in a cookie for the next pages."""
    from urllib.parse import parse_qs

    from polls.i18n import LOCALE_COOKIE, LOCALES

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        chosen = parse_qs(query.decode("latin-1")).get("lang", [""])[0] if b"lang" in query else ""
        if chosen not in LOCALES:
            await app(scope, receive, send)
            return
        cookie = f"{LOCALE_COOKIE}={chosen}; Path=/; Max-Age=31536000; SameSite=Lax".encode()

        async def send_with_cookie(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"set-cookie", cookie)],
                }
            await send(message)

        await app(scope, receive, send_with_cookie)

    return middleware


UNSTORABLE_TEXT = e.N_(
    "The request contains a character that cannot be stored (a NUL byte or a broken "
    "character). Remove it and try again."
)


def _holds_unstorable(value: Any) -> bool:
    """Whether any string (key or value) of a decoded JSON document is unstorable."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if inputs.unstorable(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _body_unstorable(content_type: str, body: bytes) -> bool:
    if content_type == "application/x-www-form-urlencoded":
        return b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))
    if content_type == "multipart/form-data":
        return b"\x00" in body
    if b"\\u" not in body:
        # JSON holds a NUL or a lone surrogate only as a \u escape (raw, either is malformed
        # JSON, which the handler refuses): most bodies need no second decoding here
        return False
    try:
        return _holds_unstorable(msgspec.json.decode(body))
    except (msgspec.DecodeError, RecursionError):
        return False  # not JSON: the handler says so


CHECKED_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data", "application/json")


def refuse_unstorable_text(app: Any) -> Any:
    """ASGI middleware: one check, before any handler, that no text of the request (path,
    query, form or JSON body) holds a NUL or a lone surrogate. PostgreSQL refuses a NUL in
    any text, so one reaching a query (a username at sign-in, a placement code, an answer)
    would be a 500; refused here, it is a 400 in the user's language on every route at once.
    Bodies over the size limit are passed on unread, for Litestar to refuse."""

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        query = scope.get("query_string", b"")
        if b"%" in query:  # a NUL in a query is written %00
            query = unquote_to_bytes(query)
        if inputs.unstorable(path) or b"\x00" in query:
            raise e.DomainError(UNSTORABLE_TEXT)
        content_type = ""
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                content_type = value.decode("latin-1").split(";")[0].strip().lower()
        if content_type not in CHECKED_BODIES and not content_type.endswith("+json"):
            await app(scope, receive, send)
            return
        limit = scope["app"].state.settings.max_body_bytes
        messages: list[Any] = []
        size, more = 0, True
        while more and size <= limit:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        if not more and size <= limit:
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
            if _body_unstorable(content_type, body):
                raise e.DomainError(UNSTORABLE_TEXT)

        async def replay() -> Any:
            return messages.pop(0) if messages else await receive()

        await app(scope, replay, send)

    return middleware


def file_response(rendered: Rendered) -> Response[bytes]:
    """A chart, report or export; downloads get a file name. Its words and number formats
    follow the reader's language (``request_locale``: the remembered choice, a cookie, or
    the browser's ``Accept-Language``), so a browser's cached copy is kept per language."""
    headers = {"Cache-Control": "private, max-age=30", "Vary": LANGUAGE_VARY}
    if rendered.filename:
        headers["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return Response(content=rendered.content, media_type=rendered.media_type, headers=headers)
