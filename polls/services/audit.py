"""The admins' audit list: every action an admin takes on an officer or a unit, recorded in
the same transaction as the action (so a refused or failed action leaves no entry, and an
action never happens unrecorded), and read back for the admin's subtree, newest first, a
page at a time.

What an entry may hold is fixed here: an action from ``ACTIONS``, the officer and unit it
touched, and a short detail made by the services (role names, unit names, headcounts).
Nothing about a worker, an answer or an address ever reaches it, and no password: a reset
records that it happened and whether the password was generated, never the password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from polls import inputs
from polls import tables as t
from polls.errors import N_, Forbidden, InvalidInput
from polls.models import Principal

ACTIONS = (
    "officer.create",
    "officer.role",
    "officer.unit",
    "officer.name",
    "officer.password_reset",
    "officer.deactivate",
    "officer.reactivate",
    "unit.create",
    "unit.rename",
    "unit.move",
    "unit.headcount",
    "unit.leaders_chat",
)
PAGE_SIZE = 50
PAGE_MAX = 100_000
DETAIL_MAX = 300


def now() -> datetime:
    """The audit's clock (tests move it instead of sleeping)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Entry:
    """One line of the audit list, as an admin reads it."""

    id: int
    at: datetime
    actor: str
    """The admin's username, or empty for the server's command line."""
    action: str
    officer: str
    unit: str
    """The unit's name as it is now (the entry follows the unit)."""
    from_unit: str
    detail: str


@dataclass(frozen=True)
class Page:
    entries: tuple[Entry, ...]
    page: int
    pages: int
    total: int


async def record(
    actor: Principal | None,
    action: str,
    *,
    officer: tuple[int, str] | None = None,
    unit: int | None = None,
    from_unit: int | None = None,
    detail: str = "",
) -> None:
    """Write one entry; call it inside the action's own transaction. ``officer`` is the
    target's id and username."""
    assert action in ACTIONS, action
    await t.AuditEntry.insert(
        t.AuditEntry(
            at=now(),
            actor=actor.officer_id if actor else None,
            actor_name=actor.username if actor else "",
            action=action,
            officer=officer[0] if officer else None,
            officer_name=officer[1] if officer else "",
            unit=unit,
            from_unit=from_unit,
            detail=detail[:DETAIL_MAX],
        )
    )


def page_number(text: str | None) -> int:
    """A page number typed in a query (plain ASCII digits, 1 to 100,000); none: the first."""
    if text is None or text == "":
        return 1
    number = inputs.decimal(text)
    if number is None or not 1 <= number <= PAGE_MAX:
        raise InvalidInput({"page": N_("The page is a whole number from 1.")})
    return number


def _in_subtree(path: str) -> Any:
    return t.AuditEntry.unit.path.like(path + "%") | t.AuditEntry.from_unit.path.like(path + "%")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def entries_for(actor: Principal, page: int = 1, size: int = PAGE_SIZE) -> Page:
    """The entries filed under the admin's subtree (either side of a move), newest first."""
    if not actor.can_manage_people:
        raise Forbidden()
    total = await t.AuditEntry.count().where(_in_subtree(actor.unit_path))
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = (
        await t.AuditEntry.select(
            t.AuditEntry.id,
            t.AuditEntry.at,
            t.AuditEntry.actor_name,
            t.AuditEntry.action,
            t.AuditEntry.officer_name,
            t.AuditEntry.unit.name,
            t.AuditEntry.from_unit.name,
            t.AuditEntry.detail,
        )
        .where(_in_subtree(actor.unit_path))
        .order_by(t.AuditEntry.id, ascending=False)
        .limit(size)
        .offset((page - 1) * size)
    )
    entries = tuple(
        Entry(
            id=row["id"],
            at=_aware(row["at"]),
            actor=row["actor_name"],
            action=row["action"],
            officer=row["officer_name"],
            unit=row["unit.name"] or "",
            from_unit=row["from_unit.name"] or "",
            detail=row["detail"],
        )
        for row in rows
    )
    return Page(entries, page, pages, total)
