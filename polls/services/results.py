"""Results: a poll's latest release (``services.releases``) laid out per breakdown, decided by
``disclosure.protect`` and counted by ``analytics.tally``. Nothing here reads live answers
for display; only the per-response export, made after the poll closed, reads rows."""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from polls import disclosure
from polls import tables as t
from polls.analytics.exports import ResponseRow
from polls.analytics.tally import PollResults, SegmentCounts, build_results
from polls.errors import N_, InvalidInput
from polls.i18n import get_locale, gettext
from polls.models import Channel, PlacementKind, Poll, Principal
from polls.services import polls, releases, units
from polls.services.cache import FreshCache, new_cache

Breakdown = Literal["placement", "unit", "channel"]
BREAKDOWNS: tuple[str, ...] = ("placement", "unit", "channel")


UNIT, PLACEMENT, CHANNEL = disclosure.UNIT, disclosure.PLACEMENT, disclosure.CHANNEL
WEIGHTS = (2, 4, 1)
"""What keeping each breakdown whole is worth when ``disclosure.protect`` must merge a small
group (by position of a cell in an atom: unit, placement, channel): a placement first, so a
merge rather costs a channel than a placement, then a unit."""
_DIMENSION = {"unit": UNIT, "placement": PLACEMENT, "channel": CHANNEL}


async def _segment_labels(
    poll: Poll, by: str, keys: set
) -> tuple[list[tuple[str, object, str]], dict]:
    """Segments as (key, stored values it covers, label), in display order."""
    if by == "placement":
        rows = (
            await t.Placement.select(t.Placement.id, t.Placement.label)
            .where(t.Placement.poll == poll.id)
            .order_by(t.Placement.id)
        )
        segments = [(str(r["id"]), r["id"], r["label"]) for r in rows]
        if None in keys:
            segments.append(("none", None, gettext("Without a placement")))
        return segments, {}
    if by == "channel":
        labels = {
            Channel.WEB: gettext("Web"),
            Channel.TELEGRAM: "Telegram",
            Channel.ZALO: "Zalo",
            Channel.PAPER: gettext("Counted by hand"),
        }
        # every channel, answered through or not: a missing row would say "none came by it";
        # counted by hand only where the poll has a paper tally's placement (that is known)
        paper = await t.Placement.exists().where(
            t.Placement.poll == poll.id, t.Placement.kind == PlacementKind.PAPER.value
        )
        channels = [c for c in Channel if c != Channel.PAPER or paper]
        return [(str(c), str(c), labels[c]) for c in channels], {}
    # by unit: the poll's unit itself, then each child rolled up with its whole subtree
    root = await units.get(poll.unit_id)
    tree = await units.subtree(root.path)
    children = [u for u in tree if u.parent_id == root.id]
    mapping: dict = {}
    for unit in tree:
        owner = next((c for c in children if unit.path.startswith(c.path)), root)
        mapping[unit.id] = owner.id
    segments = [(str(root.id), root.id, gettext("%(unit)s (directly)", unit=root.name))]
    segments += [(str(c.id), c.id, c.name) for c in children]
    return segments, mapping


async def results(principal: Principal, poll_id: int, by: str | None = None) -> PollResults:
    poll = await polls.get(principal, poll_id)
    return await results_for(poll, by)


_counted: FreshCache[PollResults] = new_cache(size=128, fresh_for=math.inf)


async def state_key(poll: Poll) -> str:
    """What counted and rendered results depend on: the poll, its version, its latest
    release (made first if one is due) and the locale. Caches add what else they depend on
    (breakdown, format...). It changes only with a new release, never with one answer."""
    release = await releases.current(poll)
    return "|".join(map(str, (poll.id, poll.version, release.seq, get_locale())))


async def results_for(poll: Poll, by: str | None, *, state: str | None = None) -> PollResults:
    """The poll's released results, counted once per release: kept in this process keyed by
    the poll and its version, the release, the breakdown and the locale (labels), the way
    rendered charts are. Everyone asking for the same state at once waits on one count.
    ``state`` is ``state_key(poll)`` when the caller read it."""
    if by is not None and by not in BREAKDOWNS:
        raise InvalidInput({"by": N_("Break down by placement, unit or channel.")})
    key = f"{state or await state_key(poll)}|{by}"

    async def count_them() -> tuple[int, PollResults]:
        return poll.id, await _count(poll, by)

    return await _counted.get_or_load(key, count_them)


@dataclass(frozen=True)
class Released:
    """A release laid out for disclosure control: its atoms as ``disclosure`` sees them (one
    cell key per breakdown), the counts behind each, and the cells of each breakdown."""

    release: releases.Release
    atoms: tuple[disclosure.Atom, ...]
    counts: tuple[releases.AtomCounts | None, ...]
    """None for a structural atom of 0: a placement or channel nobody answered from."""
    segments: dict[str, list[tuple[str, str]]]
    """Breakdown -> (cell key, label) of each of its cells, in display order."""
    protection: disclosure.Protection


async def released(poll: Poll) -> Released:
    """The poll's latest release, and what ``disclosure.protect`` lets each breakdown show."""
    release = await releases.current(poll)
    stored_placements = {a.placement for a in release.atoms}
    definitions = {
        by: await _segment_labels(poll, by, stored_placements if by == "placement" else set())
        for by in BREAKDOWNS
    }
    placement_keys = {stored: key for key, stored, _ in definitions["placement"][0]}
    _, owners = definitions["unit"]
    placement_units = {
        r["id"]: owners.get(r["unit"] or poll.unit_id, poll.unit_id)
        for r in await t.Placement.select(t.Placement.id, t.Placement.unit).where(
            t.Placement.poll == poll.id
        )
    }
    atoms: list[disclosure.Atom] = []
    counts: list[releases.AtomCounts | None] = []
    for atom in release.atoms:
        unit = str(owners.get(atom.unit, poll.unit_id))
        placement = placement_keys.get(atom.placement, "none")
        cells = (unit, placement, str(atom.channel))
        atoms.append(disclosure.Atom(cells, atom.responses))
        counts.append(atom)
    if atoms:
        atoms = disclosure.with_empty_cells(
            atoms,
            {placement_keys[p]: str(u) for p, u in placement_units.items()},
            [key for key, _, _ in definitions["channel"][0]],  # a hand count only if any
        )
        counts += [None] * (len(atoms) - len(counts))
    protection = await _protect(poll, atoms)
    segments = {
        by: [(key, label) for key, _, label in definition[0]]
        for by, definition in definitions.items()
    }
    listed = {by: {key for key, _ in cells} for by, cells in segments.items()}
    for by, dimension in _DIMENSION.items():
        for cell in (a.cells[dimension] for a in atoms):
            if cell not in listed[by]:  # still counted, say, a channel unknown to this version
                segments[by].append((cell, cell))
                listed[by].add(cell)
    return Released(release, tuple(atoms), tuple(counts), segments, protection)


_protections: FreshCache[disclosure.Protection] = new_cache(size=256, fresh_for=math.inf)


async def _protect(poll: Poll, atoms: list[disclosure.Atom]) -> disclosure.Protection:
    """``disclosure.protect`` once per set of atoms and k, kept in this process, and off the
    event loop (it tries several partitions: a tenth of a second or more for 20 placements
    on 3 channels)."""
    layout = repr((poll.min_group_size, WEIGHTS, atoms)).encode()
    key = f"{poll.id}:{hashlib.sha256(layout).hexdigest()}"
    found = _protections.get(key)
    if found is None:
        found = await asyncio.to_thread(disclosure.protect, atoms, poll.min_group_size, WEIGHTS)
        _protections.put(key, poll.id, found)
    return found


def _segment_counts(key: str, label: str, members: list[releases.AtomCounts]) -> SegmentCounts:
    counts: dict[int, dict[tuple[int | None, int | None], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    answered: dict[int, int] = defaultdict(int)
    for atom in members:
        for q, by_value in atom.counts.items():
            for value, n in by_value.items():
                counts[q][value] += n
        for q, n in atom.answered.items():
            answered[q] += n
    return SegmentCounts(
        key,
        label,
        sum(a.responses for a in members),
        counts,
        answered,
        frozenset(atom_key(a) for a in members if a.responses),
    )


def atom_key(atom: releases.AtomCounts) -> tuple[int | None, int | None, str]:
    """An atom as stored (placement, unit, channel): what a group's noise is keyed by."""
    return (atom.placement, atom.unit, str(atom.channel))


async def _count(poll: Poll, by: str | None) -> PollResults:
    laid_out = await released(poll)
    release = laid_out.release
    stored = [c for c in laid_out.counts if c is not None]
    overall = _segment_counts("all", "", stored)
    segments: list[SegmentCounts] = []
    shown: frozenset[str] = frozenset()
    if by is not None:
        dimension = _DIMENSION[by]
        members: dict[str, list[releases.AtomCounts]] = defaultdict(list)
        for atom, counts in zip(laid_out.atoms, laid_out.counts, strict=True):
            if counts is not None:
                members[atom.cells[dimension]].append(counts)
        segments = [
            _segment_counts(key, label, members.get(key, []))
            for key, label in laid_out.segments[by]
        ]
        shown = laid_out.protection.released[dimension]
    return build_results(
        poll,
        overall,
        release.texts,
        salt=release.salt,
        breakdown_by=by,
        segments=segments,
        released=shown,
        other_label=gettext("Hidden groups together"),
    )


async def results_state(poll: Poll) -> tuple[int, int]:
    """What released results depend on: (the released total, the release's number). It
    changes only with a new release (made first if one is due), never with one answer."""
    release = await releases.current(poll)
    return release.respondents, release.seq


async def responses_per_hour(poll: Poll) -> dict[datetime, int]:
    """New respondents per release, by the hour the release was made: a timeline moves in
    release steps and tells nothing of when any one person answered."""
    await releases.current(poll)
    return await releases.history(poll.id)


async def response_rows(poll: Poll) -> list[ResponseRow]:
    """Every response of the poll with its answers, segments labelled as the breakdowns label
    them (a unit rolled up to the poll unit's child). The response id is only a join key
    here; it never leaves this function."""
    responses = await t.Response.select(
        t.Response.id,
        t.Response.placement,
        t.Response.unit,
        t.Response.channel,
        t.Response.submitted_hour,
    ).where(t.Response.poll == poll.id)
    answers: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for row in await t.Answer.raw(
        'SELECT a."response" AS r, a."question" AS q, a."option" AS o, a."value_int" AS v, '
        'a."value_text" AS x FROM "answer" a JOIN "response" r ON r."id" = a."response" '
        'WHERE r."poll" = {}',
        poll.id,
    ):
        answers[row["r"]][row["q"]].append((row["o"], row["v"], row["x"]))
    labels: dict[str, dict] = {}
    placement_keys = {r["placement"] for r in responses}
    channel_keys = {r["channel"] for r in responses}
    for by, keys in (("placement", placement_keys), ("channel", channel_keys)):
        defined, _ = await _segment_labels(poll, by, keys)
        labels[by] = {stored: label for _, stored, label in defined}
    unit_defined, mapping = await _segment_labels(poll, "unit", set())
    unit_labels = {stored: label for _, stored, label in unit_defined}
    rows = []
    for r in responses:
        hour = r["submitted_hour"]
        if isinstance(hour, str):
            hour = datetime.fromisoformat(hour)
        owner = mapping.get(r["unit"], poll.unit_id)
        rows.append(
            ResponseRow(
                segments={
                    "placement": labels["placement"].get(r["placement"], ""),
                    "unit": unit_labels.get(owner, ""),
                    "channel": labels["channel"].get(r["channel"], str(r["channel"])),
                },
                submitted_hour=hour if hour.tzinfo else hour.replace(tzinfo=UTC),
                answers=dict(answers.get(r["id"], {})),
            )
        )
    return rows
