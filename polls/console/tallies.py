"""Paper tallies in the console (``polls.services.tallies``): the form an officer fills in
with the counts of a show of hands or of paper ballots, for a placement of kind ``paper``."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide

from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_session,
)
from polls.console.pages import flash, page, see_other
from polls.errors import InvalidInput
from polls.i18n import gettext
from polls.models import Principal
from polls.services import tallies
from polls.services.polls import now


async def _sheet_page(
    principal: Principal,
    placement_id: int,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    sheet = await tallies.sheet(principal, placement_id)
    return page(
        "tally.html",
        principal,
        status=status,
        sheet=sheet,
        typed=typed or {},
        errors={key: gettext(message) for key, message in (errors or {}).items()},
    )


class TallyPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session, requires_runner]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/placements/{placement_id:str}/tally")
    async def show(self, principal: CurrentPrincipal, placement_id: RowId) -> Response:
        return await _sheet_page(principal, placement_id)

    @post("/placements/{placement_id:str}/tally")
    async def enter(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        form = dict(await request.form())
        try:
            entered = await tallies.enter(principal, placement_id, form, now=now())
        except InvalidInput as error:
            typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "_csrf_token"}
            return await _sheet_page(
                principal, placement_id, typed=typed, errors=error.errors, status=422
            )
        sheet = await tallies.sheet(principal, placement_id)
        flash(
            request,
            "ok",
            gettext("The counts of %(place)s are entered.", place=entered.placement_label),
        )
        return see_other(f"/console/polls/{sheet.poll.id}#placements")
