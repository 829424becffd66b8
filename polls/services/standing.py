"""Standing placements: a poster printed once serves every wave of a unit's series.

A standing placement belongs to a series (``poll.series``: the waves "Duplicate" makes) in
one unit, not to a poll. Its code never changes. Each wave gets an ordinary placement that
points at it (``placement.standing``, one per poll), made when the standing placement is
made (for every wave not closed yet) and when a wave is duplicated, so answers are counted
per wave and placement and the disclosure layer sees nothing new. ``/p/{standing code}``
leads to the series' open wave through that placement; with two waves open at once, the
newest (highest id). Between waves it leads nowhere (``NoOpenWave``): the page says when
the next wave opens and shows what the last closed wave publishes on its own link.

Nothing here is about a worker: resolving a code writes no row (beyond, at most, the wave's
own placement, the same for everyone) and adds nothing to a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from polls import tables as t
from polls.errors import N_, Conflict, Forbidden, InvalidInput, NoOpenWave, NotFound
from polls.models import PlacementKind, Poll, PollStatus, Principal, StandingPlacement
from polls.services import placements, polls, units
from polls.services.cache import NO_POLL, FreshCache, forget_everything, forget_poll, new_cache
from polls.services.placements import FormTarget
from polls.sharing import codes

NOT_STANDING_KINDS = (PlacementKind.MEETING, PlacementKind.PAPER)
NOT_STANDING_KIND = N_("A meeting or a hand count belongs to one poll: it cannot serve every wave.")
STOPPED = N_("This poster is no longer in use. Ask your union for the current link.")


def _standing(row: dict) -> StandingPlacement:
    return StandingPlacement(
        id=row["id"],
        unit_id=row["unit"],
        unit_name=row["unit.name"],
        series=row["series"],
        code=row["code"],
        label=row["label"],
        kind=row["kind"],
        place_unit_id=row["place_unit"],
        place_unit_name=row["place_unit.name"],
        created_at=row["created_at"],
        stopped_at=polls.aware(row["stopped_at"]),
    )


def _query():
    return t.StandingPlacement.select(
        *t.StandingPlacement.all_columns(),
        t.StandingPlacement.unit.name,
        t.StandingPlacement.unit.path,
        t.StandingPlacement.place_unit.name,
    )


async def get(principal: Principal, standing_id: int) -> StandingPlacement:
    """A standing placement of a unit in the principal's subtree; others are not found."""
    row = await _query().where(t.StandingPlacement.id == standing_id).first()
    if row is None or not principal.covers(row["unit.path"]):
        raise NotFound()
    return _standing(row)


async def list_in_scope(principal: Principal) -> list[StandingPlacement]:
    """Every standing placement of the principal's subtree, the ones in use first."""
    rows = await _query().order_by(t.StandingPlacement.id)
    found = [_standing(r) for r in rows if principal.covers(r["unit.path"])]
    return sorted(found, key=lambda s: s.stopped_at is not None)


async def for_series(principal: Principal, poll_id: int) -> list[StandingPlacement]:
    """The standing placements of the poll's series and unit that are in use."""
    poll = await polls.get(principal, poll_id)
    rows = await _query().where(
        t.StandingPlacement.unit == poll.unit_id,
        t.StandingPlacement.series == poll.series,
        t.StandingPlacement.stopped_at.is_null(),
    )
    return [_standing(r) for r in rows]


async def _ensure_wave_placement(standing: StandingPlacement, poll_id: int) -> None:
    """The wave's placement for ``standing``, made once (the unique index on ``(poll,
    standing)`` keeps two processes from making two)."""
    if await t.Placement.exists().where(
        t.Placement.poll == poll_id, t.Placement.standing == standing.id
    ):
        return
    await t.Placement.raw(
        'INSERT INTO "placement" ("poll", "code", "label", "kind", "unit", "chat_id", '
        '"chat_unreachable", "opens_in", "created_at", "standing") '
        "VALUES ({}, {}, {}, {}, {}, NULL, {}, {}, {}, {}) "
        'ON CONFLICT ("poll", "standing") DO NOTHING',
        poll_id,
        await placements.free_code(),
        standing.label,
        standing.kind,
        standing.place_unit_id,
        False,
        "web",
        polls.now(),
        standing.id,
    )


async def _waves(unit_id: int, series: str) -> list[Poll]:
    rows = (
        await t.Poll.select(t.Poll.id)
        .where(t.Poll.unit == unit_id, t.Poll.series == series)
        .order_by(t.Poll.id)
    )
    return [await polls.load(r["id"]) for r in rows]


async def create(
    principal: Principal, poll_id: int, *, label: str, kind: str, unit_slug: str | None = None
) -> StandingPlacement:
    """A new standing placement for the poll's series, in every wave not closed yet."""
    poll = await polls.get_for_change(principal, poll_id)
    errors = placements._label_and_kind_errors(label, kind)
    if "kind" not in errors and kind in NOT_STANDING_KINDS:
        errors["kind"] = NOT_STANDING_KIND
    if errors:
        raise InvalidInput(errors)
    place_unit = None
    if unit_slug:
        unit = await units.unit_in_scope(principal, unit_slug)
        if not unit.path.startswith(poll.unit_path):
            raise InvalidInput({"unit": N_("The placement's unit must belong to the poll's unit.")})
        place_unit = unit.id
    row = t.StandingPlacement(
        unit=poll.unit_id,
        series=poll.series,
        code=await placements.free_code(),
        label=label.strip(),
        kind=kind,
        place_unit=place_unit,
    )
    await row.save()
    forget_everything()  # a code looked up a moment ago was no standing one
    standing = await get(principal, row.id)
    await _join_waves(standing)
    return standing


async def _join_waves(standing: StandingPlacement) -> None:
    moment = polls.now()
    for wave in await _waves(standing.unit_id, standing.series):
        if wave.effective_status(moment) != PollStatus.CLOSED:
            await _ensure_wave_placement(standing, wave.id)
            forget_poll(wave.id)


async def keep_for_every_wave(principal: Principal, placement_id: int) -> StandingPlacement:
    """Make an existing placement standing ("keep this poster for every wave"): its code,
    already printed, becomes the standing code, so that very poster leads to every later
    wave. Its own answers stay with its poll."""
    placement = await placements.get(principal, placement_id)
    poll = await polls.get_for_change(principal, placement.poll_id)
    if placement.standing_id is not None:
        raise Conflict(N_("This placement already serves every wave."))
    if placement.kind in NOT_STANDING_KINDS:
        raise InvalidInput({"kind": NOT_STANDING_KIND})
    if await t.StandingPlacement.exists().where(t.StandingPlacement.code == placement.code):
        raise Conflict(
            N_("This poster was kept for every wave once and stopped: add a new placement.")
        )
    async with t.StandingPlacement._meta.db.transaction():
        row = t.StandingPlacement(
            unit=poll.unit_id,
            series=poll.series,
            code=placement.code,
            label=placement.label,
            kind=placement.kind,
            place_unit=placement.unit_id,
        )
        await row.save()
        await t.Placement.update({t.Placement.standing: row.id}).where(
            t.Placement.id == placement.id
        )
    standing = await get(principal, row.id)
    await _join_waves(standing)
    forget_everything()  # the code leads elsewhere now
    return standing


async def stop(principal: Principal, standing_id: int) -> StandingPlacement:
    """No later wave gets it, and its code leads to no wave any more (a placement it was
    made from leads to its own poll again). Answers already given stay with their waves."""
    standing = await get(principal, standing_id)
    if not principal.can_run_polls:
        raise Forbidden(N_("Viewers can read results but not change polls."))
    if standing.stopped_at is not None:
        raise Conflict(N_("This standing placement is already stopped."))
    await t.StandingPlacement.update({t.StandingPlacement.stopped_at: polls.now()}).where(
        t.StandingPlacement.id == standing.id
    )
    forget_everything()  # the code leads elsewhere now
    return await get(principal, standing.id)


async def duplicate_wave(principal: Principal, poll_id: int) -> Poll:
    """The next wave (``polls.duplicate``), with the series' standing placements in it."""
    wave = await polls.duplicate(principal, poll_id)
    for standing in await for_series(principal, wave.id):
        await _ensure_wave_placement(standing, wave.id)
    return wave


# --- the worker's side -------------------------------------------------------------------


_targets = new_cache()


@dataclass(frozen=True)
class _Lookup:
    standing: StandingPlacement | None
    """None: the code is no standing code (the common case: a placement's own code)."""


_lookups: FreshCache[_Lookup] = new_cache()
"""Whether a code is a standing one, asked by every form page, submission and thanks page
before the placement's own (cached) lookup: kept like the rest of the form's target, and
forgotten by every change of a standing placement (``forget_everything``)."""


async def _standing_by_code(canonical: str) -> StandingPlacement | None:
    async def load() -> tuple[int, _Lookup]:
        row = await _query().where(t.StandingPlacement.code == canonical).first()
        return NO_POLL, _Lookup(None if row is None else _standing(row))

    return (await _lookups.get_or_load(canonical, load)).standing


def _open_wave(waves: list[Poll], moment: datetime) -> Poll | None:
    """The newest wave open now (two open at once: the newest)."""
    open_now = [w for w in waves if w.effective_status(moment) == PollStatus.OPEN]
    return max(open_now, key=lambda w: w.id, default=None)


async def form_target(code: str) -> FormTarget:
    """What a code leads to: a standing code in use, to its series' open wave's placement
    (or ``NoOpenWave`` between waves); a stopped standing code made from no placement, to
    ``NotFound``; any other code, to its placement (``placements.form_target``)."""
    canonical = codes.normalize(code)
    standing = await _standing_by_code(canonical) if canonical else None
    if standing is None or canonical is None:
        return await placements.form_target(code)
    if standing.stopped_at is not None:
        if await t.Placement.exists().where(t.Placement.code == canonical):
            return await placements.form_target(code)
        raise NotFound(STOPPED)

    async def load() -> tuple[int, FormTarget]:
        wave = _open_wave(await _waves(standing.unit_id, standing.series), polls.now())
        if wave is None:
            raise NoOpenWave(standing.id)
        await _ensure_wave_placement(standing, wave.id)
        row = (
            await placements._query()
            .where(t.Placement.poll == wave.id, t.Placement.standing == standing.id)
            .first()
        )
        assert row is not None  # made just above, and never deleted while the wave is open
        return wave.id, FormTarget(placements._placement(row), wave)

    return await _targets.get_or_load(canonical, load)


@dataclass(frozen=True)
class BetweenWaves:
    """What a standing code's page shows between waves."""

    standing: StandingPlacement
    next_opens_at: datetime | None
    """When the next wave opens, if a draft or scheduled wave says so."""
    last: Poll | None
    """The last closed wave, when it publishes its results on its own link."""


async def between_waves(standing_id: int) -> BetweenWaves:
    row = await _query().where(t.StandingPlacement.id == standing_id).first()
    if row is None:
        raise NotFound()
    standing = _standing(row)
    moment = polls.now()
    waves = await _waves(standing.unit_id, standing.series)
    coming = [
        w.opens_at
        for w in waves
        if w.effective_status(moment) in (PollStatus.DRAFT, PollStatus.SCHEDULED)
        and w.opens_at is not None
        and w.opens_at > moment
    ]
    closed = [w for w in waves if w.effective_status(moment) == PollStatus.CLOSED]
    last = max(closed, key=lambda w: w.id, default=None)
    return BetweenWaves(
        standing,
        min(coming, default=None),
        last if last is not None and last.publish_results else None,
    )
