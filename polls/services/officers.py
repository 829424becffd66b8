"""An admin's actions on the officers of their subtree: list, create, change role, unit or
name, reset the password, deactivate and reactivate. Each one is checked against the admin's
subtree (an officer elsewhere is simply not found), written together with its audit entry
(``polls.services.audit``) in one transaction, and refused whole when any part is wrong.

Two rules keep an admin from harming the tree or themselves: nobody is given a role above
the admin's own, and an admin cannot change their own role or unit, reset their own password
here (that takes the current one: **Change password**) or deactivate themselves, so a subtree
is never left without the admin who could undo a mistake. A password reset and a deactivation
end every session and API token of the officer at once (``accounts.end_sessions``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from polls import inputs
from polls import tables as t
from polls.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from polls.models import Principal, Role
from polls.services import accounts, audit, units

RANK = {Role.VIEWER: 0, Role.OFFICER: 1, Role.ADMIN: 2}
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet)
"""Generated passwords: no 0/o, 1/l/i to misread when it is read out over the phone."""


@dataclass(frozen=True)
class Officer:
    """An officer as their admin sees them (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    unit_id: int
    unit_slug: str
    unit_name: str
    unit_path: str
    active: bool
    created_at: datetime


def _officer(row: dict[str, Any]) -> Officer:
    created = row["created_at"]
    return Officer(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        unit_id=row["unit"],
        unit_slug=row["unit.slug"],
        unit_name=row["unit.name"],
        unit_path=row["unit.path"],
        active=bool(row["active"]),
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
    )


def _query() -> Any:
    return t.Officer.select(
        t.Officer.id,
        t.Officer.username,
        t.Officer.display_name,
        t.Officer.role,
        t.Officer.unit,
        t.Officer.unit.slug,
        t.Officer.unit.name,
        t.Officer.unit.path,
        t.Officer.active,
        t.Officer.created_at,
    )


def _check_admin(actor: Principal) -> None:
    if not actor.can_manage_people:
        raise Forbidden(N_("Only an admin can manage units and officers."))


async def list_in_scope(actor: Principal, *, include_inactive: bool = True) -> list[Officer]:
    """The officers of the admin's subtree, by username; deactivated ones too unless told."""
    _check_admin(actor)
    query = _query().where(t.Officer.unit.path.like(actor.unit_path + "%"))
    if not include_inactive:
        query = query.where(t.Officer.active == True)  # noqa: E712
    return [_officer(row) for row in await query.order_by(t.Officer.username)]


async def get_in_scope(actor: Principal, username: str) -> Officer:
    """One officer of the admin's subtree; any other (or none) is not found alike."""
    _check_admin(actor)
    name = username.strip().lower()
    row = await _query().where(t.Officer.username == name).first() if len(name) <= 80 else None
    if row is None or not actor.covers(row["unit.path"]):
        raise NotFound(N_("There is no officer %(username)s."), username=username[:80])
    return _officer(row)


def _check_role(actor: Principal, role: str) -> Role:
    if role not in set(Role):
        raise InvalidInput({"role": N_("The role is admin, officer or viewer.")})
    chosen = Role(role)
    if RANK[chosen] > RANK[actor.role]:
        raise InvalidInput({"role": N_("You cannot give a role above your own.")})
    return chosen


async def create(
    actor: Principal,
    username: str,
    password: str,
    *,
    unit_slug: str,
    role: str,
    display_name: str = "",
) -> Principal:
    _check_admin(actor)
    await units.unit_in_scope(actor, unit_slug)
    if role in set(Role):
        _check_role(actor, role)
    return await accounts.create_officer(
        username, password, unit_slug=unit_slug, role=role, display_name=display_name, actor=actor
    )


async def change(
    actor: Principal,
    username: str,
    *,
    role: str | None = None,
    unit_slug: str | None = None,
    display_name: str | None = None,
) -> Officer:
    """Change what is given (and differs); each change is one audit entry. The new role and
    unit apply from the officer's next request (every request reads them afresh)."""
    target = await get_in_scope(actor, username)
    errors: dict[str, str] = {}
    changes: dict[Any, Any] = {}
    entries: list[tuple[str, str, int | None]] = []
    new_role = None
    if role is not None:
        try:
            new_role = _check_role(actor, role)
        except InvalidInput as error:
            errors.update(error.errors)
    new_unit = None
    if unit_slug is not None:
        try:
            new_unit = await units.unit_in_scope(actor, unit_slug)
        except InvalidInput as error:
            errors.update(error.errors)
    if display_name is not None:
        display_name = display_name.strip()
        if inputs.control_characters(display_name) or len(display_name) > 200:
            errors["display_name"] = N_(
                "Use at most 200 characters for the name, with no control characters."
            )
    if errors:
        raise InvalidInput(errors)
    moves_self = (new_role is not None and new_role != target.role) or (
        new_unit is not None and new_unit.id != target.unit_id
    )
    if target.id == actor.officer_id and moves_self:
        raise Conflict(
            N_("You cannot change your own role or unit: ask an admin above you to do it.")
        )
    if new_role is not None and new_role != target.role:
        changes[t.Officer.role] = new_role.value
        entries.append(("officer.role", f"{target.role.value} → {new_role.value}", None))
    if new_unit is not None and new_unit.id != target.unit_id:
        changes[t.Officer.unit] = new_unit.id
        entries.append(("officer.unit", f"{target.unit_name} → {new_unit.name}", target.unit_id))
    if display_name is not None and display_name != target.display_name:
        changes[t.Officer.display_name] = display_name
        entries.append(("officer.name", f"{target.display_name} → {display_name}", None))
    if changes:
        unit_after = new_unit.id if new_unit is not None else target.unit_id
        async with t.Officer._meta.db.transaction():
            await t.Officer.update(changes).where(t.Officer.id == target.id)
            for action, detail, from_unit in entries:
                await audit.record(
                    actor,
                    action,
                    officer=(target.id, target.username),
                    unit=unit_after,
                    from_unit=from_unit,
                    detail=detail,
                )
    return await get_in_scope(actor, target.username)


def generate_password() -> str:
    """Four groups of four letters and digits (about 79 bits), easy to read out and type."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))


async def reset_password(actor: Principal, username: str, password: str | None = None) -> str:
    """Give the officer a new password: ``password`` when the admin chose one (it must meet
    the password rules), a generated one otherwise; every session and token of the officer
    ends. Returns the new password, to be shown once and never stored or logged."""
    target = await get_in_scope(actor, username)
    if target.id == actor.officer_id:
        raise Conflict(
            N_("Change your own password with Change password: it needs the current one.")
        )
    generated = password is None
    new = generate_password() if password is None else password
    accounts.check_new_password(new)
    encoded = await accounts.hashed(new)
    async with t.Officer._meta.db.transaction():
        await accounts.end_sessions(target.id, {t.Officer.password_hash: encoded})
        await audit.record(
            actor,
            "officer.password_reset",
            officer=(target.id, target.username),
            unit=target.unit_id,
            detail="generated" if generated else "chosen",
        )
    return new


async def deactivate(actor: Principal, username: str) -> Officer:
    """The officer can no longer sign in; their sessions and API tokens end at once."""
    target = await get_in_scope(actor, username)
    if target.id == actor.officer_id:
        raise Conflict(N_("You cannot deactivate your own account."))
    if target.active:
        async with t.Officer._meta.db.transaction():
            await accounts.end_sessions(target.id, {t.Officer.active: False})
            await audit.record(
                actor,
                "officer.deactivate",
                officer=(target.id, target.username),
                unit=target.unit_id,
            )
    return await get_in_scope(actor, target.username)


async def reactivate(actor: Principal, username: str) -> Officer:
    """The officer may sign in again with their password; sessions and tokens that ended
    stay ended (a new token must be issued)."""
    target = await get_in_scope(actor, username)
    if not target.active:
        async with t.Officer._meta.db.transaction():
            await accounts.end_sessions(target.id, {t.Officer.active: True})
            await audit.record(
                actor,
                "officer.reactivate",
                officer=(target.id, target.username),
                unit=target.unit_id,
            )
    return await get_in_scope(actor, target.username)
