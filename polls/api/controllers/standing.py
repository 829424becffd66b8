"""Standing placements: one poster for every wave of a poll's series (``services.standing``)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import JSONBody

from polls.api import presenters
from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_token,
)
from polls.api.schemas import StandingPlacementCreate, StandingPlacementRead
from polls.models import StandingPlacement
from polls.services import standing, units
from polls.web import settings_of


async def _read(
    request: Request, principal: CurrentPrincipal, found: list[StandingPlacement]
) -> list[StandingPlacementRead]:
    slugs = {u.id: u.slug for u in await units.visible_units(principal)}
    base_url = settings_of(request).base_url
    return [presenters.standing_placement(p, base_url, slugs) for p in found]


class StandingPlacementController(Controller):
    tags = ["placements"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/api/v1/standing-placements")
    async def list_in_scope(
        self, request: Request, principal: CurrentPrincipal
    ) -> list[StandingPlacementRead]:
        """Every standing placement of the units in your scope, the ones in use first."""
        return await _read(request, principal, await standing.list_in_scope(principal))

    @post(
        "/api/v1/polls/{poll_id:str}/standing-placements",
        guards=[requires_runner],
        status_code=201,
    )
    async def create(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        data: JSONBody[StandingPlacementCreate],
    ) -> StandingPlacementRead:
        """A placement for every wave of the poll's series: its code, QR code and poster
        stay the same and lead to the series' open wave; each wave not closed yet gets its
        own placement for it, and so does every wave "duplicate" makes."""
        made = await standing.create(
            principal, poll_id, label=data.label, kind=data.kind, unit_slug=data.unit
        )
        return (await _read(request, principal, [made]))[0]

    @post(
        "/api/v1/placements/{placement_id:str}/standing",
        guards=[requires_runner],
        status_code=201,
    )
    async def keep_for_every_wave(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> StandingPlacementRead:
        """Keep this placement's poster for every wave: its code becomes the standing code."""
        made = await standing.keep_for_every_wave(principal, placement_id)
        return (await _read(request, principal, [made]))[0]

    @post(
        "/api/v1/standing-placements/{standing_id:str}/stop",
        guards=[requires_runner],
        status_code=200,
    )
    async def stop(
        self, request: Request, principal: CurrentPrincipal, standing_id: RowId
    ) -> StandingPlacementRead:
        """No later wave gets it and its code leads to no wave; answers given stay."""
        stopped = await standing.stop(principal, standing_id)
        return (await _read(request, principal, [stopped]))[0]
