"""Who may call what. Authentication guards put a ``Principal`` on the connection; role
guards read it. The role rules themselves are ``Principal`` properties, shared with the
services (which also check the unit subtree, since that needs the data)."""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import PathParameter

from polls import inputs
from polls.errors import N_, Forbidden, NotFound, Unauthorized
from polls.models import Principal
from polls.services import accounts, question_box

BEARER = "bearer "


async def requires_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    header = connection.headers.get("authorization", "")
    if not header.lower().startswith(BEARER):
        raise Unauthorized(N_("Send an API token: Authorization: Bearer <token>."))
    principal = await accounts.principal_for_token(header[len(BEARER) :].strip())
    if principal is None:
        raise Unauthorized(N_("The API token is not valid."))
    connection.state.principal = principal


SEEN_EVERY = 60
"""Seconds between refreshes of a session's last-seen time, from which its idle limit counts."""


def new_session(signed: accounts.SignedIn) -> dict[str, int]:
    """What the session cookie holds after signing in: who, the officer's session version,
    when it was issued and last seen (epoch seconds)."""
    moment = int(accounts.now().timestamp())
    return {
        "officer_id": signed.principal.officer_id,
        "sv": signed.session_version,
        "iat": moment,
        "seen": moment,
    }


async def session_principal(connection: ASGIConnection) -> Principal | None:
    """The officer of this request's session cookie, if it is still valid: of the officer's
    current session version, within its lifetime and not idle too long. A session that is
    no longer valid is cleared; a valid one has its last-seen time refreshed."""
    session = connection.scope.get("session") or {}
    if not isinstance(session, dict):
        return None
    fields = [session.get(name) for name in ("officer_id", "sv", "iat", "seen")]
    numbers = [value for value in fields if isinstance(value, int) and not isinstance(value, bool)]
    if len(numbers) != len(fields):
        return None
    officer_id, version, issued, seen = numbers
    settings = connection.app.state.settings
    at = int(accounts.now().timestamp())
    expired = accounts.session_expired(
        issued=issued,
        seen=seen,
        at=at,
        max_age=settings.session_max_age,
        idle=settings.session_idle_seconds,
    )
    principal = None if expired else await accounts.principal_for_session(officer_id, version)
    if principal is None:
        connection.clear_session()
        return None
    if at - seen >= SEEN_EVERY:
        connection.set_session({**session, "seen": at})
    return principal


async def requires_session(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    principal = await session_principal(connection)
    if principal is None:
        raise Unauthorized()
    connection.state.principal = principal


def _principal(connection: ASGIConnection) -> Principal:
    principal = getattr(connection.state, "principal", None)
    if principal is None:
        raise Unauthorized()
    return principal


async def requires_runner(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Officers and admins run polls; viewers only read."""
    if not _principal(connection).can_run_polls:
        raise Forbidden(N_("Viewers can read results but not change polls."))


async def requires_box_runner(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The question box's actions: officers and admins answer, viewers only read; refused
    in the box's own words (not the polls')."""
    if not _principal(connection).can_run_polls:
        raise Forbidden(question_box.VIEWERS_READ_ONLY)


async def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not _principal(connection).can_manage_people:
        raise Forbidden(N_("Only an admin can manage units and officers."))


async def provide_principal(request: Request) -> Principal:
    return _principal(request)


CurrentPrincipal = NamedDependency[Principal]
"""Handler parameter type for the principal a guard authenticated."""


SERIAL_MAX = 2_147_483_647
"""Polls, placements and tokens have SERIAL ids (32-bit on PostgreSQL): a larger number in a
query would be a database error, so it is refused before."""


class PathId(int):
    """A row id read from a path by ``polls.inputs.row_id`` (``decode_path_id``).

    Routes declare ``{poll_id:str}``: Litestar's own ``:int`` takes whatever Python's ``int()``
    does (``"٣"`` is poll 3, ``"1_0"`` poll 10), answers 404 for what it refuses and 400 for a
    number over the range; here every id that cannot be a row's is the same 404."""


def decode_path_id(_: type, value: object) -> PathId:
    number = inputs.row_id(value)
    if number is None or number > SERIAL_MAX:
        # no row has such an id: the page is not found, as for an id that is not there
        raise NotFound(N_("This page does not exist."))
    return PathId(number)


TYPE_DECODERS = [(lambda kind: kind is PathId, decode_path_id)]
"""For ``Litestar(type_decoders=...)``: how a ``RowId`` parameter is read."""

RowId = Annotated[
    PathId,
    PathParameter(schema_extra={"type": "integer", "minimum": 1, "maximum": SERIAL_MAX}),
]
"""A path id: a positive 32-bit integer in plain ASCII digits; anything else is a 404."""
