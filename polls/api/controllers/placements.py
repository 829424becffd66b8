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
from polls.services import placements, units
from polls.web import settings_of


async def _slugs(principal: CurrentPrincipal) -> dict[int, str]:
    return {u.id: u.slug for u in await units.visible_units(principal)}


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
        )
        return presenters.placement(
            placement, settings_of(request).base_url, await _slugs(principal)
        )

    @get("/api/v1/polls/{poll_id:str}/placements")
    async def list_for_poll(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> list[PlacementRead]:
        slugs = await _slugs(principal)
        base = settings_of(request).base_url
        return [
            presenters.placement(p, base, slugs)
            for p in await placements.list_for_poll(principal, poll_id)
        ]

    @get("/api/v1/placements/{placement_id:str}")
    async def show(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> PlacementRead:
        placement = await placements.get(principal, placement_id)
        return presenters.placement(
            placement, settings_of(request).base_url, await _slugs(principal)
        )

    @patch("/api/v1/placements/{placement_id:str}", guards=[requires_runner])
    async def change(
        self,
        request: Request,
        principal: CurrentPrincipal,
        placement_id: RowId,
        data: JSONBody[PlacementUpdate],
    ) -> PlacementRead:
        """Rename a placement or change its kind; its code, link and QR stay."""
        current = await placements.get(principal, placement_id)
        placement = await placements.change(
            principal,
            placement_id,
            label=current.label if data.label is msgspec.UNSET else data.label,
            kind=current.kind if data.kind is msgspec.UNSET else data.kind,
        )
        return presenters.placement(
            placement, settings_of(request).base_url, await _slugs(principal)
        )

    @delete("/api/v1/placements/{placement_id:str}", guards=[requires_runner], status_code=204)
    async def delete(self, principal: CurrentPrincipal, placement_id: RowId) -> None:
        """Delete a placement of a draft; once the poll has been open, placements stay."""
        await placements.delete(principal, placement_id)
