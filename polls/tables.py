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


class Option(Table):
    id: Serial
    question = ForeignKey(Question, null=False, index=True)
    position = SmallInt()
    label = Varchar(length=300)


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
    poll = ForeignKey(Poll, null=False, index=True)
    placement = ForeignKey(Placement, null=True, default=None, on_delete=OnDelete.set_null)
    unit = ForeignKey(Unit, null=True, default=None, on_delete=OnDelete.set_null)
    channel = Varchar(length=10)
    submitted_hour = Timestamptz()
    fresh = Boolean(default=False)
    """Written this hour and not yet rewritten by the unlinking step (partial index
    ``response_fresh``)."""


class Answer(Table):
    id = BigInt(primary_key=True)
    """Random, like the response's."""
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


class DuplicateKey(Table):
    """One row per (poll, subject) that has answered; the hash is the primary key."""

    key = Varchar(length=64, primary_key=True)
    poll = ForeignKey(Poll, null=False, index=True)


class IdempotencyKey(Table):
    """One row per client submission id stored: ``HMAC(per-poll key, submission id)``, so a
    retry is answered "already stored" without any link to the response it stored."""

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


TABLES: tuple[type[Table], ...] = (
    Unit,
    Officer,
    ApiToken,
    Poll,
    Question,
    Option,
    Placement,
    PlacementVisit,
    Response,
    Answer,
    DuplicateKey,
    IdempotencyKey,
    ResultRelease,
    ZaloToken,
    ZaloEvent,
    TelegramUpdate,
    Readiness,
)
