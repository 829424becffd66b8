"""The unit tree and the officers in it."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from polls.api import presenters
from polls.api.guards import CurrentPrincipal, provide_principal, requires_admin, requires_token
from polls.api.schemas import (
    OfficerCreate,
    OfficerRead,
    TokenRead,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)
from polls.services import accounts, units


async def _slugs() -> dict[int, str]:
    return {u.id: u.slug for u in await units.all_units()}


class UnitController(Controller):
    path = "/api/v1/units"
    tags = ["units"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_units(self, principal: CurrentPrincipal) -> list[UnitRead]:
        """The caller's unit and everything below it."""
        visible = await units.visible_units(principal)
        slugs = await _slugs()
        return [presenters.unit(u, slugs) for u in visible]

    @post("/", guards=[requires_admin])
    async def create(self, principal: CurrentPrincipal, data: JSONBody[UnitCreate]) -> UnitRead:
        unit = await units.create_child(
            principal,
            parent_slug=data.parent,
            slug=data.slug,
            name=data.name,
            kind=data.kind,
            headcount=data.headcount,
        )
        return presenters.unit(unit, await _slugs())

    @patch("/{slug:str}", guards=[requires_admin])
    async def update(
        self, principal: CurrentPrincipal, slug: FromPath[str], data: JSONBody[UnitUpdate]
    ) -> UnitRead:
        unit = await units.set_headcount(principal, slug, data.headcount)
        return presenters.unit(unit, await _slugs())


class OfficerController(Controller):
    path = "/api/v1/officers"
    tags = ["officers"]
    guards = [requires_token, requires_admin]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_officers(self, principal: CurrentPrincipal) -> list[OfficerRead]:
        slugs = await _slugs()
        return [presenters.officer(o, slugs) for o in await accounts.officers_in_scope(principal)]

    @post("/")
    async def create(
        self, principal: CurrentPrincipal, data: JSONBody[OfficerCreate]
    ) -> OfficerRead:
        officer = await accounts.create_officer_as(
            principal,
            data.username,
            data.password,
            unit_slug=data.unit,
            role=data.role,
            display_name=data.display_name,
        )
        return presenters.officer(officer, await _slugs())

    @get("/{username:str}/tokens")
    async def list_tokens(
        self, principal: CurrentPrincipal, username: FromPath[str]
    ) -> list[TokenRead]:
        """The API tokens of an officer of the admin's subtree."""
        at = accounts.now()
        infos = await accounts.tokens_for(principal, username)
        return [presenters.token(i, at) for i in infos]

    @post("/{username:str}/deactivate", status_code=204)
    async def deactivate(self, principal: CurrentPrincipal, username: FromPath[str]) -> None:
        """The officer can no longer sign in; their sessions and tokens end at once."""
        await accounts.deactivate_as(principal, username)
