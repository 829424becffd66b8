"""The unit tree, the officers in it, and the audit list of what admins did to both."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import UNSET

from polls.api import presenters
from polls.api.guards import CurrentPrincipal, provide_principal, requires_admin, requires_token
from polls.api.schemas import (
    AuditPageRead,
    OfficerCreate,
    OfficerRead,
    OfficerUpdate,
    PasswordReset,
    PasswordResetRead,
    TokenRead,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)
from polls.services import accounts, audit, officers, units


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

    @get("/{slug:str}")
    async def read(self, principal: CurrentPrincipal, slug: FromPath[str]) -> UnitRead:
        """One unit of the caller's subtree (404 for any other). Its leaders' Zalo group
        only to an admin whose subtree holds it, as in the list."""
        return presenters.unit(await units.read(principal, slug), await _slugs())

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
        """Rename, move (``parent``: a unit of the admin's subtree, never below this one) or
        set the headcount or the Zalo group of the unit's leaders (``leaders_zalo_chat_id``,
        "" to remove); each change is logged in the audit list."""
        unit = await units.update(
            principal,
            slug,
            headcount=None if data.headcount is UNSET else data.headcount,
            name=None if data.name is UNSET else data.name,
            parent_slug=None if data.parent is UNSET else data.parent,
            leaders_zalo_chat_id=None
            if data.leaders_zalo_chat_id is UNSET
            else data.leaders_zalo_chat_id,
        )
        return presenters.unit(unit, await _slugs())


class OfficerController(Controller):
    path = "/api/v1/officers"
    tags = ["officers"]
    guards = [requires_token, requires_admin]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_officers(self, principal: CurrentPrincipal) -> list[OfficerRead]:
        slugs = await _slugs()
        return [
            presenters.officer(o, slugs)
            for o in await officers.list_in_scope(principal, include_inactive=False)
        ]

    @post("/")
    async def create(
        self, principal: CurrentPrincipal, data: JSONBody[OfficerCreate]
    ) -> OfficerRead:
        officer = await officers.create(
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

    @patch("/{username:str}")
    async def update(
        self, principal: CurrentPrincipal, username: FromPath[str], data: JSONBody[OfficerUpdate]
    ) -> OfficerRead:
        """Change the role (never above the admin's own), the unit (in the admin's subtree) or
        the name; not one's own role or unit."""
        changed = await officers.change(
            principal,
            username,
            role=None if data.role is UNSET else data.role,
            unit_slug=None if data.unit is UNSET else data.unit,
            display_name=None if data.display_name is UNSET else data.display_name,
        )
        return presenters.officer(changed, await _slugs())

    @post("/{username:str}/password", status_code=200)
    async def reset_password(
        self, principal: CurrentPrincipal, username: FromPath[str], data: JSONBody[PasswordReset]
    ) -> PasswordResetRead:
        """A new password (generated unless given); every session and token of the officer
        ends. The answer holds the password this once."""
        chosen = None if data.password is UNSET else data.password
        password = await officers.reset_password(principal, username, chosen)
        return PasswordResetRead(username=username.strip().lower(), password=password)

    @post("/{username:str}/deactivate", status_code=204)
    async def deactivate(self, principal: CurrentPrincipal, username: FromPath[str]) -> None:
        """The officer can no longer sign in; their sessions and tokens end at once."""
        await officers.deactivate(principal, username)

    @post("/{username:str}/reactivate", status_code=204)
    async def reactivate(self, principal: CurrentPrincipal, username: FromPath[str]) -> None:
        """The officer may sign in again; sessions and tokens that ended stay ended."""
        await officers.reactivate(principal, username)


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["officers"]
    guards = [requires_token, requires_admin]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_entries(
        self,
        principal: CurrentPrincipal,
        page: FromQuery[str] = "1",
    ) -> AuditPageRead:
        """The admins' actions on officers and units of the caller's subtree, newest first,
        50 a page. Officers and units only: no worker data, never a password."""
        return presenters.audit_page(await audit.entries_for(principal, audit.page_number(page)))
