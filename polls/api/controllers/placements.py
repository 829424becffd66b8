"""Placements: where a poll is shared, each with its own short link."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, delete, get, patch, post
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
        """Rename a placement, change its kind, or choose which app its QR code, poster
        and link open (``opens_in``); its code, link and QR stay."""
        placement = await placements.get(principal, placement_id)
        if data.label is not msgspec.UNSET or data.kind is not msgspec.UNSET:
            placement = await placements.change(
                principal,
                placement_id,
                label=placement.label if data.label is msgspec.UNSET else data.label,
                kind=placement.kind if data.kind is msgspec.UNSET else data.kind,
            )
        if data.opens_in is not msgspec.UNSET:
            placement = await placements.choose_opens_in(
                principal, placement_id, data.opens_in, settings_of(request).zalo_mini_app_id
            )
        return await _read(request, principal, placement)

    @delete("/api/v1/placements/{placement_id:str}", guards=[requires_runner], status_code=204)
    async def delete(self, principal: CurrentPrincipal, placement_id: RowId) -> None:
        """Delete a placement of a draft; once the poll has been open, placements stay."""
        await placements.delete(principal, placement_id)
