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

from polls.errors import N_, Forbidden, Unauthorized
from polls.models import Principal
from polls.services import accounts

BEARER = "bearer "


async def requires_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    header = connection.headers.get("authorization", "")
    if not header.lower().startswith(BEARER):
        raise Unauthorized(N_("Send an API token: Authorization: Bearer <token>."))
    principal = await accounts.principal_for_token(header[len(BEARER) :].strip())
    if principal is None:
        raise Unauthorized(N_("The API token is not valid."))
    connection.state.principal = principal


async def requires_session(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    session = connection.scope.get("session") or {}
    officer_id = session.get("officer_id") if isinstance(session, dict) else None
    principal = await accounts.principal_by_id(officer_id) if isinstance(officer_id, int) else None
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


async def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not _principal(connection).can_manage_people:
        raise Forbidden(N_("Only an admin can manage units and officers."))


async def provide_principal(request: Request) -> Principal:
    return _principal(request)


CurrentPrincipal = NamedDependency[Principal]
"""Handler parameter type for the principal a guard authenticated."""


RowId = Annotated[int, PathParameter(ge=1, le=2_147_483_647)]
"""A path id: a positive 32-bit integer, so a huge number is a 400, not a database error."""
