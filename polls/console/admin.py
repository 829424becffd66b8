"""The admin's pages: the officers of their subtree (create; change role, unit and name;
reset the password; deactivate and reactivate), its units (add a child, rename, move, set
the headcount) and the audit list of what admins did there. Every page is for admins only
(``requires_admin``) and every action is scoped by the services to the admin's subtree; a
refused action re-renders its form with the reasons and writes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter

from polls.api.guards import CurrentPrincipal, provide_principal, requires_admin, requires_session
from polls.console.pages import error_text, field, flash, page, see_other, take_flash
from polls.errors import N_, Conflict, InvalidInput, NotFound
from polls.i18n import gettext
from polls.models import Principal, Role, Unit, UnitKind
from polls.services import audit, officers, units

OFFICER_FIELDS = ("username", "display_name", "unit", "role", "password")
UNIT_FIELDS = ("slug", "name", "kind", "parent", "headcount")


def _typed(form: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {name: field(form, name, 500).strip() for name in names}


def _errors(error: InvalidInput) -> dict[str, str]:
    return {key: gettext(message) for key, message in error.errors.items()}


def _headcount(text: str) -> int:
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 7 else None
    if number is None and text:
        raise InvalidInput({"headcount": N_("The headcount must be between 0 and 1,000,000.")})
    return number or 0


async def _unit_to_change(principal: Principal, slug: str) -> Unit:
    """A unit whose settings the admin may change (``units.may_change``: one of the admin's
    subtree), by the slug in the address; any other is a 404."""
    try:
        return await units.unit_to_change(principal, slug)
    except InvalidInput:
        raise NotFound(N_("There is no unit %(slug)s."), slug=slug[:80]) from None


async def _officers_page(
    request: Request,
    principal: Principal,
    *,
    typed: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    return page(
        "admin_officers.html",
        principal,
        status=status,
        officers=await officers.list_in_scope(principal),
        units=await units.visible_units(principal),
        typed=typed or {"role": Role.OFFICER.value, "unit": ""},
        errors=errors or {},
        flash=take_flash(request),
        tab="officers",
    )


async def _officer_page(
    request: Request,
    principal: Principal,
    username: str,
    *,
    typed: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
    new_password: str | None = None,
) -> Response:
    officer = await officers.get_in_scope(principal, username)
    return page(
        "admin_officer.html",
        principal,
        status=status,
        officer=officer,
        units=await units.visible_units(principal),
        typed=typed
        or {
            "display_name": officer.display_name,
            "role": officer.role.value,
            "unit": officer.unit_slug,
        },
        errors=errors or {},
        flash=take_flash(request),
        new_password=new_password,
        tab="officers",
    )


async def _units_page(
    request: Request,
    principal: Principal,
    *,
    typed: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    tree = await units.visible_units(principal)
    return page(
        "admin_units.html",
        principal,
        status=status,
        units=tree,
        rolled_up={u.id: units.rolled_up_headcount(u, tree) for u in tree},
        kinds=[kind.value for kind in UnitKind],
        typed=typed or {"kind": UnitKind.WORKSHOP.value, "parent": ""},
        errors=errors or {},
        flash=take_flash(request),
        tab="units",
    )


async def _unit_page(
    request: Request,
    principal: Principal,
    slug: str,
    *,
    typed: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    unit = await _unit_to_change(principal, slug)
    tree = await units.visible_units(principal)
    parents = [u for u in tree if not u.path.startswith(unit.path)]
    return page(
        "admin_unit.html",
        principal,
        status=status,
        unit=unit,
        parents=parents,
        parent_slug=next((u.slug for u in tree if u.id == unit.parent_id), ""),
        movable=unit.id != principal.unit_id and unit.parent_id is not None,
        rolled_up=units.rolled_up_headcount(unit, tree),
        typed=typed
        or {
            "name": unit.name,
            "headcount": str(unit.headcount),
            "leaders_zalo_chat_id": unit.leaders_zalo_chat_id or "",
        },
        errors=errors or {},
        flash=take_flash(request),
        tab="units",
    )


class AdminPages(Controller):
    path = "/console/admin"
    include_in_schema = False
    guards = [requires_session, requires_admin]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/officers")
    async def officer_list(self, request: Request, principal: CurrentPrincipal) -> Response:
        return await _officers_page(request, principal)

    @post("/officers")
    async def create_officer(self, request: Request, principal: CurrentPrincipal) -> Response:
        typed = _typed(await request.form(), OFFICER_FIELDS)
        try:
            created = await officers.create(
                principal,
                typed["username"],
                typed["password"],
                unit_slug=typed["unit"],
                role=typed["role"],
                display_name=typed["display_name"],
            )
        except InvalidInput as error:
            kept = {**typed, "password": ""}
            return await _officers_page(
                request, principal, typed=kept, errors=_errors(error), status=422
            )
        except Conflict as error:
            kept = {**typed, "password": ""}
            errors = {"username": error_text(error)}
            return await _officers_page(request, principal, typed=kept, errors=errors, status=409)
        flash(
            request,
            "ok",
            gettext("The officer %(username)s was created.", username=created.username),
        )
        return see_other(f"/console/admin/officers/{created.username}")

    @get("/officers/{username:str}")
    async def officer(
        self, request: Request, principal: CurrentPrincipal, username: FromPath[str]
    ) -> Response:
        return await _officer_page(request, principal, username)

    @post("/officers/{username:str}")
    async def change_officer(
        self, request: Request, principal: CurrentPrincipal, username: FromPath[str]
    ) -> Response:
        target = await officers.get_in_scope(principal, username)
        typed = _typed(await request.form(), ("display_name", "role", "unit"))
        try:
            await officers.change(
                principal,
                target.username,
                role=typed["role"] or None,
                unit_slug=typed["unit"] or None,
                display_name=typed["display_name"],
            )
        except InvalidInput as error:
            return await _officer_page(
                request, principal, target.username, typed=typed, errors=_errors(error), status=422
            )
        except Conflict as error:
            errors = {"form": error_text(error)}
            return await _officer_page(
                request, principal, target.username, typed=typed, errors=errors, status=409
            )
        flash(request, "ok", gettext("Saved. The change applies from the officer's next page."))
        return see_other(f"/console/admin/officers/{target.username}")

    @post("/officers/{username:str}/password")
    async def reset_password(
        self, request: Request, principal: CurrentPrincipal, username: FromPath[str]
    ) -> Response:
        """Answers with the page itself (never a redirect): the new password is shown in this
        one answer, marked no-store, and kept nowhere else."""
        target = await officers.get_in_scope(principal, username)
        form = await request.form()
        chosen = field(form, "password", 500) if field(form, "how", 20) == "choose" else None
        try:
            if chosen is not None and chosen != field(form, "repeat_password", 500):
                raise InvalidInput({"password": N_("The two new passwords differ.")})
            password = await officers.reset_password(principal, target.username, chosen)
        except InvalidInput as error:
            errors = {"reset": " ".join(_errors(error).values())}
            return await _officer_page(
                request, principal, target.username, errors=errors, status=422
            )
        except Conflict as error:
            errors = {"reset": error_text(error)}
            return await _officer_page(
                request, principal, target.username, errors=errors, status=409
            )
        return await _officer_page(
            request, principal, target.username, new_password=password if chosen is None else ""
        )

    @post("/officers/{username:str}/deactivate")
    async def deactivate(
        self, request: Request, principal: CurrentPrincipal, username: FromPath[str]
    ) -> Response:
        target = await officers.get_in_scope(principal, username)
        try:
            await officers.deactivate(principal, target.username)
        except Conflict as error:
            flash(request, "error", error_text(error))
        else:
            flash(
                request,
                "ok",
                gettext(
                    "%(username)s is deactivated: signed out everywhere, API tokens ended.",
                    username=target.username,
                ),
            )
        return see_other(f"/console/admin/officers/{target.username}")

    @post("/officers/{username:str}/reactivate")
    async def reactivate(
        self, request: Request, principal: CurrentPrincipal, username: FromPath[str]
    ) -> Response:
        target = await officers.reactivate(principal, username)
        flash(request, "ok", gettext("%(username)s can sign in again.", username=target.username))
        return see_other(f"/console/admin/officers/{target.username}")

    @get("/units")
    async def unit_list(self, request: Request, principal: CurrentPrincipal) -> Response:
        return await _units_page(request, principal)

    @post("/units")
    async def add_unit(self, request: Request, principal: CurrentPrincipal) -> Response:
        typed = _typed(await request.form(), UNIT_FIELDS)
        try:
            unit = await units.create_child(
                principal,
                parent_slug=typed["parent"],
                slug=typed["slug"],
                name=typed["name"],
                kind=typed["kind"],
                headcount=_headcount(typed["headcount"]),
            )
        except InvalidInput as error:
            return await _units_page(
                request, principal, typed=typed, errors=_errors(error), status=422
            )
        except Conflict as error:
            errors = {"slug": error_text(error)}
            return await _units_page(request, principal, typed=typed, errors=errors, status=409)
        flash(request, "ok", gettext("The unit %(name)s was added.", name=unit.name))
        return see_other("/console/admin/units")

    @get("/units/{slug:str}")
    async def unit(
        self, request: Request, principal: CurrentPrincipal, slug: FromPath[str]
    ) -> Response:
        return await _unit_page(request, principal, slug)

    @post("/units/{slug:str}")
    async def change_unit(
        self, request: Request, principal: CurrentPrincipal, slug: FromPath[str]
    ) -> Response:
        """Name, place in the tree, headcount and the leaders' Zalo group from one form,
        written together or not at all (``units.update``)."""
        unit = await _unit_to_change(principal, slug)
        form = await request.form()
        typed = _typed(form, ("name", "parent", "headcount", "leaders_zalo_chat_id"))
        try:
            await units.update(
                principal,
                unit.slug,
                name=typed["name"],
                headcount=_headcount(typed["headcount"]),
                parent_slug=typed["parent"] or None,
                leaders_zalo_chat_id=typed["leaders_zalo_chat_id"],
            )
        except InvalidInput as error:
            return await _unit_page(
                request, principal, unit.slug, typed=typed, errors=_errors(error), status=422
            )
        except Conflict as error:
            errors = {"form": error_text(error)}
            return await _unit_page(
                request, principal, unit.slug, typed=typed, errors=errors, status=409
            )
        flash(request, "ok", gettext("Saved."))
        return see_other(f"/console/admin/units/{unit.slug}")

    @get("/audit")
    async def audit_list(
        self,
        principal: CurrentPrincipal,
        page_number: Annotated[str | None, QueryParameter(name="page")] = None,
    ) -> Response:
        entries = await audit.entries_for(principal, audit.page_number(page_number))
        return page("admin_audit.html", principal, audit=entries, tab="audit")
