"""Placements: where a poll is shared, each with its own short link."""

from __future__ import annotations

from litestar import Controller, Request, get, patch, post
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
from polls.api.schemas import PlacementCreate, PlacementRead, PlacementUpdate
from polls.models import Placement
from polls.services import placements, units
from polls.web import settings_of


async def _read(request: Request, principal: CurrentPrincipal, p: Placement) -> PlacementRead:
    settings = settings_of(request)
    slugs = {u.id: u.slug for u in await units.visible_units(principal)}
    return presenters.placement(p, settings.base_url, slugs, settings.zalo_mini_app_id)


class PlacementController(Controller):
    tags = ["placements"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/api/v1/polls/{poll_id:str}/placements", guards=[requires_runner], status_code=201)
    async def add(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        data: JSONBody[PlacementCreate],
    ) -> PlacementRead:
        placement = await placements.add(
            principal,
            poll_id,
            label=data.label,
            kind=data.kind,
            unit_slug=data.unit,
            chat_id=data.chat_id,
            opens_in=data.opens_in,
            mini_app_id=settings_of(request).zalo_mini_app_id,
        )
        return await _read(request, principal, placement)

    @get("/api/v1/polls/{poll_id:str}/placements")
    async def list_for_poll(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> list[PlacementRead]:
        settings = settings_of(request)
        slugs = {u.id: u.slug for u in await units.visible_units(principal)}
        return [
            presenters.placement(p, settings.base_url, slugs, settings.zalo_mini_app_id)
            for p in await placements.list_for_poll(principal, poll_id)
        ]

    @get("/api/v1/placements/{placement_id:str}")
    async def show(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> PlacementRead:
        return await _read(request, principal, await placements.get(principal, placement_id))

    @patch("/api/v1/placements/{placement_id:str}", guards=[requires_runner])
    async def update(
        self,
        request: Request,
        principal: CurrentPrincipal,
        placement_id: RowId,
        data: JSONBody[PlacementUpdate],
    ) -> PlacementRead:
        """Choose which app the placement's QR code, poster and link open (``opens_in``)."""
        placement = await placements.choose_opens_in(
            principal, placement_id, data.opens_in, settings_of(request).zalo_mini_app_id
        )
        return await _read(request, principal, placement)
