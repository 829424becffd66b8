"""The Zalo Bot: a poll's invitation posted to a Zalo group, the open polls sent to whoever
writes "khảo sát" to the bot, and a poll's released charts sent to leadership's group.

- Webhook events are handled once: ``HMAC(server secret, event name and message id)`` is
  claimed in ``zalo_event`` (``polls.services.zalo.claim_event``, shared with the OA's
  webhook), so Zalo's retries and other processes find it taken; events older than a day
  are ignored.
- A private chat's id is its person's Zalo id: it is used in memory for the reply and
  forgotten; nothing here stores or logs it. The only chat id kept is a group's, set by an
  officer on a Zalo placement (``placement.chat_id``).
- Zalo fetches a photo from a URL. A shared chart's URL (``photo_url``) names the poll, the
  question and the language, expires after ``PHOTO_LIFETIME`` and is signed with a key
  derived from the server secret; it serves the released chart, the same one the results
  page shows (``polls.services.renders``), to whoever holds it until then.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from polls.errors import (
    N_,
    Conflict,
    InvalidInput,
    NotConfigured,
    NotFound,
    Unavailable,
)
from polls.i18n import LOCALES, gettext, using_locale
from polls.messengers import zalo_bot
from polls.messengers.bot import BotApiError, ChatUnreachable
from polls.models import DuplicatePolicy, PlacementKind, Poll, PollStatus, Principal
from polls.privacy import derived_key
from polls.services import placements, polls, renders, shares, zalo
from polls.settings import Settings
from polls.sharing.links import link, mini_app_link

log = logging.getLogger("polls.zalo_bot")

EVENT_KEEP = 24 * 3600
CLOCK_SKEW = 600
PHOTO_LIFETIME = 24 * 3600
"""Seconds a shared chart's URL works: Zalo fetches the photo when it is sent [unverified
whether it fetches again later: check on a real group]."""
PLACEMENT_LABEL = "Zalo Bot"
GROUP_ID_COMMANDS = frozenset({"/id", "/chatid"})

NOT_CONFIGURED = N_(
    "The Zalo Bot is not set up on this server yet: ask the server's administrator to set it up."
)
GROUPS_BETA = N_(
    "Zalo's Bot API still has group chats in beta: a bot may not be able to join every "
    "group, and Zalo may change how groups work. Check in the group that the message came."
)
UNREACHABLE = N_(
    "The Zalo Bot cannot post in this group: it is not a member, or was removed. Add the "
    "bot to the group again, then try again."
)
REFUSED = N_("Zalo did not accept the message. Check the group's id and try again.")
NOT_REACHED = N_("Zalo could not be reached just now. Nothing more was sent; try again shortly.")
DEFERRED = N_("Zalo's sending limits for this group are reached. Try again in a minute.")


@dataclass(frozen=True)
class ZaloBotSetup:
    bot: zalo_bot.ZaloBot | None
    base_url: str
    secret_key: str = field(repr=False)
    mini_app_id: str = ""
    unit: str = ""
    default_locale: str = "vi"
    clock: Callable[[], float] = time.time

    def require_bot(self) -> zalo_bot.ZaloBot:
        if self.bot is None:
            raise NotConfigured(NOT_CONFIGURED)
        return self.bot


@dataclass(frozen=True)
class Posted:
    chat_id: str
    message_id: str


@dataclass(frozen=True)
class Shared:
    chat_id: str
    lang: str
    charts: int
    notice: bool
    stopped: str | None = None
    """Why the rest was not sent (a msgid), None when everything was."""


def invitation_link(setup: ZaloBotSetup, code: str) -> str:
    """The Mini App's link for the placement when the server has one, else the web link."""
    return (
        mini_app_link(setup.mini_app_id, code) if setup.mini_app_id else link(setup.base_url, code)
    )


REFUSALS = shares.Refusals(DEFERRED, UNREACHABLE, NOT_REACHED, REFUSED)


def invitation_text(poll: Poll, url: str) -> str:
    lines = [shares.clip(poll.title, 250), poll.unit_name]
    if poll.description:
        lines.append(poll.description[:1200])
    lines.append(gettext("Your answers are anonymous. Open the link to answer:"))
    lines.append(url)
    return "\n\n".join(lines)


# --- an officer's actions -----------------------------------------------------------------


async def post_invitation(principal: Principal, placement_id: int, setup: ZaloBotSetup) -> Posted:
    """Post the placement's poll, with its link, to the Zalo group the placement names."""
    placement = await placements.get(principal, placement_id)
    poll = await polls.get_for_change(principal, placement.poll_id)
    bot = setup.require_bot()
    if placement.kind != PlacementKind.ZALO or not placement.chat_id:
        raise InvalidInput(
            {"chat_id": N_("Only a Zalo placement that names a group can be posted by the bot.")}
        )
    if poll.effective_status(polls.now()) != PollStatus.OPEN:
        raise Conflict(N_("Open the poll before publishing it."))
    if poll.duplicate_policy == DuplicatePolicy.MESSENGER and not setup.mini_app_id:
        # its web link would only say that the poll is answered in a messenger's app
        raise Conflict(
            N_(
                "This poll is answered only in a messenger's app, and this server has no "
                "Zalo Mini App for the invitation to open."
            )
        )
    with using_locale(poll.language):
        text = invitation_text(poll, invitation_link(setup, placement.code))
    try:
        sent = await bot.send_message(placement.chat_id, text, group=True)
    except BotApiError as error:
        if isinstance(error, ChatUnreachable):
            await placements.mark_chat(placement.id, unreachable=True)
        raise shares.refusal(error, REFUSALS) from None
    await placements.mark_chat(placement.id, unreachable=False)
    return Posted(placement.chat_id, sent.message_id)


async def share_results(
    principal: Principal, poll_id: int, chat_id: str, lang: str | None, setup: ZaloBotSetup
) -> Shared:
    """Send each charted question's released chart to a Zalo group, as Telegram's
    share-results does (``polls.services.shares``), the photo by its signed URL. Sending
    stops at the first message Zalo refuses: when that is the first, the refusal is the
    answer; otherwise what was sent is, with why the rest was not."""
    poll = await polls.get(principal, poll_id)
    bot = setup.require_bot()
    chat_id = chat_id.strip()
    errors = {"chat_id": error} if (error := placements.zalo_chat_error(chat_id)) else {}
    plan = await shares.plan(poll, lang, errors)
    charts, notice = 0, False
    with using_locale(plan.lang):
        try:
            if not plan.charts:
                await bot.send_message(chat_id, "\n".join(shares.not_yet_lines(poll)), group=True)
                notice = True
            for question in plan.charts:
                name = f"{question.id}.png"
                await renders.chart_of(poll, name)  # drawn now, so Zalo's fetch finds it
                url = photo_url(setup, poll.id, question.id, plan.lang)
                caption = "\n".join(shares.caption_lines(poll, question, plan.responses))
                await bot.send_photo(chat_id, url, caption=caption, group=True)
                charts += 1
        except BotApiError as error:
            if not (charts or notice):
                raise shares.refusal(error, REFUSALS) from None
            return Shared(
                chat_id, plan.lang, charts, notice, shares.refusal(error, REFUSALS).message
            )
    return Shared(chat_id, plan.lang, charts, notice)


# --- shared charts by URL -----------------------------------------------------------------


def _photo_signature(secret: str, poll_id: int, question_id: int, lang: str, expires: int) -> str:
    message = f"{poll_id}.{question_id}.{lang}.{expires}".encode()
    return hmac.new(derived_key(secret, "zalo-bot-photo"), message, hashlib.sha256).hexdigest()[:32]


def photo_token(setup: ZaloBotSetup, poll_id: int, question_id: int, lang: str) -> str:
    expires = int(setup.clock()) + PHOTO_LIFETIME
    signature = _photo_signature(setup.secret_key, poll_id, question_id, lang, expires)
    return f"{poll_id}.{question_id}.{lang}.{expires}.{signature}"


def photo_url(setup: ZaloBotSetup, poll_id: int, question_id: int, lang: str) -> str:
    token = photo_token(setup, poll_id, question_id, lang)
    return f"{setup.base_url.rstrip('/')}/shared/charts/{token}.png"


async def shared_chart(token: str, secret: str, now: float | None = None) -> renders.Rendered:
    """The chart a signed, unexpired ``photo_url`` names; ``NotFound`` for any other."""
    missing = NotFound(N_("There is no such chart."))
    parts = token.split(".")
    if len(parts) != 5 or not all(p.isascii() and p.isalnum() for p in parts):
        raise missing
    poll_id, question_id, lang, expires, signature = parts
    if not (poll_id.isdigit() and question_id.isdigit() and expires.isdigit()):
        raise missing
    if lang not in LOCALES or len(poll_id) > 18 or len(question_id) > 18 or len(expires) > 12:
        raise missing
    expected = _photo_signature(secret, int(poll_id), int(question_id), lang, int(expires))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise missing
    if int(expires) < (time.time() if now is None else now):
        raise missing
    poll = await polls.load(int(poll_id))
    if poll.status == PollStatus.DRAFT:
        raise missing
    with using_locale(lang):
        return await renders.chart_of(poll, f"{int(question_id)}.png")


# --- the webhook --------------------------------------------------------------------------


def _event_key(secret: str, update: zalo_bot.Update) -> str:
    identity = f"bot:{update.event_name}:{update.message_id}"
    return hmac.new(
        derived_key(secret, "zalo-bot-events"), identity.encode(), hashlib.sha256
    ).hexdigest()


async def receive(body: bytes, setup: ZaloBotSetup) -> zalo_bot.Update | None:
    """The event to handle, once: None when it is unreadable, a retry, too old, or from the
    future."""
    update = zalo_bot.parse_update(body)
    if update is None:
        return None
    now = setup.clock()
    if update.date:
        moment = update.date / 1000
        if moment < now - EVENT_KEEP or moment > now + CLOCK_SKEW:
            return None
    claimed = await zalo.claim_event(_event_key(setup.secret_key, update), int(now))
    return update if claimed else None


async def polls_message(setup: ZaloBotSetup) -> str:
    """The reply to "khảo sát": the open polls of the bot's unit, each with its link."""
    unit = await zalo.offering_unit(setup.unit)
    offered = await zalo.open_polls(unit, messenger_polls=bool(setup.mini_app_id))
    with using_locale(setup.default_locale):
        if not offered:
            return gettext("There is no open poll right now. Thank you for following the union!")
        lines = [gettext("Polls of %(unit)s. Your answers are anonymous:", unit=unit.name)]
        for number, poll in enumerate(offered, 1):
            placement = await placements.channel_placement(
                poll, PlacementKind.ZALO, PLACEMENT_LABEL
            )
            url = invitation_link(setup, placement.code)
            lines.append(f"{number}. {shares.clip(poll.title, 200)}\n{url}")
    return "\n\n".join(lines)


async def box_message(setup: ZaloBotSetup) -> str:
    """The reply to "hỏi công đoàn": the link of the bot's unit's anonymous question box."""
    unit = await zalo.offering_unit(setup.unit)
    with using_locale(setup.default_locale):
        return gettext(
            "Ask %(unit)s anonymously: questions, complaints and proposals, answered within "
            "24 to 48 hours. Nothing that identifies you is kept.\n%(url)s",
            unit=unit.name,
            url=f"{setup.base_url.rstrip('/')}/hoi/{unit.slug}",
        )


def _group_id_text(update: zalo_bot.Update, setup: ZaloBotSetup) -> str:
    with using_locale(setup.default_locale):
        return gettext("This Zalo group's id, for the polls console: %(chat)s", chat=update.chat_id)


async def handle_update(update: zalo_bot.Update, setup: ZaloBotSetup) -> None:
    """A private "khảo sát" (any case, with or without diacritics) gets the open polls, a
    private "hỏi công đoàn" the link of the unit's question box; in a
    group, ``/id`` gets the group's id, for an officer to set on a Zalo placement.
    Everything else is ignored."""
    if setup.bot is None or update.event_name != zalo_bot.TEXT_RECEIVED:
        return
    try:
        if update.private and zalo.asks_for_polls(update.text):
            text = await polls_message(setup)
            await setup.bot.send_message(update.chat_id, text, group=False)
        elif update.private and zalo.asks_for_box(update.text):
            text = await box_message(setup)
            await setup.bot.send_message(update.chat_id, text, group=False)
        elif update.chat_type == zalo_bot.GROUP and update.text.strip().lower() in (
            GROUP_ID_COMMANDS
        ):
            await setup.bot.send_message(update.chat_id, _group_id_text(update, setup), group=True)
    except BotApiError as error:
        log.warning("zalo bot: reply not sent (%s)", error.error_code)
    except (NotFound, Unavailable) as error:
        log.warning("zalo bot: reply not sent (%s)", type(error).__name__)


def setup_for(settings: Settings, bot: zalo_bot.ZaloBot | None) -> ZaloBotSetup:
    return ZaloBotSetup(
        bot=bot,
        base_url=settings.base_url,
        secret_key=settings.secret_key,
        mini_app_id=settings.zalo_mini_app_id,
        unit=settings.zalo_bot_unit,
        default_locale=settings.default_locale,
    )
