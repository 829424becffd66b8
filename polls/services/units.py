"""The unit tree: reading it, adding to it, and what a principal may see of it."""

from __future__ import annotations

import re
from dataclasses import replace

from polls import inputs
from polls import tables as t
from polls.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from polls.models import Principal, Unit, UnitKind
from polls.services import audit

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
PATH_MAX = 400


def _unit(row: dict) -> Unit:
    return Unit(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        kind=row["kind"],
        parent_id=row["parent"],
        path=row["path"],
        headcount=row["headcount"],
        leaders_zalo_chat_id=row["leaders_zalo_chat_id"],
        leaders_chat_unreachable=row["leaders_chat_unreachable"],
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


async def root() -> Unit:
    """The root of the tree (the national union): the unit a bot of the whole union serves."""
    row = await t.Unit.select(t.Unit.id).where(t.Unit.parent.is_null()).order_by(t.Unit.id).first()
    if row is None:
        raise NotFound()
    return await get(row["id"])


async def subtree(root_path: str) -> list[Unit]:
    rows = await t.Unit.select().where(t.Unit.path.like(root_path + "%")).order_by(t.Unit.path)
    return [_unit(r) for r in rows]


async def all_units() -> list[Unit]:
    return [_unit(r) for r in await t.Unit.select().order_by(t.Unit.path)]


def may_change(principal: Principal, unit: Unit) -> bool:
    """Whether ``principal`` may change the unit's settings (its name, place in the tree,
    headcount and leaders' Zalo group): an admin whose subtree holds it. The same rule says
    who may read the leaders' group (``seen_by``)."""
    return principal.can_manage_people and principal.covers(unit.path)


def seen_by(principal: Principal, unit: Unit) -> Unit:
    """The unit as ``principal`` may read it: its leaders' Zalo group, and whether the bot
    was refused there, only for one who may change them (``may_change``); to anyone else
    both are None, or every officer and viewer listing units would learn, and could write
    to, the group of other units' leaders."""
    if may_change(principal, unit):
        return unit
    return replace(unit, leaders_zalo_chat_id=None, leaders_chat_unreachable=None)


async def visible_units(principal: Principal) -> list[Unit]:
    """The principal's unit and every unit below it, as they may read them (``seen_by``)."""
    return [seen_by(principal, u) for u in await subtree(principal.unit_path)]


async def read(principal: Principal, slug: str) -> Unit:
    """One unit of the principal's subtree, as they may read it (``seen_by``); any other is
    not found, so a unit outside one's scope is not confirmed to exist."""
    try:
        unit = await unit_in_scope(principal, slug)
    except InvalidInput:
        raise NotFound(N_("There is no unit %(slug)s."), slug=slug[:80]) from None
    return seen_by(principal, unit)


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


async def unit_to_change(principal: Principal, slug: str) -> Unit:
    """The unit named by ``slug``, for a change to its settings (``may_change``: an admin,
    within their subtree). One who may change no unit is refused before any look-up (so the
    refusal tells nothing of which units exist); a unit outside an admin's subtree is "no
    such unit", as a missing one (``unit_in_scope``)."""
    if not principal.can_manage_people:
        raise Forbidden()
    return await unit_in_scope(principal, slug)


async def create_unit(
    *, slug: str, name: str, kind: str, parent: Unit | None, headcount: int = 0
) -> Unit:
    errors: dict[str, str] = {}
    if not SLUG.match(slug):
        errors["slug"] = N_("Use 3-80 lowercase letters, digits and dashes.")
    try:
        _check_name(name)
    except InvalidInput as error:
        errors.update(error.errors)
    if kind not in set(UnitKind):
        errors["kind"] = N_("Unknown unit kind.")
    try:
        _check_headcount(headcount)
    except InvalidInput as error:
        errors.update(error.errors)
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
    parent = await unit_to_change(principal, parent_slug)
    async with t.Unit._meta.db.transaction():
        unit = await create_unit(parent=parent, **fields)  # type: ignore[arg-type]
        await audit.record(
            principal, "unit.create", unit=unit.id, detail=f"{unit.name} ({unit.slug})"
        )
    return unit


def _check_headcount(headcount: int) -> None:
    if headcount < 0 or headcount > 1_000_000:
        raise InvalidInput({"headcount": N_("The headcount must be between 0 and 1,000,000.")})


async def set_headcount(principal: Principal, slug: str, headcount: int) -> Unit:
    """A unit's own headcount (0: unknown, the sum of the units below it counts instead).
    It is what response rates are measured against; disclosure control does not read it."""
    unit = await unit_to_change(principal, slug)
    _check_headcount(headcount)
    if headcount != unit.headcount:
        async with t.Unit._meta.db.transaction():
            await t.Unit.update({t.Unit.headcount: headcount}).where(t.Unit.id == unit.id)
            await audit.record(
                principal,
                "unit.headcount",
                unit=unit.id,
                detail=f"{unit.headcount} → {headcount}",
            )
    return await get(unit.id)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput({"name": N_("Give a name of up to 200 characters.")})
    if inputs.control_characters(name):
        raise InvalidInput({"name": inputs.CONTROL_CHARACTERS})
    return name


async def rename(principal: Principal, slug: str, name: str) -> Unit:
    """A new name; the slug (in links and the API) stays."""
    unit = await unit_to_change(principal, slug)
    name = _check_name(name)
    if name != unit.name:
        async with t.Unit._meta.db.transaction():
            await t.Unit.update({t.Unit.name: name}).where(t.Unit.id == unit.id)
            await audit.record(
                principal, "unit.rename", unit=unit.id, detail=f"{unit.name} → {name}"
            )
    return await get(unit.id)


def _check_leaders_chat(chat_id: str) -> str | None:
    """The group id to store (None: no group), or the refusal a placement's id gets."""
    chat_id = chat_id.strip()
    if not chat_id:
        return None
    if error := inputs.zalo_chat_error(chat_id):
        raise InvalidInput({"leaders_zalo_chat_id": error})
    return chat_id


async def set_leaders_chat(principal: Principal, slug: str, chat_id: str) -> Unit:
    """The Zalo group of the unit's leaders, where ``polls box-overdue`` flags its overdue
    questions; empty removes it. A new group is taken as reachable until the bot is
    refused there."""
    unit = await unit_to_change(principal, slug)
    chosen = _check_leaders_chat(chat_id)
    if chosen != unit.leaders_zalo_chat_id:
        async with t.Unit._meta.db.transaction():
            await t.Unit.update(
                {t.Unit.leaders_zalo_chat_id: chosen, t.Unit.leaders_chat_unreachable: False}
            ).where(t.Unit.id == unit.id)
            await audit.record(
                principal,
                "unit.leaders_chat",
                unit=unit.id,
                detail=f"{unit.leaders_zalo_chat_id or '–'} → {chosen or '–'}",
            )
    return await get(unit.id)


async def mark_leaders_chat(unit_id: int, *, unreachable: bool) -> None:
    """Whether the Zalo Bot was refused in the unit's leaders' group the last time."""
    await t.Unit.update({t.Unit.leaders_chat_unreachable: unreachable}).where(t.Unit.id == unit_id)


async def _polls_left_behind(moved: Unit, new_path: str) -> bool:
    """Whether a poll of a unit outside the moved subtree has placements or answers in it
    that its unit would no longer cover: a placement must lie inside its poll's unit, and
    a poll's breakdown by unit counts only the units below it."""
    inside = moved.path + "%"
    placements = (
        await t.Placement.select(t.Placement.poll.unit.path)  # type: ignore[union-attr]
        .where(t.Placement.unit.path.like(inside))  # type: ignore[union-attr]
        .where(t.Placement.poll.unit.path.not_like(inside))  # type: ignore[union-attr]
        .distinct()
    )
    responses = (
        await t.Response.select(t.Response.poll.unit.path)  # type: ignore[union-attr]
        .where(t.Response.unit.path.like(inside))  # type: ignore[union-attr]
        .where(t.Response.poll.unit.path.not_like(inside))  # type: ignore[union-attr]
        .distinct()
    )
    paths = {row["poll.unit.path"] for row in [*placements, *responses]}
    return any(not new_path.startswith(path) for path in paths)


async def move(principal: Principal, slug: str, parent_slug: str) -> Unit:
    """Put a unit (with everything below it) under another unit of the admin's subtree.
    Refused whole: out of scope, under itself or a unit below it (a cycle), the admin's own
    unit, or a move that would take placements or answers out of their poll's unit."""
    unit = await unit_to_change(principal, slug)
    try:
        parent = await unit_in_scope(principal, parent_slug)
    except InvalidInput:
        raise InvalidInput({"parent": N_("There is no such unit.")}) from None
    if unit.id == principal.unit_id or unit.parent_id is None:
        raise Conflict(N_("You cannot move your own unit: ask an admin above you."))
    engine = t.Unit._meta.db
    async with engine.transaction():
        if engine.engine_type == "postgres":  # one move at a time, so two cannot make a cycle
            await t.Unit.raw('LOCK TABLE "unit" IN SHARE ROW EXCLUSIVE MODE')
        unit, parent = await get(unit.id), await get(parent.id)
        if parent.path.startswith(unit.path):
            raise InvalidInput(
                {"parent": N_("A unit cannot move under itself or a unit below it.")}
            )
        if parent.id == unit.parent_id:
            return unit
        new_path = f"{parent.path}{unit.id}/"
        below = await subtree(unit.path)
        if max(len(u.path) for u in below) - len(unit.path) + len(new_path) > PATH_MAX:
            raise InvalidInput({"parent": N_("The tree would be too deep there.")})
        if await _polls_left_behind(unit, new_path):
            raise Conflict(
                N_(
                    "A poll of a unit above has placements or answers in this unit: "
                    "moving it out would take them out of their poll's unit."
                )
            )
        old_parent = await get(unit.parent_id) if unit.parent_id else None
        await t.Unit.update({t.Unit.parent: parent.id}).where(t.Unit.id == unit.id)
        await t.Unit.raw(
            'UPDATE "unit" SET "path" = CAST({} AS VARCHAR) || substr("path", CAST({} AS INTEGER)) '
            'WHERE "path" LIKE {}',
            new_path,
            len(unit.path) + 1,
            unit.path + "%",
        )
        await audit.record(
            principal,
            "unit.move",
            unit=unit.id,
            from_unit=unit.parent_id,
            detail=f"{old_parent.name if old_parent else ''} → {parent.name}",
        )
    return await get(unit.id)


async def update(
    principal: Principal,
    slug: str,
    *,
    headcount: int | None = None,
    name: str | None = None,
    parent_slug: str | None = None,
    leaders_zalo_chat_id: str | None = None,
) -> Unit:
    """Several changes at once (the API's PATCH), all checked before any is made, then made
    in one transaction: a refused move leaves the new name unwritten too.
    ``leaders_zalo_chat_id``: "" removes the leaders' group."""
    unit = await unit_to_change(principal, slug)
    if headcount is not None:
        _check_headcount(headcount)
    if name is not None:
        _check_name(name)
    if leaders_zalo_chat_id is not None:
        _check_leaders_chat(leaders_zalo_chat_id)
    async with t.Unit._meta.db.transaction():
        if name is not None:
            await rename(principal, slug, name)
        if headcount is not None:
            await set_headcount(principal, slug, headcount)
        if leaders_zalo_chat_id is not None:
            await set_leaders_chat(principal, slug, leaders_zalo_chat_id)
        if parent_slug is not None:
            await move(principal, slug, parent_slug)
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
