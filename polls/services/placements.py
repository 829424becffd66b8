"""Placements: where a poll is shared, each with its own short code and counters."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from polls import db, disclosure, inputs
from polls import tables as t
from polls.db import WriteSteps
from polls.errors import N_, Conflict, InvalidInput, NotFound
from polls.i18n import TIMEZONE
from polls.models import OpensIn, Placement, PlacementKind, Poll, PollStatus, Principal
from polls.services import polls, results, units
from polls.services.cache import FreshCache, forget_poll, new_cache
from polls.sharing import codes

TELEGRAM_CHAT = re.compile(r"-[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")
"""A group's or channel's id (negative) or a channel's @username. A positive id is a person:
the bot never writes to one on an officer's say-so, and no person's id is kept."""
TELEGRAM_CHAT_ERROR = N_(
    "A Telegram chat is a group's or channel's number (it starts with a minus, e.g. "
    "-1001234567890) or a channel's @username; the bot does not write to a person's chat."
)


def telegram_chat_error(chat_id: str) -> str | None:
    """Why ``chat_id`` cannot be a chat we publish or share to, or None when it can."""
    return None if TELEGRAM_CHAT.fullmatch(chat_id) else TELEGRAM_CHAT_ERROR


PAPER_TAKES_NO_ANSWERS = N_(
    "This code belongs to counts entered by hand at a meeting; it takes no answers."
)

zalo_chat_error = inputs.zalo_chat_error


COUNT_VISITS = (
    'INSERT INTO "placement_visit" ("placement", "day", "opens") VALUES ({}, {}, {}) '
    'ON CONFLICT ("placement", "day") DO UPDATE '
    'SET "opens" = "placement_visit"."opens" + "excluded"."opens"'
)


def _placement(row: dict, visits: int | None = 0, responses: int | None = 0) -> Placement:
    standing = row["standing"] is not None and row["standing.stopped_at"] is None
    return Placement(
        id=row["id"],
        poll_id=row["poll"],
        code=row["standing.code"] if standing else row["code"],
        own_code=row["code"] if standing else None,
        standing_id=row["standing"] if standing else None,
        label=row["label"],
        kind=row["kind"],
        unit_id=row["unit"],
        unit_name=row["unit.name"],
        chat_id=row["chat_id"],
        chat_unreachable=bool(row["chat_unreachable"]),
        opens_in=row["opens_in"],
        visits=visits,
        responses=responses,
    )


OPENS_IN_ERROR = N_("A placement opens in the web form or in the Zalo Mini App.")
NO_MINI_APP = N_("This server has no Zalo Mini App yet: the placement opens in the web form.")


def _opens_in_error(opens_in: str, mini_app_id: str) -> str | None:
    if opens_in not in set(OpensIn):
        return OPENS_IN_ERROR
    if opens_in == OpensIn.ZALO_MINI_APP and not mini_app_id:
        return NO_MINI_APP
    return None


def _query():
    return t.Placement.select(
        *t.Placement.all_columns(),
        t.Placement.unit.name,
        t.Placement.standing.code,
        t.Placement.standing.stopped_at,
    )


async def add(
    principal: Principal,
    poll_id: int,
    *,
    label: str,
    kind: str,
    unit_slug: str | None = None,
    chat_id: str | None = None,
    opens_in: str = OpensIn.WEB.value,
    mini_app_id: str = "",
) -> Placement:
    """A new placement of the poll; ``opens_in`` the Zalo Mini App only on a server that has
    one (``mini_app_id``, from ``ZALO_MINI_APP_ID``)."""
    poll = await polls.get_for_change(principal, poll_id)
    if poll.effective_status(polls.now()) == PollStatus.CLOSED:
        raise Conflict(N_("A closed poll takes no new placements."))
    errors = _label_and_kind_errors(label, kind)
    if chat_id is not None and kind == PlacementKind.TELEGRAM:
        chat_id = chat_id.strip()
        if error := telegram_chat_error(chat_id):
            errors["chat_id"] = error
    elif chat_id is not None and kind == PlacementKind.ZALO:
        chat_id = chat_id.strip() or None
        if chat_id is not None and (error := zalo_chat_error(chat_id)):
            errors["chat_id"] = error
    if error := _opens_in_error(opens_in, mini_app_id):
        errors["opens_in"] = error
    if errors:
        raise InvalidInput(errors)
    unit_id = None
    if unit_slug:
        unit = await units.unit_in_scope(principal, unit_slug)
        if not unit.path.startswith(poll.unit_path):
            raise InvalidInput({"unit": N_("The placement's unit must belong to the poll's unit.")})
        unit_id = unit.id
    row = t.Placement(
        poll=poll.id,
        code=await free_code(),
        label=label.strip(),
        kind=kind,
        unit=unit_id,
        chat_id=chat_id,
        opens_in=opens_in,
    )
    await row.save()
    return await get(principal, row.id)


def _label_and_kind_errors(label: str, kind: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not label.strip() or len(label) > 200:
        errors["label"] = N_("Give a label of up to 200 characters.")
    elif inputs.control_characters(label):
        errors["label"] = inputs.CONTROL_CHARACTERS
    if kind not in set(PlacementKind):
        errors["kind"] = N_("Unknown placement kind.")
    return errors


async def change(principal: Principal, placement_id: int, *, label: str, kind: str) -> Placement:
    """A placement's label and kind (its code, link and QR stay: printed posters still
    work). A new kind forgets the Telegram or Zalo chat the bot posted to; a rename keeps it.
    A hand count stays one, and nothing else becomes one: its figures were entered, not
    answered, and the other way round a link's answers would sit beside a tally."""
    placement = await get(principal, placement_id)
    await polls.get_for_change(principal, placement.poll_id)
    errors = _label_and_kind_errors(label, kind)
    if kind != placement.kind and PlacementKind.PAPER in (kind, placement.kind):
        errors["kind"] = N_(
            "A placement counted by hand cannot change kind, nor another become one: "
            "add a new placement instead."
        )
    if errors:
        raise InvalidInput(errors)
    await t.Placement.update(
        {
            t.Placement.label: label.strip(),
            t.Placement.kind: kind,
            t.Placement.chat_id: placement.chat_id if kind == placement.kind else None,
        }
    ).where(t.Placement.id == placement.id)
    forget_poll(placement.poll_id)
    return await get(principal, placement.id)


async def delete(principal: Principal, placement_id: int) -> Placement:
    """Delete a placement of a draft: nobody can have answered through it yet. Once the
    poll has been open, a placement stays (it can be renamed): the refusal is the same
    whether or not anyone answered through it, so it tells nothing about a small group."""
    placement = await get(principal, placement_id)
    poll = await polls.get_for_change(principal, placement.poll_id)
    if poll.status != PollStatus.DRAFT:
        raise Conflict(
            N_(
                "Only a draft's placements can be deleted: once the poll has been open, its "
                "links may be on posters and in chats. Rename the placement instead."
            )
        )
    async with t.Placement._meta.db.transaction():
        await t.PlacementVisit.delete().where(t.PlacementVisit.placement == placement.id)
        await t.Placement.delete().where(t.Placement.id == placement.id)
    forget_poll(placement.poll_id)
    return placement


async def mark_chat(placement_id: int, *, unreachable: bool) -> None:
    """Whether the placement's messenger refused the bot in its chat the last time."""
    await t.Placement.update({t.Placement.chat_unreachable: unreachable}).where(
        t.Placement.id == placement_id
    )


async def choose_opens_in(
    principal: Principal, placement_id: int, opens_in: str, mini_app_id: str
) -> Placement:
    """Which app the placement's QR code, poster and link open from now on. Posters already
    printed keep working: the web link always works, and the Mini App link names only the
    placement's code."""
    placement = await get(principal, placement_id)
    await polls.get_for_change(principal, placement.poll_id)
    if error := _opens_in_error(opens_in, mini_app_id):
        raise InvalidInput({"opens_in": error})
    await t.Placement.update({t.Placement.opens_in: opens_in}).where(t.Placement.id == placement.id)
    return await get(principal, placement.id)


async def free_code() -> str:
    """A code no placement and no standing placement has."""
    for _ in range(10):
        code = codes.new_code()
        if not await t.Placement.exists().where(
            t.Placement.code == code
        ) and not await t.StandingPlacement.exists().where(t.StandingPlacement.code == code):
            break
    return code


async def channel_placement(poll: Poll, kind: PlacementKind, label: str) -> Placement:
    """The poll's first placement of ``kind``, made when it has none: where a messenger's
    own replies send people, so their answers are counted under that channel."""

    def first() -> Any:
        return (
            _query()
            .where(t.Placement.poll == poll.id, t.Placement.kind == kind.value)
            .order_by(t.Placement.id)
            .first()
        )

    row = await first()
    if row is None:
        await t.Placement(poll=poll.id, code=await free_code(), label=label, kind=kind.value).save()
        row = await first()  # the first of two made at once is the one both use
    return _placement(row)


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


async def first_code(poll_id: int) -> str | None:
    """The code of the poll's first placement (for a link to its privacy notice), if any."""
    row = (
        await t.Placement.select(t.Placement.code)
        .where(t.Placement.poll == poll_id)
        .order_by(t.Placement.id)
        .first()
    )
    return None if row is None else str(row["code"])


async def list_for_poll(principal: Principal, poll_id: int) -> list[Placement]:
    """The poll's placements with their released visits and responses: from the latest
    release, under the same disclosure control as the placement breakdown (the same cells,
    the same perturbed figures), so a placement made for one person tells nothing of him."""
    poll = await polls.get(principal, poll_id)
    await visit_counter.flush()
    rows = await _query().where(t.Placement.poll == poll.id).order_by(t.Placement.id)
    laid_out = await results.released(poll)
    release = laid_out.release
    shown = laid_out.protection.released[results.PLACEMENT]
    responses: dict[str, int] = {}
    members: dict[str, set] = {}
    for atom, stored in zip(laid_out.atoms, laid_out.counts, strict=True):
        key = atom.cells[results.PLACEMENT]
        responses[key] = responses.get(key, 0) + atom.respondents
        if stored is not None and stored.responses:
            members.setdefault(key, set()).add(results.atom_key(stored))
    everyone = {results.atom_key(a) for a in release.atoms if a.responses}
    placements = []
    for r in rows:
        key = str(r["id"])
        visits = release.visits.get(r["id"], 0)
        placements.append(
            _placement(
                r,
                disclosure.noisy(release.salt, f"visits:{key}", visits)
                if visits >= disclosure.MIN_VISITS_FOR_RATE
                else None,
                (
                    release.respondents
                    if members.get(key) == everyone
                    else disclosure.noisy(
                        release.salt,
                        f"{disclosure.group_identity(members.get(key, ()))}|responses",
                        responses.get(key, 0),
                    )
                )
                if key in shown
                else None,
            )
        )
    return placements


class VisitCounter:
    """Placement visits, counted in memory and written once a second in one transaction.

    A page view then costs no write of its own. A crash loses at most the last second of
    visit counts (never a response: those are written before they are acknowledged).
    """

    FLUSH_EVERY = 1.0

    def __init__(self) -> None:
        self._pending: Counter[tuple[int, date]] = Counter()
        self._flusher: asyncio.Task[None] | None = None

    def count(self, placement_id: int, day: date) -> None:
        self._pending[(placement_id, day)] += 1
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.FLUSH_EVERY)
        await self.flush()

    async def close(self) -> None:
        """Write what is counted and stop the timer (at shutdown)."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        self._flusher = None
        await self.flush()

    async def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, Counter()

        def write_counts() -> WriteSteps[None]:
            for (placement_id, day), opens in sorted(pending.items()):
                yield (COUNT_VISITS, [placement_id, day, opens])

        try:
            await db.write(t.PlacementVisit._meta.db, write_counts)
        except Exception:
            self._pending.update(pending)  # kept for the next flush
            raise


visit_counter = VisitCounter()


def record_visit(placement_id: int, today: date | None = None) -> None:
    """Count one opening of a placement's link for today: a counter, nothing about who."""
    visit_counter.count(placement_id, today or polls.now().astimezone(TIMEZONE).date())


@dataclass(frozen=True)
class FormTarget:
    """A placement and its poll, as the worker's form and the submission path need them."""

    placement: Placement
    poll: Poll


_targets: FreshCache[FormTarget] = new_cache()


async def form_target(code: str) -> FormTarget:
    """The placement named by ``code`` and its poll, fresh within ``cache.FRESH_FOR``."""
    canonical = codes.normalize(code)
    if canonical is None:
        raise NotFound(N_("This link does not lead to a poll. Check the code and try again."))

    async def load() -> tuple[int, FormTarget]:
        placement = await by_code(canonical)
        if placement.kind == PlacementKind.PAPER:
            raise NotFound(PAPER_TAKES_NO_ANSWERS)
        return placement.poll_id, FormTarget(placement, await polls.load(placement.poll_id))

    return await _targets.get_or_load(canonical, load)
