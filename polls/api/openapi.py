"""The error answers each API route can give, declared in the OpenAPI document.

Every error body has one shape (``ErrorRead``) and comes from one place (``polls/web.py``).
Which errors a route can give follows from what it is: any route can meet a malformed
request or an unreachable database; a route behind a token can refuse, or not find what
lies outside the caller's subtree; only a submission can be rate limited, find a closed
poll, or a device that has answered.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi import ResponseSpec

from polls.api.guards import requires_token
from polls.api.schemas import ErrorRead

ANY_ROUTE = {
    400: "The request is malformed (not JSON, not UTF-8, too deeply nested)",
    415: "The content type is not accepted",
    422: "Some fields need correcting; `errors` names them",
    503: "The database or a messenger is briefly unreachable, or a messenger is not set up",
}
WITH_A_BODY = {413: "The request body is too large"}
BEHIND_A_TOKEN = {
    401: "No API token, or not a valid one",
    403: "The token's role may not do this",
    404: "Not found, or outside the caller's unit subtree",
    409: "The request clashes with the current state (e.g. a poll without placements)",
}
CHANGES = {409: "The change clashes with the poll's state"}
SUBMISSION = {
    401: "Messenger credentials refused (Telegram launch data, a Zalo Mini App token)",
    403: "Posted from another site's page (Origin, Sec-Fetch-Site or Referer)",
    404: "No poll behind this code",
    409: "This device or account has answered the poll already",
    410: "The poll is not open (draft, not yet open, or closed)",
    428: "No device token of a page this server served: the body's `device_token` (also "
    "the `X-Polls-Device` header and the cookie) is one; send the answers again with it",
    429: "Too many submissions; see Retry-After",
}

BOX = {404: "No question box behind this unit"}

TELEGRAM_SEND = {
    429: "Telegram's sending limits for the chat are reached; see Retry-After",
    503: "Telegram is not set up on this server, or the database is briefly unreachable",
}


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorRead, description=description)


def declare_error_responses(app: Litestar) -> None:
    for route in app.routes:
        if not route.path.startswith(("/api/", "/webhooks/")):
            continue
        for handler in getattr(route, "route_handlers", ()):
            methods = set(getattr(handler, "http_methods", ()))
            codes = dict(ANY_ROUTE)
            if methods & {"POST", "PATCH", "PUT"}:
                codes |= WITH_A_BODY | CHANGES
            if requires_token in handler.resolve_guards():
                codes |= BEHIND_A_TOKEN
            if route.path.endswith(("/publish", "/share-results")):
                codes |= TELEGRAM_SEND
            if route.path.startswith("/api/v1/box/") and "{slug" in route.path:
                codes |= BOX
            if route.path.startswith("/api/v1/forms/"):
                codes |= SUBMISSION if "POST" in methods else {404: SUBMISSION[404]}
            declared = dict(handler.responses or {})
            handler.responses = {
                **{status: _spec(text) for status, text in codes.items()},
                **declared,
            }
