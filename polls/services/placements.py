"""Placements: where a poll is shared, each with its own short code and counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from piccolo.query.functions.aggregate import Count, Sum

from polls import db, privacy
from polls import tables as t
from polls.db import WriteSteps
from polls.errors import N_, Conflict, InvalidInput, NotFound
from polls.i18n import TIMEZONE
from polls.models import Placement, PlacementKind, Poll, PollStatus, Principal
from polls.services import polls, units
from polls.services.cache import FreshCache, new_cache
from polls.sharing import codes

COUNT_VISIT = (
    'INSERT INTO "placement_visit" ("placement", "day", "opens") VALUES ({}, {}, 1) '
    'ON CONFLICT ("placement", "day") DO UPDATE SET "opens" = "placement_visit"."opens" + 1'
)


def _placement(row: dict, visits: int = 0, responses: int | None = 0) -> Placement:
    return Placement(
        id=row["id"],
        poll_id=row["poll"],
        code=row["code"],
        label=row["label"],
        kind=row["kind"],
        unit_id=row["unit"],
        unit_name=row["unit.name"],
        chat_id=row["chat_id"],
        visits=visits,
        responses=responses,
    )


def _query():
    return t.Placement.select(*t.Placement.all_columns(), t.Placement.unit.name)


async def add(
    principal: Principal,
    poll_id: int,
    *,
    label: str,
    kind: str,
    unit_slug: str | None = None,
    chat_id: str | None = None,
) -> Placement:
    poll = await polls.get_for_change(principal, poll_id)
    if poll.effective_status(polls.now()) == PollStatus.CLOSED:
        raise Conflict(N_("A closed poll takes no new placements."))
    errors: dict[str, str] = {}
    if not label.strip() or len(label) > 200:
        errors["label"] = N_("Give a label of up to 200 characters.")
    if kind not in set(PlacementKind):
        errors["kind"] = N_("Unknown placement kind.")
    if errors:
        raise InvalidInput(errors)
    unit_id = None
    if unit_slug:
        unit = await units.unit_in_scope(principal, unit_slug)
        if not unit.path.startswith(poll.unit_path):
            raise InvalidInput({"unit": N_("The placement's unit must belong to the poll's unit.")})
        unit_id = unit.id
    for _ in range(10):
        code = codes.new_code()
        if not await t.Placement.exists().where(t.Placement.code == code):
            break
    row = t.Placement(
        poll=poll.id, code=code, label=label.strip(), kind=kind, unit=unit_id, chat_id=chat_id
    )
    await row.save()
    return await get(principal, row.id)


async def get(principal: Principal, placement_id: int) -> Placement:
    row = await _query().where(t.Placement.id == placement_id).first()
    if row is None:
        raise NotFound()
    await polls.get(principal, row["poll"])
    return _placement(row)


async def by_code(code: str) -> Placement:
    canonical = codes.normalize(code)
    row = await _query().where(t.Placement.code == canonical).first() if canonical else None
    if row is None:
        raise NotFound(N_("This link does not lead to a poll. Check the code and try again."))
    return _placement(row)


async def list_for_poll(principal: Principal, poll_id: int) -> list[Placement]:
    poll = await polls.get(principal, poll_id)
    rows = await _query().where(t.Placement.poll == poll.id).order_by(t.Placement.id)
    visit_rows = (
        await t.PlacementVisit.select(
            t.PlacementVisit.placement, Sum(t.PlacementVisit.opens).as_alias("n")
        )
        .where(t.PlacementVisit.placement.poll == poll.id)
        .group_by(t.PlacementVisit.placement)
    )
    response_rows = (
        await t.Response.select(t.Response.placement, Count(t.Response.id).as_alias("n"))
        .where(t.Response.poll == poll.id)
        .group_by(t.Response.placement)
    )
    visits = {r["placement"]: r["n"] for r in visit_rows}
    responses = {r["placement"]: r["n"] for r in response_rows}
    # Respondents per placement are a breakdown like any other: small groups stay hidden,
    # by the same decision the results make for ``by=placement``.
    counts = [(r["id"], responses.get(r["id"], 0)) for r in rows]
    if None in responses:
        counts.append((None, responses[None]))
    decision = privacy.suppress(counts, poll.min_group_size)
    return [
        _placement(
            r,
            visits.get(r["id"], 0),
            responses.get(r["id"], 0) if decision.is_shown(r["id"]) else None,
        )
        for r in rows
    ]


async def record_visit(placement_id: int, today: date | None = None) -> None:
    """Count one opening of a placement's link for today: a counter, nothing about who."""
    day = today or polls.now().astimezone(TIMEZONE).date()

    def count() -> WriteSteps[None]:
        yield (COUNT_VISIT, [placement_id, day])

    # through the same group commit as responses: a page view costs no fsync of its own
    await db.write(t.PlacementVisit._meta.db, count)


@dataclass(frozen=True)
class FormTarget:
    """A placement and its poll, as the worker's form and the submission path need them."""

    placement: Placement
    poll: Poll


_targets: FreshCache[FormTarget] = new_cache()


async def form_target(code: str) -> FormTarget:
    """The placement named by ``code`` and its poll, fresh within ``cache.FRESH_FOR``."""
    canonical = codes.normalize(code) or code.strip().upper()
    cached = _targets.get(canonical)
    if cached is not None:
        return cached
    placement = await by_code(code)
    target = FormTarget(placement, await polls.load(placement.poll_id))
    _targets.put(placement.code, placement.poll_id, target)
    return target
