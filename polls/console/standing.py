"""The console's standing placements: a poster printed once for every wave of a series
(``services.standing``), made new, kept from an existing placement, or stopped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Controller, Request, Response, post
from litestar.di import Provide

from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_session,
)
from polls.console.pages import error_text, flash, see_other
from polls.errors import DomainError
from polls.i18n import gettext
from polls.models import StandingPlacement
from polls.services import placements, standing


def _text(form: dict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _flash_outcome(
    request: Request,
    action: Awaitable[StandingPlacement],
    said: Callable[[StandingPlacement], str],
) -> None:
    """Carry out a standing placement's action and flash how it went (``said`` of the
    placement, or the refusal); a 404 stays a 404."""
    try:
        done = await action
    except DomainError as error:
        if error.status_code == 404:
            raise
        flash(request, "error", error_text(error), key="standing")
    else:
        flash(request, "ok", said(done), key="standing")


def _made(made: StandingPlacement) -> str:
    return gettext("%(place)s now has one poster for every wave.", place=made.label)


def _stopped(stopped: StandingPlacement) -> str:
    return gettext(
        "%(place)s is stopped: no later wave gets it, and its poster leads nowhere.",
        place=stopped.label,
    )


class StandingPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session, requires_runner]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/polls/{poll_id:str}/standing")
    async def create(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        form = dict(await request.form())
        await _flash_outcome(
            request,
            standing.create(
                principal,
                poll_id,
                label=_text(form, "label"),
                kind=_text(form, "kind"),
                unit_slug=_text(form, "unit") or None,
            ),
            _made,
        )
        return see_other(f"/console/polls/{poll_id}#standing")

    @post("/placements/{placement_id:str}/standing")
    async def keep(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        placement = await placements.get(principal, placement_id)
        await _flash_outcome(request, standing.keep_for_every_wave(principal, placement_id), _made)
        return see_other(f"/console/polls/{placement.poll_id}#standing")

    @post("/standing/{standing_id:str}/stop")
    async def stop(
        self, request: Request, principal: CurrentPrincipal, standing_id: RowId
    ) -> Response:
        form = await request.form()
        back = form.get("poll")
        await _flash_outcome(request, standing.stop(principal, standing_id), _stopped)
        poll = back if isinstance(back, str) and back.isdigit() else None
        return see_other(f"/console/polls/{poll}#standing" if poll else "/console")
