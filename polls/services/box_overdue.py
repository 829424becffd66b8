"""Overdue questions flagged to the unit's leaders in their Zalo group (issue 15): what
``polls box-overdue``, run by cron, does.

For each unit whose leaders' group is set (``unit.leaders_zalo_chat_id``) and that holds
questions which have waited 48 hours or more without a reply and were not flagged before,
the Zalo Bot sends ONE message: how many, the oldest one's age in hours, and the link to
the console's queue. Never a question's text, its topic or its follow-up code. An item is
flagged once, in the unit that holds it then (after an escalation, the higher unit): a
``box_event`` of action ``flag`` records it, at the hour only, as the box keeps every
time. A group that refuses the bot is marked (``unit.leaders_chat_unreachable``, shown on
the unit's admin page) and its items stay unflagged, to be flagged once it works again.

Runs may overlap (a slow run and the next minute's, or cron on two servers), so a unit's
items are first **claimed**, in one transaction, by a row each in ``box_flag_claim``, whose
unique ``item`` the database guards: a second run's claim of the same item does nothing
(PostgreSQL makes it wait for the first run's transaction, SQLite runs one writer at a
time), and it sends only what it claimed. Then the message goes out, and:

- sent: the claims become ``sent`` and the ``flag`` events are written, in one
  transaction; a sent claim is never taken again;
- refused or failed (an unreachable group, Zalo's error, no answer): the claims are
  released, and a later run flags the items;
- the run dies between claiming and recording (killed, the machine or the database gone):
  the claims stay, unsent, until their lease (``LEASE``) runs out; the next run after that
  takes them over and sends again.

So a flag is sent **at least once**, not at most once: a run that dies after Zalo took its
message but before the database recorded it leaves the claim unsent, and the leaders get
that flag twice, ``LEASE`` later. The other choice (record first, then send) loses the
flag for good whenever the send fails after the record, and an overdue question that no
one is told about is what the flag exists to prevent; a repeated message in a rare crash
costs the leaders a second look. ``LEASE`` must outlast one send with its retries and
pacing (``polls.messengers.bot``: three tries of at most 10 s each and 30 s of waiting for
flood control), or a slow run's claim would be taken over while it still sends. The lease
is taken per unit, just before its message, so a long run never holds the later units'.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from time import monotonic

from polls import privacy
from polls import tables as t
from polls.i18n import ngettext, using_locale
from polls.messengers.bot import BotApiError, ChatUnreachable
from polls.messengers.zalo_bot import ZaloBot
from polls.services import units
from polls.services.question_box import OVERDUE_AFTER

FLAG = "flag"
QUEUE_PATH = "/console/hoi"
LEASE = timedelta(minutes=10)
"""How long a run's claim on an item holds before the next run may take it over."""


@dataclass(frozen=True)
class Flag:
    """What one unit's leaders are told: no text, no topic, no code."""

    unit_id: int
    unit_name: str
    chat_id: str
    items: tuple[int, ...]
    waited: tuple[int, ...]
    """Hours each of ``items`` has waited, in the same order."""

    @property
    def oldest_hours(self) -> int:
        return max(self.waited)

    def narrowed(self, kept: set[int]) -> Flag:
        """The same flag for the items of ``kept`` only."""
        pairs = [(i, w) for i, w in zip(self.items, self.waited, strict=True) if i in kept]
        return replace(self, items=tuple(i for i, _ in pairs), waited=tuple(w for _, w in pairs))


@dataclass(frozen=True)
class Outcome:
    unit_name: str
    items: int
    sent: bool
    reason: str = ""
    """Why nothing was sent (``unreachable`` or Zalo's error code)."""


async def due_flags(now: datetime) -> list[Flag]:
    """Per unit with a leaders' group, its items overdue at ``now`` and not flagged yet."""
    rows = await t.BoxItem.select(
        t.BoxItem.id,
        t.BoxItem.unit,
        t.BoxItem.arrived_hour,
        t.BoxItem.unit.name.as_alias("unit_name"),
        t.BoxItem.unit.leaders_zalo_chat_id.as_alias("chat_id"),
    ).where(
        (t.BoxItem.arrived_hour <= now - OVERDUE_AFTER)
        & t.BoxItem.first_reply_at.is_null()
        & (t.BoxItem.status != "handled")
        & t.BoxItem.unit.leaders_zalo_chat_id.is_not_null()
    )
    if not rows:
        return []
    flagged = {
        r["item"]
        for r in await t.BoxEvent.select(t.BoxEvent.item).where(
            (t.BoxEvent.action == FLAG) & t.BoxEvent.item.is_in([r["id"] for r in rows])
        )
    }
    by_unit: dict[int, list[dict]] = {}
    for row in rows:
        if row["id"] not in flagged and row["chat_id"]:
            by_unit.setdefault(row["unit"], []).append(row)
    flags = []
    for unit_id, items in sorted(by_unit.items()):
        items.sort(key=lambda i: i["id"])
        flags.append(
            Flag(
                unit_id=unit_id,
                unit_name=items[0]["unit_name"],
                chat_id=items[0]["chat_id"],
                items=tuple(i["id"] for i in items),
                waited=tuple(int((now - i["arrived_hour"]).total_seconds() // 3600) for i in items),
            )
        )
    return flags


def flag_text(flag: Flag, base_url: str) -> str:
    """The message to the leaders' group, in the current locale."""
    return "\n".join(
        [
            ngettext(
                "Ask the union, %(unit)s: %(num)s question has waited 48 hours or more "
                "without a reply.",
                "Ask the union, %(unit)s: %(num)s questions have waited 48 hours or more "
                "without a reply.",
                len(flag.items),
                unit=flag.unit_name,
            ),
            ngettext(
                "The oldest has waited %(num)s hour.",
                "The oldest has waited %(num)s hours.",
                flag.oldest_hours,
            ),
            ngettext(
                "Read and answer it in the console: %(url)s",
                "Read and answer them in the console: %(url)s",
                len(flag.items),
                url=base_url.rstrip("/") + QUEUE_PATH,
            ),
        ]
    )


async def claim(flag: Flag, run: str, now: datetime) -> Flag | None:
    """Claim ``flag``'s items for the run named ``run``, until ``now + LEASE``: those no run
    holds, and those whose claim was left unsent past its lease. The flag of the items
    claimed, or None when another run holds them all."""
    items = list(flag.items)
    until = now + LEASE
    claims = t.BoxFlagClaim
    async with claims._meta.db.transaction():
        await claims.update({claims.run: run, claims.until: until}).where(
            claims.item.is_in(items) & (claims.sent == False) & (claims.until <= now)  # noqa: E712
        )
        await claims.insert(
            *(claims(item=item, run=run, until=until, sent=False) for item in items)
        ).on_conflict(target=claims.item, action="DO NOTHING")
        held = await claims.select(claims.item).where(
            claims.item.is_in(items) & (claims.run == run) & (claims.sent == False)  # noqa: E712
        )
    kept = {row["item"] for row in held}
    return flag.narrowed(kept) if kept else None


async def release(flag: Flag, run: str) -> None:
    """Give up the run's claims on ``flag``'s items (its message was not sent): a later run
    flags them. A claim another run has taken over since is left to that run."""
    claims = t.BoxFlagClaim
    await claims.delete().where(
        claims.item.is_in(list(flag.items)) & (claims.run == run) & (claims.sent == False)  # noqa: E712
    )


async def confirm(flag: Flag, run: str, now: datetime) -> None:
    """The message was sent: the run's claims on ``flag``'s items become ``sent`` and their
    ``flag`` events are written, at the hour, in one transaction. An item whose claim
    another run took over meanwhile (this run outlived its lease) is left to that run to
    record."""
    claims = t.BoxFlagClaim
    hour = privacy.coarsen_to_hour(now)
    async with claims._meta.db.transaction():
        confirmed = (
            await claims.update({claims.sent: True})
            .where(
                claims.item.is_in(list(flag.items)) & (claims.run == run) & (claims.sent == False)  # noqa: E712
            )
            .returning(claims.item)
        )
        for row in confirmed:
            await t.BoxEvent.insert(
                t.BoxEvent(item=row["item"], at=hour, officer_name="", action=FLAG, detail="")
            )
        await units.mark_leaders_chat(flag.unit_id, unreachable=False)


async def flag_overdue(
    bot: ZaloBot, base_url: str, locale: str, now: datetime, *, run: str | None = None
) -> list[Outcome]:
    """Send each unit's flag, at least once and, unless a run dies between sending and
    recording, once only, however many runs overlap; an item counts as flagged only once its
    message was sent. ``run`` names this run's claims (random unless a test names it)."""
    run = run or secrets.token_hex(16)
    started = monotonic()
    outcomes = []
    for due in await due_flags(now):
        # the lease counts from this claim, not from the run's start: a run that took long
        # over the units before still holds this one for the whole of ``LEASE``
        claimed_at = now + timedelta(seconds=monotonic() - started)
        flag = await claim(due, run, claimed_at)
        if flag is None:
            continue  # another run is sending it
        with using_locale(locale):
            text = flag_text(flag, base_url)
        try:
            await bot.send_message(flag.chat_id, text, group=True)
        except ChatUnreachable:
            await release(flag, run)
            await units.mark_leaders_chat(flag.unit_id, unreachable=True)
            outcomes.append(Outcome(flag.unit_name, len(flag.items), False, "unreachable"))
            continue
        except BotApiError as error:
            await release(flag, run)
            outcomes.append(Outcome(flag.unit_name, len(flag.items), False, str(error.error_code)))
            continue
        except Exception:
            await release(flag, run)
            raise
        await confirm(flag, run, now)
        outcomes.append(Outcome(flag.unit_name, len(flag.items), True))
    return outcomes
