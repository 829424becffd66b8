"""The whole data model: Piccolo tables for units, officers, polls and anonymous responses.

Anonymity shapes this file (shared/DESIGN.md, "Rules that always hold"):

- ``Response`` holds no IP address, user agent, cookie or messenger id, and its time is
  coarsened to the hour before it is written.
- ``DuplicateKey`` holds only ``HMAC(per-poll key, subject)``, keyed by that hash itself
  (no sequential id, no timestamp, no link to the response it came with);
  ``IdempotencyKey`` likewise for a client's submission id. Both are deleted when the poll
  closes (``Poll.keys_destroyed``).
- ``Response`` and ``Answer`` ids are random 63-bit numbers, so they give no order; the rows
  of every ended hour are rewritten in random order with new ids (``fresh`` marks those not
  yet rewritten), so neither system columns nor physical order pair a key with a response
  (``polls.services.unlinking``). There is no receipt.
"""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Unit(Table):
    """A node of the union's tree: national union, subordinate union, grassroots, workshop.

    ``path`` is the materialized path of ids (``/1/4/17/``) so a subtree is one
    ``LIKE 'prefix%'`` query.
    """

    id: Serial
    slug = Varchar(length=80, unique=True, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=20)
    parent: ForeignKey = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    path = Varchar(length=400, index=True, index_method=IndexMethod.btree, default="")
    headcount = Integer(default=0)
    leaders_zalo_chat_id = Varchar(length=100, null=True, default=None)
    """The Zalo group of the unit's leaders, where its overdue questions are flagged
    (``polls box-overdue``); None: no group."""
    leaders_chat_unreachable = Boolean(default=False)
    """Whether the Zalo Bot was refused in that group the last time it wrote there."""


class Officer(Table):
    id: Serial
    username = Varchar(length=80, unique=True, index=True)
    display_name = Varchar(length=200, default="")
    password_hash = Varchar(length=300)
    unit = ForeignKey(Unit, null=False, on_delete=OnDelete.restrict)
    role = Varchar(length=10)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    session_version = Integer(default=1)
    """Written into every session cookie; signing out, a password change or deactivation
    moves it on, so every cookie of the officer stops working at once."""


class ApiToken(Table):
    """A bearer token for the JSON API; only its SHA-256 is stored. ``label`` is its name.
    No last use is recorded. A token without ``expires_at`` counts as expired."""

    id: Serial
    token_hash = Varchar(length=64, unique=True, index=True)
    officer = ForeignKey(Officer, null=False)
    label = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class Poll(Table):
    id: Serial
    unit = ForeignKey(Unit, null=False, index=True, on_delete=OnDelete.restrict)
    title = Varchar(length=300)
    description = Text(default="")
    language = Varchar(length=5, default="vi")
    status = Varchar(length=10, default="draft")
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)
    min_group_size = SmallInt(default=5)
    duplicate_policy = Varchar(length=10, default="device")
    publish_results = Boolean(default=False)
    """Once closed, show the (suppressed) overall results on the poll's own link."""
    series = Varchar(length=32, index=True)
    created_by = ForeignKey(Officer, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)
    keys_destroyed = Boolean(default=False)
    """The poll has closed and its duplicate and idempotency keys are gone."""
    reopened_at = Timestamptz(null=True, default=None)
    """When a poll closed by mistake was opened again (once at most): answers from before
    the close are kept, duplicates across it cannot be checked (its keys were destroyed)."""
    archived_at = Timestamptz(null=True, default=None)
    """Hidden from the lists, kept for its series' trends; never deleted."""


class PollEdit(Table):
    """One safe edit of an open poll (``polls.services.amending``): which fields changed
    (``title``, ``questions.2.text`` ...) and when, shown beside its results."""

    id: Serial
    poll = ForeignKey(Poll, null=False, index=True)
    officer = ForeignKey(Officer, null=True, default=None, on_delete=OnDelete.set_null)
    edited_at = Timestamptz()
    fields = Varchar(length=1000, default="")


class Question(Table):
    id: Serial
    poll = ForeignKey(Poll, null=False, index=True)
    position = SmallInt()
    kind = Varchar(length=10)
    text = Varchar(length=1000)
    required = Boolean(default=True)
    max_choices = SmallInt(null=True, default=None)
    scale_min = SmallInt(null=True, default=None)
    scale_max = SmallInt(null=True, default=None)
    min_label = Varchar(length=100, default="")
    max_label = Varchar(length=100, default="")
    help = Varchar(length=500, default="")
    """A line shown under the question's text on the form, in the preview and the report."""


class Option(Table):
    id: Serial
    question = ForeignKey(Question, null=False, index=True)
    position = SmallInt()
    label = Varchar(length=300)
    other = Boolean(default=False)
    """The "other (please specify)" option: the text a worker types beside it is a free-text
    answer (``answer.value_text`` on this option's row), released only as free text is."""


class StandingPlacement(Table):
    """A place whose poster serves every wave of a unit's series (issue 14): its code never
    changes and leads to the series' open wave, through that wave's own placement
    (``Placement.standing``), so answers are still counted per wave and placement. Nothing
    about who opens it."""

    id: Serial
    unit = ForeignKey(Unit, null=False, index=True, on_delete=OnDelete.restrict)
    """The unit whose series it serves (the waves' unit)."""
    series = Varchar(length=32, index=True)
    code = Varchar(length=8, unique=True, index=True)
    label = Varchar(length=200)
    kind = Varchar(length=20)
    place_unit = ForeignKey(Unit, null=True, default=None, on_delete=OnDelete.set_null)
    """Where the place is (a workshop's canteen): each wave's placement gets it."""
    created_at = Timestamptz(default=TimestamptzNow())
    stopped_at = Timestamptz(null=True, default=None)
    """No new wave gets it; its code no longer leads to a wave."""


class Placement(Table):
    id: Serial
    poll = ForeignKey(Poll, null=False, index=True)
    code = Varchar(length=8, unique=True, index=True)
    label = Varchar(length=200)
    kind = Varchar(length=20)
    unit = ForeignKey(Unit, null=True, default=None, on_delete=OnDelete.set_null)
    chat_id = Varchar(length=100, null=True, default=None)
    chat_unreachable = Boolean(default=False)
    """Telegram refused the bot there (blocked, or removed from the group)."""
    opens_in = Varchar(length=20, default="web")
    """``models.OpensIn``: the web form, or the Zalo Mini App."""
    created_at = Timestamptz(default=TimestamptzNow())
    standing = ForeignKey(StandingPlacement, null=True, default=None, on_delete=OnDelete.set_null)
    """The standing placement this wave's placement stands for (its link and poster show
    the standing code); unique per poll, an index made by its migration."""


class PlacementVisit(Table):
    """How often a placement's link was opened, per day: a counter, nothing about who."""

    id: Serial
    placement = ForeignKey(Placement, null=False, index=True)
    day = Date()
    opens = Integer(default=0)
    # unique (placement, day): an index made by the second migration, since Piccolo's
    # table constraints use ALTER TABLE ... ADD CONSTRAINT, which SQLite lacks.


class Response(Table):
    id = BigInt(primary_key=True)
    """Random (``privacy.new_row_id``): no order, no count."""
    poll = ForeignKey(Poll, null=False, index=False)
    """Looked up through ``response_segment``, which begins with it (made by a migration)."""
    placement = ForeignKey(Placement, null=True, default=None, on_delete=OnDelete.set_null)
    unit = ForeignKey(Unit, null=True, default=None, on_delete=OnDelete.set_null)
    channel = Varchar(length=10)
    submitted_hour = Timestamptz()
    fresh = Boolean(default=False)
    """Written this hour and not yet rewritten by the unlinking step (partial index
    ``response_fresh``)."""


class Answer(Table):
    id = BigInt(primary_key=True)
    """Random, consecutive with its response's other answers (``privacy.ANSWER_BLOCK``)."""
    response = ForeignKey(Response, null=False, index=True)
    question = ForeignKey(Question, null=False, index=True)
    option = ForeignKey(Option, null=True, default=None)
    value_int = Integer(null=True, default=None)
    value_text = Text(null=True, default=None)
    poll = ForeignKey(Poll, null=True, default=None, index=False)
    """The response's poll again, so a poll's tallies read one index, no join."""
    placement = ForeignKey(Placement, null=True, default=None, on_delete=OnDelete.set_null)
    """The response's placement, unit and channel again, written by the same statement from
    the same values, so every result (overall or broken down) is added up from counts per
    combination of the three, read in the order of ``(poll, placement, unit, channel,
    question, ...)`` indexes made by a migration. Deleting a placement or unit clears both
    copies."""
    unit = ForeignKey(Unit, null=True, default=None, on_delete=OnDelete.set_null)
    channel = Varchar(length=10, null=True, default=None)


class ResultRelease(Table):
    """A released state of a poll's answers (``polls.services.releases``): what every page,
    chart, export and share shows, until the next one. ``seq`` counts a poll's releases
    (unique per poll: two processes releasing at once, one wins); ``snapshot`` holds the
    counts per combination of placement, unit and channel, the free texts (shuffled) and the
    placements' visits, as JSON; ``released_hour`` is the hour it was made (the only time the
    timeline shows); ``salt`` keys the released figures' noise (``polls.disclosure``)."""

    id: Serial
    poll = ForeignKey(Poll, null=False, index=False)
    seq = Integer()
    released_hour = Timestamptz()
    respondents = Integer(default=0)
    salt = Varchar(length=64)
    snapshot = Text()
    # unique (poll, seq): an index made by its migration


class ResultsPoster(Table):
    """A poll's results poster ("Bạn nói – Công đoàn làm", ``polls.services.result_posters``):
    the questions it shows (JSON ``[[question id, "chart" or "sentence"], ...]``), the
    officer's text on what the union will do, where its QR code leads (``qr_kind``: ``none``
    or ``placement``, the next wave's ``qr_placement``), and who drafted it. ``version``
    moves with every edit; an approval (by leadership or an admin of the poll's unit or
    above) holds for the poster's ``approved_version``, the poll's ``approved_poll_version``
    and the results' ``approved_release`` only, so an edit or a new release drops it.
    ``token`` is the random name of its public link (``/r/{token}``), None when revoked.
    Only released figures are ever drawn from it; nothing here is about a worker."""

    id: Serial
    poll = ForeignKey(Poll, null=False, on_delete=OnDelete.cascade)
    # unique (poll), unique (token): indexes made by its migration
    questions = Text(default="[]")
    response_text = Text(default="")
    qr_kind = Varchar(length=20, default="none")
    qr_placement = ForeignKey(Placement, null=True, default=None, on_delete=OnDelete.set_null)
    version = Integer(default=1)
    drafted_by = ForeignKey(Officer, null=True, default=None, on_delete=OnDelete.set_null)
    drafted_by_name = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())
    approved_by = ForeignKey(Officer, null=True, default=None, on_delete=OnDelete.set_null)
    approved_by_name = Varchar(length=200, default="")
    approved_at = Timestamptz(null=True, default=None)
    approved_version = Integer(null=True, default=None)
    approved_poll_version = Integer(null=True, default=None)
    approved_release = Integer(null=True, default=None)
    token = Varchar(length=64, null=True, default=None)


class MeetingState(Table):
    """What a meeting placement's projector shows now (``polls.services.meeting``): the
    question opened last, whether it takes answers, whether its result is revealed.
    ``version`` moves with every change, so each open screen notices one. Shared through the
    database, so the projector and the officer's phone may be served by different processes.
    Nothing about who answered."""

    id: Serial
    placement = ForeignKey(Placement, null=False, on_delete=OnDelete.cascade)
    # unique (placement): an index made by its migration
    question = ForeignKey(Question, null=True, default=None, on_delete=OnDelete.set_null)
    is_open = Boolean(default=False)
    revealed = Boolean(default=False)
    version = Integer(default=1)


class PaperTally(Table):
    """Counts a session's officer entered by hand for a placement of kind ``paper``
    (``polls.services.tallies``): one per placement, replaced whole when corrected. Who
    entered it is an officer (kept by name, so the report says it even after the account
    goes), never a worker. ``respondents`` is the most people counted for any question."""

    id: Serial
    placement = ForeignKey(Placement, null=False, on_delete=OnDelete.cascade)
    # unique (placement): an index made by its migration
    respondents = Integer(default=0)
    entered_by = ForeignKey(Officer, null=True, default=None, on_delete=OnDelete.set_null)
    entered_by_name = Varchar(length=200, default="")
    entered_at = Timestamptz(default=TimestamptzNow())


class PaperCount(Table):
    """One option's (or scale value's) count in a paper tally."""

    id: Serial
    tally = ForeignKey(PaperTally, null=False, index=True, on_delete=OnDelete.cascade)
    question = ForeignKey(Question, null=False, on_delete=OnDelete.cascade)
    option = ForeignKey(Option, null=True, default=None, on_delete=OnDelete.cascade)
    value_int = Integer(null=True, default=None)
    people = Integer(default=0)
    """How many people chose it."""


class AuditEntry(Table):
    """One admin action on an officer or a unit (``polls.services.audit``): when, who did it,
    what, to which officer and unit, and a short detail (``role: officer → admin``). Filed
    under ``unit`` (the unit the action touched, or the officer's unit) and, for a move,
    ``from_unit`` too, so an admin of either side reads it; both are ids, so the entry follows
    the unit when the tree changes. Names are kept beside the ids so the list still says who,
    after an account is gone. Officers and units only: never a worker, an answer, an address
    or a password."""

    id: Serial
    at = Timestamptz()
    actor = ForeignKey(Officer, null=True, default=None, on_delete=OnDelete.set_null)
    actor_name = Varchar(length=80, default="")
    action = Varchar(length=40)
    officer = ForeignKey(Officer, null=True, default=None, on_delete=OnDelete.set_null)
    officer_name = Varchar(length=80, default="")
    unit = ForeignKey(Unit, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    from_unit = ForeignKey(Unit, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    detail = Varchar(length=300, default="")


class DuplicateKey(Table):
    """One row per (poll, subject) that has answered; the hash is the primary key."""

    key = Varchar(length=64, primary_key=True)
    poll = ForeignKey(Poll, null=False, index=True)


class IdempotencyKey(Table):
    """One row per client submission id stored: ``HMAC(per-poll key, submission id)``, so a
    retry is answered "already stored" without any link to the response it stored."""

    key = Varchar(length=64, primary_key=True)
    poll = ForeignKey(Poll, null=False, index=True)


class PrintedCode(Table):
    """A printed one-time code a poll issued (``services.codes``): only its per-poll HMAC
    (``privacy.printed_code_key``), written when the sheet is printed, never at answer time.
    A code used claims a duplicate key (``DuplicateKey``) like any subject, so this table
    does not change when someone answers. Deleted with the keys when the poll closes."""

    key = Varchar(length=64, primary_key=True)
    poll = ForeignKey(Poll, null=False, index=True)


class ZaloToken(Table):
    """The Official Account's OAuth token pair: one row (``id`` 1), both tokens sealed with
    a key derived from the server secret. ``generation`` counts refreshes: a refresh is
    claimed by setting ``lease_until`` on the generation it saw and stored by moving to the
    next one (compare-and-swap), so across processes a refresh token is sent to Zalo once."""

    id = Integer(primary_key=True)
    access_token = Text()
    refresh_token = Text()
    expires_at = BigInt()
    """Epoch seconds when the access token expires."""
    generation = Integer(default=1)
    lease_until = BigInt(null=True, default=None)
    """Epoch seconds until which one process is refreshing; None when nobody is."""


class ZaloEvent(Table):
    """Webhook events already handled (Zalo retries): ``HMAC(server secret, event
    identity)`` and when it was seen, kept a day. Nothing about the follower."""

    key = Varchar(length=64, primary_key=True)
    seen_at = BigInt()


class TelegramUpdate(Table):
    """Telegram updates already taken in, so a redelivered one is not handled twice (by any
    process). Only Telegram's update counter and when it came (unix seconds, to prune after
    a day): nothing about who sent it."""

    update_id = BigInt(primary_key=True)
    received = BigInt(index=True)


class Readiness(Table):
    """One row, written by every ``/readyz``: when the database last took a write (unix
    seconds). Nothing else."""

    id = Integer(primary_key=True)
    checked = BigInt()


class BoxItem(Table):
    """One question, complaint or proposal of a unit's question box (issue 15). Nothing of
    who sent it: no address, agent, device or account, and the arrival time to the hour
    only. ``follow_key`` is the keyed hash of the worker's follow-up code, never the code.
    ``origin`` is the box it was asked in, ``unit`` the unit handling it now (the parent
    after an escalation). The id is random and the SQLite table has no rowid: no order."""

    id = BigInt(primary_key=True)
    origin = ForeignKey(Unit, null=False, on_delete=OnDelete.cascade)
    unit = ForeignKey(Unit, null=False, index=True, on_delete=OnDelete.cascade)
    topic = Varchar(length=20)
    follow_key = Varchar(length=64, unique=True)
    arrived_hour = Timestamptz()
    first_reply_at = Timestamptz(null=True, default=None)
    status = Varchar(length=10, default="open")
    assignee = Varchar(length=120, default="")
    escalations = SmallInt(default=0)
    worker_messages = SmallInt(default=1)


class BoxMessage(Table):
    """The thread of an item: the worker's text (position 0), officers' replies, and the
    worker's one further message. A worker's message keeps its hour only. A hidden message
    keeps its text and the reason; it is never deleted."""

    id = BigInt(primary_key=True)
    item = ForeignKey(BoxItem, null=False, on_delete=OnDelete.cascade)
    position = SmallInt()
    author = Varchar(length=10)
    body = Text()
    officer_name = Varchar(length=200, default="")
    at = Timestamptz()
    hidden = Boolean(default=False)
    hidden_reason = Text(default="")


class BoxEvent(Table):
    """What an officer did to an item (assign, reply, escalate, hide, publish, handle)."""

    id: Serial
    item = ForeignKey(BoxItem, null=False, index=True, on_delete=OnDelete.cascade)
    at = Timestamptz()
    officer_name = Varchar(length=200, default="")
    action = Varchar(length=20)
    detail = Text(default="")


class BoxFlagClaim(Table):
    """A run of ``polls box-overdue`` holding an item's overdue flag
    (``polls.services.box_overdue``): the unique item lets one run at a time send it. Held
    until ``until`` while the message goes out, then ``sent`` for good (the flag's
    ``box_event`` is written with it); a claim left unsent past ``until`` (a crashed run) is
    taken over by the next run. No time of the worker: ``until`` is the cron run's clock."""

    id: Serial
    item = ForeignKey(BoxItem, null=False, unique=True, on_delete=OnDelete.cascade)
    run = Varchar(length=32)
    until = Timestamptz()
    sent = Boolean(default=False)


class BoxPublished(Table):
    """An edited copy of an item's question and reply on the unit's public Q&A page, made
    with the officer's consent; the original thread stays private."""

    id: Serial
    item = ForeignKey(BoxItem, null=False, unique=True, on_delete=OnDelete.cascade)
    unit = ForeignKey(Unit, null=False, index=True, on_delete=OnDelete.cascade)
    topic = Varchar(length=20)
    question = Text()
    reply = Text()
    published_by = Varchar(length=200, default="")
    published_at = Timestamptz()


TABLES: tuple[type[Table], ...] = (
    Unit,
    Officer,
    ApiToken,
    Poll,
    PollEdit,
    Question,
    Option,
    StandingPlacement,
    Placement,
    PlacementVisit,
    Response,
    Answer,
    DuplicateKey,
    IdempotencyKey,
    PrintedCode,
    ResultRelease,
    MeetingState,
    PaperTally,
    PaperCount,
    ResultsPoster,
    ZaloToken,
    ZaloEvent,
    TelegramUpdate,
    Readiness,
    BoxItem,
    BoxMessage,
    BoxEvent,
    BoxFlagClaim,
    BoxPublished,
    AuditEntry,
)
