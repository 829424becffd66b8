"""Zalo: the Official Account's token pair, its webhook events, and who a Mini App user is.

- The token pair lives in one row (``zalo_token``), both tokens sealed (AES-GCM, key derived
  from the server secret). Zalo's refresh tokens are single-use, so a refresh must happen
  once however many processes need it: a process claims it with a compare-and-swap on the
  row's ``generation`` (setting ``lease_until``), calls Zalo, and stores the new pair while
  moving to the next generation, in one statement. Everybody else waits until the
  generation moves and takes the new pair. A crash mid-refresh leaves a lease that expires.
- Webhook events are handled once: ``HMAC(server secret, message id or body)`` is claimed
  in ``zalo_event`` (kept a day, older events are ignored), so Zalo's retries and other
  processes find it taken.
- A follower's Zalo id is used in memory to reply within the webhook's handling, and a Mini
  App user's id only becomes the duplicate-check subject ``zalo:<id>`` (HMAC'd per poll by
  the submission path). Neither is stored or logged.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from polls import db
from polls import tables as t
from polls.db import WriteSteps
from polls.errors import N_, NotConfigured, NotFound, Unauthorized, Unavailable
from polls.i18n import gettext, using_locale
from polls.messengers import zalo
from polls.models import DuplicatePolicy, PlacementKind, Poll, PollStatus, Unit
from polls.privacy import derived_key
from polls.services import placements, polls, units
from polls.settings import Settings
from polls.sharing.links import link

log = logging.getLogger("polls.zalo")

REFRESH_MARGIN = 3600
"""Seconds before its expiry an access token is refreshed."""
LEASE_SECONDS = 30
"""How long a refresh may take before another process may try."""
LEASE_MARGIN = 10
"""Seconds of the lease left when a refresh call is given up (clocks of hosts differ)."""
WAIT_STEP = 0.05
EVENT_KEEP = 24 * 3600
"""Seconds a handled event is remembered; older events are ignored."""
CLOCK_SKEW = 600
MAX_POLLS = 5
"""Polls listed in one reply (a consultation text holds 2000 characters)."""
PLACEMENT_LABEL = "Zalo OA"
SUBJECT_PREFIX = "zalo:"
KEYWORDS = ("khao sat", "khaosat")

NOT_CONFIGURED = N_("Zalo is not set up on this server.")
NO_TOKEN = N_(
    "The Zalo Official Account is not authorized yet: run `polls zalo auth-url`, then "
    "`polls zalo exchange-code`."
)

UPSERT_PAIR = (
    'INSERT INTO "zalo_token" ("id", "access_token", "refresh_token", "expires_at", '
    '"generation", "lease_until") VALUES (1, {}, {}, {}, 1, NULL) '
    'ON CONFLICT ("id") DO UPDATE SET "access_token" = "excluded"."access_token", '
    '"refresh_token" = "excluded"."refresh_token", "expires_at" = "excluded"."expires_at", '
    '"generation" = "zalo_token"."generation" + 1, "lease_until" = NULL '
    'RETURNING "generation"'
)
CLAIM_REFRESH = (
    'UPDATE "zalo_token" SET "lease_until" = {} WHERE "id" = 1 AND "generation" = {} '
    'AND ("lease_until" IS NULL OR "lease_until" < {}) RETURNING "id"'
)
STORE_REFRESHED = (
    'UPDATE "zalo_token" SET "access_token" = {}, "refresh_token" = {}, "expires_at" = {}, '
    '"generation" = "generation" + 1, "lease_until" = NULL '
    'WHERE "id" = 1 AND "generation" = {} RETURNING "generation"'
)
RELEASE_LEASE = (
    'UPDATE "zalo_token" SET "lease_until" = NULL '
    'WHERE "id" = 1 AND "generation" = {} AND "lease_until" = {}'
)
"""Only our own lease: a later claim's ``lease_until`` is strictly later, so it names the
claim (a lease can only be taken once the one before has run out)."""
FORGET_OLD_EVENTS = 'DELETE FROM "zalo_event" WHERE "seen_at" < {}'
CLAIM_EVENT = (
    'INSERT INTO "zalo_event" ("key", "seen_at") VALUES ({}, {}) '
    'ON CONFLICT ("key") DO NOTHING RETURNING "key"'
)


@dataclass
class ZaloSetup:
    """What the Zalo features need, built once per app from the settings."""

    api: zalo.ZaloApi | None
    app_id: str
    oa_secret_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    base_url: str
    oa_unit: str = ""
    default_locale: str = "vi"
    clock: Callable[[], float] = time.time
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    """One refresh at a time in this process (the database serializes processes)."""

    def require_api(self) -> zalo.ZaloApi:
        if self.api is None:
            raise NotConfigured(NOT_CONFIGURED)
        return self.api


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: int
    generation: int


# --- the token pair, sealed at rest ---------------------------------------------------------


def _sealing_key(secret: str) -> bytes:
    return derived_key(secret, "zalo-tokens")


def seal(secret: str, token: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_sealing_key(secret)).encrypt(nonce, token.encode(), b"zalo-token")
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(secret: str, stored: str) -> str:
    raw = base64.urlsafe_b64decode(stored.encode())
    try:
        return AESGCM(_sealing_key(secret)).decrypt(raw[:12], raw[12:], b"zalo-token").decode()
    except InvalidTag:
        raise NotConfigured(
            N_(
                "The stored Zalo tokens were sealed with another SECRET_KEY: authorize the "
                "Official Account again."
            )
        ) from None


async def _stored() -> dict[str, Any] | None:
    return await t.ZaloToken.select().where(t.ZaloToken.id == 1).first()


def _engine() -> Any:
    return t.ZaloToken._meta.db


async def _write_one(sql: str, args: list[Any]) -> list[dict[str, Any]]:
    def steps() -> WriteSteps[list[dict[str, Any]]]:
        return (yield (sql, args))

    return await db.write(_engine(), steps)


async def store_pair(setup: ZaloSetup, pair: zalo.TokenPair) -> AccessToken:
    """Keep a first pair (from ``exchange-code``), replacing any earlier one."""
    expires_at = int(setup.clock()) + pair.expires_in
    rows = await _write_one(
        UPSERT_PAIR,
        [
            seal(setup.secret_key, pair.access_token),
            seal(setup.secret_key, pair.refresh_token),
            expires_at,
        ],
    )
    return AccessToken(pair.access_token, expires_at, int(rows[0]["generation"]))


def _token(setup: ZaloSetup, row: Mapping[str, Any]) -> AccessToken:
    return AccessToken(
        unseal(setup.secret_key, row["access_token"]), int(row["expires_at"]), row["generation"]
    )


async def _refreshed(setup: ZaloSetup, stale_generation: int) -> AccessToken:
    api = setup.require_api()
    deadline = time.monotonic() + LEASE_SECONDS + 5
    while True:
        row = await _stored()
        if row is None:
            raise NotConfigured(NO_TOKEN)
        generation = int(row["generation"])
        if generation != stale_generation:
            return _token(setup, row)  # refreshed meanwhile, here or in another process
        now = int(setup.clock())
        lease = now + LEASE_SECONDS
        if await _write_one(CLAIM_REFRESH, [lease, generation, now]):
            break
        if time.monotonic() > deadline:
            raise Unavailable(
                N_("The Zalo token is being refreshed elsewhere. Please try again shortly.")
            )
        await asyncio.sleep(WAIT_STEP)
    try:
        # the call ends well inside the lease, so no other process can claim it meanwhile
        async with asyncio.timeout(LEASE_SECONDS - LEASE_MARGIN):
            pair = await api.refresh(unseal(setup.secret_key, row["refresh_token"]))
    except BaseException as error:
        await _write_one(RELEASE_LEASE, [generation, lease])
        if isinstance(error, zalo.GrantRefused):
            log.error(
                "zalo: the refresh token was refused (%s); an OA admin must authorize the app "
                "again: polls zalo auth-url, then polls zalo exchange-code",
                error.error_code,
            )
        raise
    expires_at = int(setup.clock()) + pair.expires_in
    stored = await _write_one(
        STORE_REFRESHED,
        [
            seal(setup.secret_key, pair.access_token),
            seal(setup.secret_key, pair.refresh_token),
            expires_at,
            generation,
        ],
    )
    if not stored:  # a new first pair was stored meanwhile (exchange-code): it wins
        row = await _stored()
        if row is None:
            raise NotConfigured(NO_TOKEN)
        return _token(setup, row)
    log.info("zalo: access token refreshed")
    return AccessToken(pair.access_token, expires_at, int(stored[0]["generation"]))


async def access_token(setup: ZaloSetup) -> AccessToken:
    """The OA's access token, refreshed first when it expires within ``REFRESH_MARGIN``."""
    setup.require_api()
    async with setup.lock:
        row = await _stored()
        if row is None:
            raise NotConfigured(NO_TOKEN)
        token = _token(setup, row)
        if token.expires_at - setup.clock() > REFRESH_MARGIN:
            return token
        return await _refreshed(setup, token.generation)


async def refresh_after(setup: ZaloSetup, stale: AccessToken | None = None) -> AccessToken:
    """A pair newer than ``stale`` (the one Zalo refused, or the stored one when None)."""
    setup.require_api()
    async with setup.lock:
        if stale is None:
            row = await _stored()
            if row is None:
                raise NotConfigured(NO_TOKEN)
            stale = _token(setup, row)
        return await _refreshed(setup, stale.generation)


async def send_text(setup: ZaloSetup, user_id: str, text: str) -> str:
    """A consultation message to a follower; an expired token is refreshed and the message
    sent once more. ``OutsideReplyWindow`` when Zalo does not let the OA write to them."""
    api = setup.require_api()
    token = await access_token(setup)
    try:
        return await api.send_text(token.value, user_id, text)
    except zalo.AccessTokenInvalid:
        token = await refresh_after(setup, token)
        return await api.send_text(token.value, user_id, text)


# --- webhook events -------------------------------------------------------------------------


def _event_key(secret: str, event: Mapping[str, Any], body: bytes) -> str:
    message = event.get("message")
    msg_id = message.get("msg_id") if isinstance(message, Mapping) else None
    if isinstance(msg_id, str) and msg_id:
        identity = f"msg:{msg_id}"
    else:
        identity = f"body:{hashlib.sha256(body).hexdigest()}"
    return hmac.new(
        derived_key(secret, "zalo-events"), identity.encode(), hashlib.sha256
    ).hexdigest()


def _event_seconds(event: Mapping[str, Any]) -> float | None:
    try:
        return int(str(event.get("timestamp"))) / 1000
    except ValueError:
        return None


async def receive(body: bytes, setup: ZaloSetup) -> dict[str, Any] | None:
    """The event to handle, once: None when it is a retry, too old, or from the future."""
    event = json.loads(body)
    moment = _event_seconds(event)
    now = setup.clock()
    if moment is None or moment < now - EVENT_KEEP or moment > now + CLOCK_SKEW:
        return None
    key = _event_key(setup.secret_key, event, body)
    return event if await claim_event(key, int(now)) else None


async def claim_event(key: str, seen: int) -> bool:
    """Whether this process is the first to take the event ``key`` (a keyed hash of its
    identity) in ``zalo_event``: a unique key, so Zalo's retries, to this process or
    another, find it taken. Claimed before handling: a lost reply beats a double one. Used
    by the OA's webhook and the Zalo Bot's."""

    def claim() -> WriteSteps[bool]:
        # kept as long as the event itself could still come back as a retry
        yield (FORGET_OLD_EVENTS, [seen - EVENT_KEEP - CLOCK_SKEW])
        claimed = yield (CLAIM_EVENT, [key, seen])
        return bool(claimed)

    return await db.write(_engine(), claim)


def _folded(text: str) -> str:
    """Lower case, without diacritics (``đ`` as ``d``), words separated by one space."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", bare))


def asks_for_polls(text: str) -> bool:
    """Whether ``text`` asks for the polls: "khảo sát" in any case, composed or decomposed,
    with or without diacritics, alone or in a sentence; also a menu payload like ``#khaosat``."""
    folded = f" {_folded(text)} "
    return any(f" {keyword} " in folded for keyword in KEYWORDS)


BOX_KEYWORDS = ("hoi cong doan", "hoicongdoan")


def asks_for_box(text: str) -> bool:
    """Whether ``text`` asks for the question box: "hỏi công đoàn" as ``asks_for_polls``
    reads "khảo sát" (any case, with or without diacritics, in a sentence, ``#hoicongdoan``)."""
    folded = f" {_folded(text)} "
    return any(f" {keyword} " in folded for keyword in BOX_KEYWORDS)


def _recipient(event: Mapping[str, Any]) -> str | None:
    """Whom to answer: the sender of a text, or a new follower. None for other events."""
    name = event.get("event_name")
    if name == "user_send_text":
        message = event.get("message")
        text = message.get("text") if isinstance(message, Mapping) else None
        if not isinstance(text, str) or not asks_for_polls(text):
            return None
        who = event.get("sender")
    elif name == "follow":
        who = event.get("follower")
    else:
        return None
    user_id = who.get("id") if isinstance(who, Mapping) else None
    return str(user_id) if isinstance(user_id, (str, int)) and str(user_id).isdigit() else None


async def _oa_unit(setup: ZaloSetup) -> Unit:
    return await offering_unit(setup.oa_unit)


async def offering_unit(slug: str) -> Unit:
    """The unit named by ``slug`` (a setting), or the root unit when it is empty."""
    if slug:
        return await units.get_by_slug(slug)
    row = await t.Unit.select(t.Unit.id).where(t.Unit.parent.is_null()).order_by(t.Unit.id).first()
    if row is None:
        raise NotFound()
    return await units.get(row["id"])


async def open_polls(
    unit: Unit, limit: int = MAX_POLLS, *, messenger_polls: bool = False
) -> list[Poll]:
    """The unit's open polls and those of the units below it, newest first; not those
    answered only from a messenger's app (``messenger`` policy) unless ``messenger_polls``
    (the link offered opens the Mini App): a web link would lead a follower to a poll that
    refuses them."""
    skipped = "" if messenger_polls else DuplicatePolicy.MESSENGER.value
    rows = (
        await t.Poll.select(t.Poll.id)
        .where(
            t.Poll.unit.path.like(unit.path + "%"),
            t.Poll.status.is_in([PollStatus.OPEN.value, PollStatus.SCHEDULED.value]),
            t.Poll.duplicate_policy != skipped,
        )
        .order_by(t.Poll.id, ascending=False)
        .limit(limit * 4)
    )
    moment = polls.now()
    found = [await polls.load(row["id"]) for row in rows]
    return [poll for poll in found if poll.effective_status(moment) == PollStatus.OPEN][:limit]


async def polls_message(setup: ZaloSetup) -> str:
    """The reply to "khảo sát": the open polls of the OA's unit, each with its Zalo link."""
    unit = await _oa_unit(setup)
    offered = await open_polls(unit)
    with using_locale(setup.default_locale):
        if not offered:
            return gettext("There is no open poll right now. Thank you for following the union!")
        lines = [gettext("Polls of %(unit)s. Your answers are anonymous:", unit=unit.name)]
        for number, poll in enumerate(offered, 1):
            placement = await placements.channel_placement(
                poll, PlacementKind.ZALO, PLACEMENT_LABEL
            )
            lines.append(f"{number}. {poll.title[:200]}\n{link(setup.base_url, placement.code)}")
    return "\n\n".join(lines)


async def handle_event(event: Mapping[str, Any], setup: ZaloSetup) -> None:
    """Answer a follower who asks for the polls (or has just followed) with their links.
    Everything else is ignored: the OA's officers read and answer other messages."""
    user_id = _recipient(event)
    if user_id is None or setup.api is None:
        return
    try:
        await send_text(setup, user_id, await polls_message(setup))
    except zalo.OutsideReplyWindow as error:
        log.info("zalo: reply not sent (%s): outside the reply window", error.error_code)
    except zalo.ZaloApiError as error:
        log.warning("zalo: reply not sent (%s)", error.error_code)
    except (httpx.HTTPError, NotConfigured, NotFound, Unavailable) as error:
        log.warning("zalo: reply not sent (%s)", type(error).__name__)


# --- the Mini App ----------------------------------------------------------------------------


async def mini_app_subject(setup: ZaloSetup, user_access_token: str) -> str:
    """``zalo:<app-scoped user id>`` for a Mini App user's token, as Zalo's Graph API says."""
    api = setup.require_api()
    refused = Unauthorized(
        N_("Zalo did not confirm who is answering. Close the poll and open it again from Zalo.")
    )
    if not zalo.ACCESS_TOKEN.fullmatch(user_access_token):
        raise refused
    try:
        user_id = await api.user_id(user_access_token)
    except zalo.ZaloApiError:
        raise refused from None
    except httpx.HTTPError:
        raise Unavailable(
            N_("Zalo cannot be reached right now. Please try again shortly.")
        ) from None
    return SUBJECT_PREFIX + user_id


def setup_for(settings: Settings, api: zalo.ZaloApi | None) -> ZaloSetup:
    return ZaloSetup(
        api=api,
        app_id=settings.zalo_app_id,
        oa_secret_key=settings.zalo_oa_secret_key,
        secret_key=settings.secret_key,
        base_url=settings.base_url,
        oa_unit=settings.zalo_oa_unit,
        default_locale=settings.default_locale,
    )


def api_for(settings: Settings) -> zalo.ZaloApi | None:
    if not settings.zalo_configured:
        return None
    return zalo.ZaloApi(
        settings.zalo_app_id,
        settings.zalo_app_secret,
        oauth_base=settings.zalo_oauth_base,
        openapi_base=settings.zalo_openapi_base,
        graph_base=settings.zalo_graph_base,
    )
