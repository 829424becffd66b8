"""The unit tree: reading it, adding to it, and what a principal may see of it."""

from __future__ import annotations

import re

from polls import inputs
from polls import tables as t
from polls.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from polls.models import Principal, Unit, UnitKind

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")


def _unit(row: dict) -> Unit:
    return Unit(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        kind=row["kind"],
        parent_id=row["parent"],
        path=row["path"],
        headcount=row["headcount"],
    )


async def get_by_slug(slug: str) -> Unit:
    row = await t.Unit.select().where(t.Unit.slug == slug).first()
    if row is None:
        raise NotFound(N_("There is no unit %(slug)s."), slug=slug)
    return _unit(row)


async def get(unit_id: int) -> Unit:
    row = await t.Unit.select().where(t.Unit.id == unit_id).first()
    if row is None:
        raise NotFound()
    return _unit(row)


async def subtree(root_path: str) -> list[Unit]:
    rows = await t.Unit.select().where(t.Unit.path.like(root_path + "%")).order_by(t.Unit.path)
    return [_unit(r) for r in rows]


async def all_units() -> list[Unit]:
    return [_unit(r) for r in await t.Unit.select().order_by(t.Unit.path)]


async def visible_units(principal: Principal) -> list[Unit]:
    return await subtree(principal.unit_path)


async def unit_in_scope(principal: Principal, slug: str) -> Unit:
    """The unit named by ``slug`` if the principal's subtree holds it (404 otherwise, so a
    unit outside one's scope is not confirmed to exist)."""
    try:
        unit = await get_by_slug(slug)
    except NotFound:
        raise InvalidInput({"unit": N_("There is no such unit.")}) from None
    if not principal.covers(unit.path):
        raise InvalidInput({"unit": N_("There is no such unit.")})
    return unit


async def create_unit(
    *, slug: str, name: str, kind: str, parent: Unit | None, headcount: int = 0
) -> Unit:
    errors: dict[str, str] = {}
    if not SLUG.match(slug):
        errors["slug"] = N_("Use 3-80 lowercase letters, digits and dashes.")
    if not name.strip() or len(name) > 200:
        errors["name"] = N_("Give a name of up to 200 characters.")
    elif inputs.control_characters(name):
        errors["name"] = inputs.CONTROL_CHARACTERS
    if kind not in set(UnitKind):
        errors["kind"] = N_("Unknown unit kind.")
    if headcount < 0 or headcount > 1_000_000:
        errors["headcount"] = N_("The headcount must be between 0 and 1,000,000.")
    if errors:
        raise InvalidInput(errors)
    if await t.Unit.exists().where(t.Unit.slug == slug):
        raise Conflict(N_("A unit with this slug exists already."))
    async with t.Unit._meta.db.transaction():
        row = t.Unit(
            slug=slug,
            name=name.strip(),
            kind=kind,
            parent=parent.id if parent else None,
            headcount=headcount,
            path="",
        )
        await row.save()
        path = f"{parent.path if parent else '/'}{row.id}/"
        await t.Unit.update({t.Unit.path: path}).where(t.Unit.id == row.id)
    return await get(row.id)


async def create_child(principal: Principal, *, parent_slug: str, **fields: object) -> Unit:
    if not principal.can_manage_people:
        raise Forbidden()
    parent = await unit_in_scope(principal, parent_slug)
    return await create_unit(parent=parent, **fields)  # type: ignore[arg-type]


async def set_headcount(principal: Principal, slug: str, headcount: int) -> Unit:
    if not principal.can_manage_people:
        raise Forbidden()
    unit = await unit_in_scope(principal, slug)
    if headcount < 0 or headcount > 1_000_000:
        raise InvalidInput({"headcount": N_("The headcount must be between 0 and 1,000,000.")})
    await t.Unit.update({t.Unit.headcount: headcount}).where(t.Unit.id == unit.id)
    return await get(unit.id)


async def subtree_headcount(unit: Unit) -> int:
    """Headcount of a unit: its own figure, or the sum of its children when it has none."""
    units = await subtree(unit.path)
    return rolled_up_headcount(unit, units)


def rolled_up_headcount(root: Unit, units: list[Unit]) -> int:
    children = [u for u in units if u.parent_id == root.id]
    if root.headcount or not children:
        return root.headcount
    return sum(rolled_up_headcount(child, units) for child in children)
