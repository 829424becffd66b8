"""The anonymous question box ("Hỏi công đoàn", issue 15): a worker asks a unit, officers of
the unit (and up the tree) answer within the programme's 24-48 hours.

- Asking (``ask``) stores the unit, topic, text, the hour of arrival and the keyed hash of a
  new follow-up code (``privacy.box_follow_key``); the code goes back to the worker once.
- The worker reads the thread by that code (``thread``) and may add one more message
  (``add_message``); a wrong code reads the same as a code that does not exist.
- Officers see a queue with a clock per item from arrival (``clock``: due at 24 h, overdue
  at 48 h), assign, reply, mark handled, escalate to the parent unit (the clock carries on),
  hide a message with a reason, publish an edited copy of a question and its reply.

Every function that depends on the time takes ``now``: tests move the clock, nothing sleeps.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from anyio import to_thread

from polls import db, inputs, privacy
from polls import tables as t
from polls.analytics import box_numbers
from polls.errors import N_, AlreadyAsked, Conflict, Forbidden, InvalidInput, NotFound
from polls.i18n import in_vietnam
from polls.models import Principal, Unit
from polls.services import units
from polls.services.renders import Rendered


class Topic(StrEnum):
    WAGES = "wages"
    SAFETY = "safety"
    MEALS = "meals"
    INSURANCE = "insurance"
    UNION = "union"
    OTHER = "other"


TOPIC_LABELS = {
    Topic.WAGES: N_("Wages and contract"),
    Topic.SAFETY: N_("Safety at work"),
    Topic.MEALS: N_("Meals and housing"),
    Topic.INSURANCE: N_("Social insurance"),
    Topic.UNION: N_("Union activity"),
    Topic.OTHER: N_("Other"),
}

BOARDS = (
    N_("Union chair"),
    N_("Vice-chair for propaganda"),
    N_("Head of the propaganda board"),
    N_("Relevant boards"),
    N_("Legal advice office"),
)
"""Who receives, handles and replies (programme section V.5.2); an assignee may also be a
person's name, typed freely."""

QUESTION_MIN, QUESTION_MAX = 10, 2000
MESSAGE_MAX = 2000
REPLY_MAX = 4000
REASON_MIN, REASON_MAX = 3, 500
ASSIGNEE_MAX = 120
WORKER_MESSAGES = 2
"""The question and one more message; then the thread takes no more from the worker."""

DUE_AFTER = timedelta(hours=24)
OVERDUE_AFTER = timedelta(hours=48)


class ClockState(StrEnum):
    ON_TIME = "on_time"
    """Less than 24 h since arrival and no reply yet."""
    DUE = "due"
    """Past the 24 h target, not yet 48 h."""
    OVERDUE = "overdue"
    """48 h or more without a reply: flagged to the unit's leaders."""
    FOLLOW_UP = "follow_up"
    """The asker wrote again after the last reply (even to an item marked handled): it
    waits for an answer again; its hours count from that message's hour."""
    ANSWERED = "answered"
    HANDLED = "handled"


@dataclass(frozen=True)
class Clock:
    state: ClockState
    hours: int
    """Whole hours from arrival to now, or to the first reply once there is one."""


def clock(
    arrived_hour: datetime,
    first_reply_at: datetime | None,
    status: str,
    now: datetime,
    *,
    follow_up_at: datetime | None = None,
) -> Clock:
    """An item's clock. It counts from the hour of arrival (the exact minute is not kept),
    whatever unit holds the item now, and stops at the first reply. A message of the asker
    after the last reply (``follow_up_at``, ``follow_up``) puts it before the officers again."""
    if follow_up_at is not None:
        return Clock(
            ClockState.FOLLOW_UP, max(0, int((now - follow_up_at).total_seconds() // 3600))
        )
    end = first_reply_at or now
    hours = max(0, int((end - arrived_hour).total_seconds() // 3600))
    if status == "handled":
        return Clock(ClockState.HANDLED, hours)
    if first_reply_at is not None:
        return Clock(ClockState.ANSWERED, hours)
    age = now - arrived_hour
    if age >= OVERDUE_AFTER:
        return Clock(ClockState.OVERDUE, hours)
    if age >= DUE_AFTER:
        return Clock(ClockState.DUE, hours)
    return Clock(ClockState.ON_TIME, hours)


@dataclass(frozen=True)
class Message:
    position: int
    author: str
    """``worker`` or ``officer``."""
    body: str
    officer_name: str
    at: datetime
    hidden: bool
    hidden_reason: str


@dataclass(frozen=True)
class Thread:
    """What the worker reads by the follow-up code."""

    unit_name: str
    unit_slug: str
    topic: str
    status: str
    messages: tuple[Message, ...]
    may_add: bool


@dataclass(frozen=True)
class QueueItem:
    id: int
    unit_name: str
    origin_name: str
    topic: str
    excerpt: str
    arrived_hour: datetime
    clock: Clock
    assignee: str
    status: str
    escalations: int
    hidden: bool


@dataclass(frozen=True)
class Event:
    at: datetime
    officer_name: str
    action: str
    detail: str


@dataclass(frozen=True)
class Published:
    topic: str
    question: str
    reply: str
    published_at: datetime


@dataclass(frozen=True)
class Item:
    id: int
    unit: Unit
    origin: Unit
    topic: str
    arrived_hour: datetime
    clock: Clock
    assignee: str
    status: str
    escalations: int
    messages: tuple[Message, ...]
    events: tuple[Event, ...]
    published: Published | None
    may_escalate: bool


# --- input ---------------------------------------------------------------------------------


def _text(value: object, field: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput({field: N_("Write your message.")})
    text = inputs.without_controls(value).strip()
    if len(text) < low:
        raise InvalidInput({field: _too_short(low)})
    if len(text) > high:
        raise InvalidInput({field: N_("This text is too long.")})
    return text


def _too_short(low: int) -> str:
    return N_("Write a little more, please.") if low > 1 else N_("Write your message.")


def _topic(value: object) -> Topic:
    if not isinstance(value, str) or value not in set(Topic):
        raise InvalidInput({"topic": N_("Choose a topic.")})
    return Topic(value)


def _officer_text(value: object, field: str, low: int, high: int) -> str:
    """Officer input: control characters are refused, not stripped."""
    if not isinstance(value, str) or len(value.strip()) < low:
        raise InvalidInput({field: _too_short(low)})
    if inputs.control_characters(value, multiline=True) or inputs.unstorable(value):
        raise InvalidInput({field: inputs.CONTROL_CHARACTERS})
    if len(value.strip()) > high:
        raise InvalidInput({field: N_("This text is too long.")})
    return value.strip()


# --- the worker ----------------------------------------------------------------------------


async def box_unit(slug: str) -> Unit:
    """The unit whose box ``slug`` names (404 in the worker's language otherwise)."""
    if not units.SLUG.match(slug):
        raise NotFound(N_("There is no question box at this address."))
    try:
        return await units.get_by_slug(slug)
    except NotFound:
        raise NotFound(N_("There is no question box at this address.")) from None


@dataclass(frozen=True)
class Asked:
    """A question stored, or found stored already (``again``: the same form posted twice)."""

    code: str | None
    """Its follow-up code; None for a re-post too late to show it again."""
    again: bool = False


async def ask_once(
    slug: str, topic: object, text: object, once: object, *, secret: str, now: datetime
) -> Asked:
    """Store the question of one ask form, once. The form's one-time token (``privacy.
    new_box_once``) makes the code, so a re-post of the same form (a reload, a double tap,
    a retry after a lost answer) finds its question stored and stores nothing; its code is
    shown again only shortly after the page was served (``privacy.BOX_ONCE_FOR``). A form
    without a genuine token is a new question each time."""
    issued = privacy.box_once_issued(secret, once)
    if issued is None or not isinstance(once, str):
        return Asked(await ask(slug, topic, text, secret=secret, now=now))
    code = privacy.box_code_for(secret, once)
    try:
        return Asked(await ask(slug, topic, text, secret=secret, now=now, code=code))
    except AlreadyAsked:
        recent = (now - issued).total_seconds() <= privacy.BOX_ONCE_FOR
        return Asked(code if recent else None, again=True)


async def ask(
    slug: str,
    topic: object,
    text: object,
    *,
    secret: str,
    now: datetime,
    code: str | None = None,
) -> str:
    """Store a question; its follow-up code (``code``, or a random one), which is not kept
    (only its keyed hash). ``AlreadyAsked`` when a question with that code exists."""
    unit = await box_unit(slug)
    errors: dict[str, str] = {}
    try:
        chosen = _topic(topic)
    except InvalidInput as error:
        errors |= error.errors
    try:
        body = _text(text, "text", QUESTION_MIN, QUESTION_MAX)
    except InvalidInput as error:
        errors |= error.errors
    if errors:
        raise InvalidInput(errors)
    code = code or privacy.new_box_code()
    follow_key = privacy.box_follow_key(secret, code)
    hour = privacy.coarsen_to_hour(now)
    item_id = privacy.new_row_id()
    try:
        await _store(unit, chosen, body, follow_key, hour, item_id)
    except db.UNIQUE_VIOLATIONS:
        # the follow-up key is unique: the same form posted again, or at the same moment
        if await t.BoxItem.exists().where(t.BoxItem.follow_key == follow_key):
            raise AlreadyAsked() from None
        raise
    return code


async def _store(
    unit: Unit, chosen: Topic, body: str, follow_key: str, hour: datetime, item_id: int
) -> None:
    async with t.BoxItem._meta.db.transaction():
        await t.BoxItem.insert(
            t.BoxItem(
                id=item_id,
                origin=unit.id,
                unit=unit.id,
                topic=str(chosen),
                follow_key=follow_key,
                arrived_hour=hour,
                status="open",
            )
        )
        await t.BoxMessage.insert(
            t.BoxMessage(
                id=privacy.new_row_id(),
                item=item_id,
                position=0,
                author="worker",
                body=body,
                at=hour,
            )
        )
        await _shuffle_hour(hour)


async def _shuffle_hour(hour: datetime) -> None:
    """Rewrite the rows of this hour's questions in random order, so the order a table gives
    its rows back in (PostgreSQL's heap: the order of writing) does not tell which of them
    came first. A handful of rows an hour: cheap."""
    rows = await t.BoxItem.select(t.BoxItem.id).where(t.BoxItem.arrived_hour == hour)
    ids = [r["id"] for r in rows]
    secrets.SystemRandom().shuffle(ids)
    for item_id in ids:
        await t.BoxItem.update({t.BoxItem.topic: t.BoxItem.topic}).where(t.BoxItem.id == item_id)
        await t.BoxMessage.update({t.BoxMessage.body: t.BoxMessage.body}).where(
            (t.BoxMessage.item == item_id) & (t.BoxMessage.position == 0)
        )


WRONG_CODE = N_("No question matches this code. Check the code you wrote down and try again.")


async def _item_by_code(code: object, secret: str) -> dict:
    """The item row of a follow-up code. A code that cannot be one and a code of no item
    get the same refusal, so trying codes tells nothing."""
    normal = privacy.normal_box_code(code) if isinstance(code, str) else None
    key = privacy.box_follow_key(secret, normal or "")
    row = await t.BoxItem.select().where(t.BoxItem.follow_key == key).first()
    if normal is None or row is None:
        raise InvalidInput({"code": WRONG_CODE})
    return row


async def item_id_of(code: object, *, secret: str) -> int:
    """The id of the item a follow-up code opens: what the demo, which asks as a worker and
    answers as an officer, needs to reach its own questions in the queue. No page gives it
    away; the worker's pages know items only by their code."""
    return int((await _item_by_code(code, secret))["id"])


async def _messages(item_id: int) -> tuple[Message, ...]:
    rows = (
        await t.BoxMessage.select()
        .where(t.BoxMessage.item == item_id)
        .order_by(t.BoxMessage.position)
    )
    return tuple(
        Message(
            position=r["position"],
            author=r["author"],
            body=r["body"],
            officer_name=r["officer_name"],
            at=r["at"],
            hidden=r["hidden"],
            hidden_reason=r["hidden_reason"],
        )
        for r in rows
    )


def follow_up_at(messages: Sequence[tuple[str, datetime]]) -> datetime | None:
    """The hour of the asker's message written after the last reply, if there is one:
    ``messages`` are (author, hour) in the thread's order. Before any reply, a further
    message is part of the question and the clock counts from arrival."""
    replies = [i for i, (author, _) in enumerate(messages) if author == "officer"]
    if not replies:
        return None
    later = [at for author, at in messages[replies[-1] + 1 :] if author == "worker"]
    return later[-1] if later else None


async def thread(code: object, *, secret: str) -> Thread:
    row = await _item_by_code(code, secret)
    origin = await units.get(row["origin"])
    return Thread(
        unit_name=origin.name,
        unit_slug=origin.slug,
        topic=row["topic"],
        status=row["status"],
        messages=await _messages(row["id"]),
        may_add=row["worker_messages"] < WORKER_MESSAGES,
    )


async def add_message(code: object, text: object, *, secret: str, now: datetime) -> Thread:
    """The worker's one further message; refused (409) once it was sent."""
    row = await _item_by_code(code, secret)
    body = _text(text, "text", 1, MESSAGE_MAX)
    async with t.BoxItem._meta.db.transaction():
        # the count is the guard: two posts at once cannot both pass it
        claimed = (
            await t.BoxItem.update({t.BoxItem.worker_messages: t.BoxItem.worker_messages + 1})
            .where((t.BoxItem.id == row["id"]) & (t.BoxItem.worker_messages < WORKER_MESSAGES))
            .returning(t.BoxItem.id)
        )
        if not claimed:
            raise Conflict(N_("You have already added your one further message."))
        await _append(row["id"], "worker", body, "", privacy.coarsen_to_hour(now))
    return await thread(code, secret=secret)


async def _append(item_id: int, author: str, body: str, officer_name: str, at: datetime) -> None:
    last = (
        await t.BoxMessage.select(t.BoxMessage.position)
        .where(t.BoxMessage.item == item_id)
        .order_by(t.BoxMessage.position, ascending=False)
        .first()
    )
    await t.BoxMessage.insert(
        t.BoxMessage(
            id=privacy.new_row_id(),
            item=item_id,
            position=(last["position"] + 1) if last else 0,
            author=author,
            body=body,
            officer_name=officer_name,
            at=at,
        )
    )


async def published_answers(slug: str) -> tuple[Unit, list[Published]]:
    """The unit's public Q&A page: edited copies only, newest first."""
    unit = await box_unit(slug)
    rows = (
        await t.BoxPublished.select()
        .where(t.BoxPublished.unit == unit.id)
        .order_by(t.BoxPublished.published_at, ascending=False)
    )
    return unit, [Published(r["topic"], r["question"], r["reply"], r["published_at"]) for r in rows]


# --- officers ------------------------------------------------------------------------------


SORTS = ("clock", "arrival", "topic", "unit")


async def queue(principal: Principal, *, now: datetime, sort: str = "clock") -> list[QueueItem]:
    """The items held by units of the principal's subtree. ``clock``: the most urgent first
    (overdue, due, on time, then answered and handled); ``arrival``: oldest first."""
    rows = await t.BoxItem.select(
        *t.BoxItem.all_columns(),
        t.BoxItem.unit.name.as_alias("unit_name"),
        t.BoxItem.origin.name.as_alias("origin_name"),
    ).where(t.BoxItem.unit.path.like(principal.unit_path + "%"))
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    firsts = {
        m["item"]: m
        for m in await t.BoxMessage.select(
            t.BoxMessage.item, t.BoxMessage.body, t.BoxMessage.hidden
        ).where(t.BoxMessage.item.is_in(ids) & (t.BoxMessage.position == 0))
    }
    # who wrote last, without the bodies of every reply (a queue lists every item)
    authors: dict[int, list[tuple[str, datetime]]] = {}
    for m in (
        await t.BoxMessage.select(t.BoxMessage.item, t.BoxMessage.author, t.BoxMessage.at)
        .where(t.BoxMessage.item.is_in(ids) & (t.BoxMessage.hidden.eq(False)))
        .order_by(t.BoxMessage.position)
    ):  # a message hidden by an officer was seen: it waits for nothing
        authors.setdefault(m["item"], []).append((m["author"], m["at"]))
    items = [
        QueueItem(
            id=r["id"],
            unit_name=r["unit_name"],
            origin_name=r["origin_name"],
            topic=r["topic"],
            excerpt=_excerpt(firsts[r["id"]]["body"]),
            arrived_hour=r["arrived_hour"],
            clock=clock(
                r["arrived_hour"],
                r["first_reply_at"],
                r["status"],
                now,
                follow_up_at=follow_up_at(authors.get(r["id"], [])),
            ),
            assignee=r["assignee"],
            status=r["status"],
            escalations=r["escalations"],
            hidden=firsts[r["id"]]["hidden"],
        )
        for r in rows
    ]
    urgency = [
        ClockState.OVERDUE,
        ClockState.DUE,
        ClockState.FOLLOW_UP,
        ClockState.ON_TIME,
        ClockState.ANSWERED,
        ClockState.HANDLED,
    ]
    keys = {
        "clock": lambda i: (urgency.index(i.clock.state), i.arrived_hour, i.id),
        "arrival": lambda i: (i.arrived_hour, i.id),
        "topic": lambda i: (list(Topic).index(Topic(i.topic)), i.arrived_hour, i.id),
        "unit": lambda i: (i.unit_name, i.arrived_hour, i.id),
    }
    return sorted(items, key=keys.get(sort, keys["clock"]))


def _excerpt(body: str, length: int = 140) -> str:
    return body if len(body) <= length else body[: length - 1].rstrip() + "…"


def overdue_count(items: list[QueueItem]) -> int:
    return sum(1 for i in items if i.clock.state == ClockState.OVERDUE)


async def _row_in_scope(principal: Principal, item_id: int) -> dict:
    """The item if the principal's subtree holds it; 404 otherwise (not confirmed)."""
    row = (
        await t.BoxItem.select(*t.BoxItem.all_columns(), t.BoxItem.unit.path.as_alias("unit_path"))
        .where(t.BoxItem.id == item_id)
        .first()
    )
    if row is None or not principal.covers(row["unit_path"]):
        raise NotFound(N_("There is no such question."))
    return row


VIEWERS_READ_ONLY = N_("Viewers can read the question box but not answer it.")
"""A viewer's refusal of any officer's action on the box (here and, before the body is
read, ``polls.api.guards.requires_box_runner``)."""


async def _changeable(principal: Principal, item_id: int) -> dict:
    row = await _row_in_scope(principal, item_id)
    if not principal.can_run_polls:
        raise Forbidden(VIEWERS_READ_ONLY)
    return row


async def item(principal: Principal, item_id: int, *, now: datetime) -> Item:
    row = await _row_in_scope(principal, item_id)
    return await _item(row, now, may_act=principal.can_run_polls)


async def item_unscoped(item_id: int, *, now: datetime) -> Item:
    """The item as its new holder sees it: what an officer who just escalated it out of
    his subtree is told it became (never used to read an item one may not see)."""
    row = await t.BoxItem.select().where(t.BoxItem.id == item_id).first()
    if row is None:
        raise NotFound(N_("There is no such question."))
    return await _item(row, now, may_act=False)


async def _item(row: dict, now: datetime, *, may_act: bool) -> Item:
    item_id = row["id"]
    unit = await units.get(row["unit"])
    events = await t.BoxEvent.select().where(t.BoxEvent.item == item_id).order_by(t.BoxEvent.id)
    published = await t.BoxPublished.select().where(t.BoxPublished.item == item_id).first()
    messages = await _messages(item_id)
    again = follow_up_at([(m.author, m.at) for m in messages if not m.hidden])
    return Item(
        id=row["id"],
        unit=unit,
        origin=await units.get(row["origin"]),
        topic=row["topic"],
        arrived_hour=row["arrived_hour"],
        clock=clock(
            row["arrived_hour"], row["first_reply_at"], row["status"], now, follow_up_at=again
        ),
        assignee=row["assignee"],
        status=row["status"],
        escalations=row["escalations"],
        messages=messages,
        events=tuple(Event(e["at"], e["officer_name"], e["action"], e["detail"]) for e in events),
        published=Published(
            published["topic"], published["question"], published["reply"], published["published_at"]
        )
        if published
        else None,
        may_escalate=unit.parent_id is not None and may_act,
    )


async def _event(
    item_id: int, principal: Principal, action: str, detail: str, now: datetime
) -> None:
    await t.BoxEvent.insert(
        t.BoxEvent(
            item=item_id,
            at=now,
            officer_name=principal.display_name or principal.username,
            action=action,
            detail=detail,
        )
    )


async def assign(principal: Principal, item_id: int, assignee: object, *, now: datetime) -> None:
    await _changeable(principal, item_id)
    name = _officer_text(assignee, "assignee", 1, ASSIGNEE_MAX)
    if "\n" in name or "\r" in name:
        raise InvalidInput({"assignee": inputs.CONTROL_CHARACTERS})
    async with t.BoxItem._meta.db.transaction():
        await t.BoxItem.update({t.BoxItem.assignee: name}).where(t.BoxItem.id == item_id)
        await _event(item_id, principal, "assign", name, now)


async def reply(principal: Principal, item_id: int, text: object, *, now: datetime) -> None:
    row = await _changeable(principal, item_id)
    body = _officer_text(text, "text", 1, REPLY_MAX)
    async with t.BoxItem._meta.db.transaction():
        await _append(item_id, "officer", body, principal.display_name or principal.username, now)
        if row["first_reply_at"] is None:
            await t.BoxItem.update({t.BoxItem.first_reply_at: now}).where(t.BoxItem.id == item_id)
        await _event(item_id, principal, "reply", "", now)


async def mark_handled(principal: Principal, item_id: int, *, now: datetime) -> None:
    row = await _changeable(principal, item_id)
    if row["status"] == "handled":
        raise Conflict(N_("This question is marked handled already."))
    async with t.BoxItem._meta.db.transaction():
        await t.BoxItem.update({t.BoxItem.status: "handled"}).where(t.BoxItem.id == item_id)
        await _event(item_id, principal, "handle", "", now)


async def escalate(principal: Principal, item_id: int, *, now: datetime) -> Unit:
    """Hand the item to the parent unit. Its clock keeps counting from arrival."""
    row = await _changeable(principal, item_id)
    unit = await units.get(row["unit"])
    if unit.parent_id is None:
        raise Conflict(N_("This unit has no higher level to pass the question to."))
    parent = await units.get(unit.parent_id)
    async with t.BoxItem._meta.db.transaction():
        await t.BoxItem.update(
            {t.BoxItem.unit: parent.id, t.BoxItem.escalations: t.BoxItem.escalations + 1}
        ).where(t.BoxItem.id == item_id)
        await _event(item_id, principal, "escalate", parent.name, now)
    return parent


async def hide(
    principal: Principal, item_id: int, position: object, reason: object, *, now: datetime
) -> None:
    """Hide one message (it names or threatens a person): kept, with the reason, shown to
    officers as hidden; never deleted."""
    await _changeable(principal, item_id)
    number = inputs.decimal(position)
    why = _officer_text(reason, "reason", REASON_MIN, REASON_MAX)
    found = (
        await t.BoxMessage.select(t.BoxMessage.id, t.BoxMessage.hidden)
        .where((t.BoxMessage.item == item_id) & (t.BoxMessage.position == (number or 0)))
        .first()
        if number is not None and 0 <= number < 10_000
        else None
    )
    if found is None:
        raise InvalidInput({"position": N_("There is no such message.")})
    if found["hidden"]:
        raise Conflict(N_("This message is hidden already."))
    async with t.BoxItem._meta.db.transaction():
        await t.BoxMessage.update(
            {t.BoxMessage.hidden: True, t.BoxMessage.hidden_reason: why}
        ).where(t.BoxMessage.id == found["id"])
        await _event(item_id, principal, "hide", why, now)


async def publish(
    principal: Principal,
    item_id: int,
    *,
    question: object,
    answer: object,
    consent: bool,
    now: datetime,
) -> None:
    """Put an edited copy of the question and its reply on the unit's public page, only
    with the officer's consent that nothing in it identifies anyone."""
    row = await _changeable(principal, item_id)
    errors: dict[str, str] = {}
    texts: dict[str, str] = {}
    for field, value, high in (("question", question, QUESTION_MAX), ("answer", answer, REPLY_MAX)):
        try:
            texts[field] = _officer_text(value, field, 1, high)
        except InvalidInput as error:
            errors |= error.errors
    if not consent:
        errors["consent"] = N_(
            "Confirm that you removed names and anything else that could identify a person."
        )
    if errors:
        raise InvalidInput(errors)
    if row["first_reply_at"] is None:
        raise Conflict(N_("Reply to the question before publishing the answer."))
    if await t.BoxPublished.exists().where(t.BoxPublished.item == item_id):
        raise Conflict(N_("This answer is published already."))
    async with t.BoxItem._meta.db.transaction():
        await t.BoxPublished.insert(
            t.BoxPublished(
                item=item_id,
                unit=row["origin"],
                topic=row["topic"],
                question=texts["question"],
                reply=texts["answer"],
                published_by=principal.display_name or principal.username,
                published_at=now,
            )
        )
        await _event(item_id, principal, "publish", "", now)


def item_number(value: str) -> int:
    """An item id from a path: its random 63-bit number in plain digits, or a 404."""
    number = inputs.row_id(value)
    if number is None:
        raise NotFound(N_("There is no such question."))
    return number


async def in_scope(principal: Principal, item_id: int) -> bool:
    try:
        await _row_in_scope(principal, item_id)
    except NotFound:
        return False
    return True


async def unit_slug(principal: Principal) -> str:
    """The slug of the principal's own unit: the box whose link and QR the queue shows."""
    return (await units.get(principal.unit_id)).slug


async def overdue_in_scope(principal: Principal, now: datetime) -> int:
    """Items of the principal's subtree 48 h or more without a reply: the flag for the
    unit's leaders on the console's first page."""
    limit = now - OVERDUE_AFTER
    return await t.BoxItem.count().where(
        t.BoxItem.unit.path.like(principal.unit_path + "%")
        & (t.BoxItem.arrived_hour <= limit)
        & t.BoxItem.first_reply_at.is_null()
        & (t.BoxItem.status != "handled")
    )


NUMBERS_K = 5
"""The smallest group the numbers show: the polls' default ``k``."""


async def leadership_numbers(principal: Principal, *, now: datetime) -> box_numbers.Numbers:
    return box_numbers.numbers(await facts(principal, now=now), NUMBERS_K)


async def reply_chart(principal: Principal, *, now: datetime) -> bytes:
    """The chart of ``leadership_numbers``, drawn off the event loop."""
    shown = await leadership_numbers(principal, now=now)
    from polls.analytics import box_chart  # matplotlib only when a chart is drawn

    return await to_thread.run_sync(box_chart.reply_chart, shown)


async def report_unit(principal: Principal, slug: str | None) -> Unit:
    """The unit whose numbers a report covers: the principal's own, or one of its subtree
    named by ``slug`` (404 otherwise, so a unit outside one's scope is not confirmed)."""
    if slug is None:
        return await units.get(principal.unit_id)
    try:
        return await units.unit_in_scope(principal, slug)
    except InvalidInput:
        raise NotFound(N_("There is no such unit.")) from None


async def numbers_report(principal: Principal, slug: str | None, *, now: datetime) -> Rendered:
    """The unit's question box numbers as a PDF, in the current locale: the numbers of
    ``leadership_numbers`` for the unit's subtree, drawn off the event loop."""
    unit = await report_unit(principal, slug)
    shown = box_numbers.numbers(await facts(principal, now=now, under=unit.path), NUMBERS_K)
    from polls.analytics import box_report  # matplotlib only when a report is drawn

    data = box_report.BoxReportInput(
        unit_name=unit.name,
        numbers=shown,
        topic_labels={str(topic): label for topic, label in TOPIC_LABELS.items()},
        made_at=now,
    )
    content = await to_thread.run_sync(box_report.build_box_report, data)
    return Rendered(content, "application/pdf", f"hoi-cong-doan-{unit.slug}.pdf")


async def facts(
    principal: Principal, *, now: datetime, under: str | None = None
) -> list[box_numbers.Fact]:
    """The questions asked in the boxes of the principal's subtree (or of the part of it
    under the path ``under``), as the leadership numbers count them
    (``polls.analytics.box_numbers``)."""
    path = under if under is not None and principal.covers(under) else principal.unit_path
    rows = await t.BoxItem.select(
        t.BoxItem.arrived_hour,
        t.BoxItem.first_reply_at,
        t.BoxItem.topic,
        t.BoxItem.origin.name.as_alias("origin_name"),
    ).where(t.BoxItem.origin.path.like(path + "%"))
    return [
        box_numbers.Fact(
            month=in_vietnam(r["arrived_hour"]).strftime("%Y-%m"),
            unit=r["origin_name"],
            topic=r["topic"],
            reply_hours=int((r["first_reply_at"] - r["arrived_hour"]).total_seconds() // 3600)
            if r["first_reply_at"] is not None
            else None,
            age_hours=int((now - r["arrived_hour"]).total_seconds() // 3600),
        )
        for r in rows
    ]
