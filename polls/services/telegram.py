"""Telegram: a placement's poll posted to its chat, a poll's charts shared to a chat, and the
bot's answer to ``/start <code>``.

The bot talks to chats, never about people: the chat id of a private chat is the person's
Telegram id, so it is used for the reply and then forgotten; nothing here stores or logs it.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from polls import db
from polls import tables as t
from polls.db import WriteSteps
from polls.errors import (
    N_,
    Conflict,
    InvalidInput,
    NoOpenWave,
    NotConfigured,
    NotFound,
)
from polls.i18n import LOCALES, gettext, using_locale
from polls.messengers import telegram
from polls.messengers.bot import (
    BotApiError,
    ChatUnreachable,
    Sent,
    TelegramBot,
    inline_keyboard,
    url_button,
    web_app_button,
)
from polls.models import PlacementKind, Poll, PollStatus, Principal, Question
from polls.services import placements, polls, renders, shares, standing, units

log = logging.getLogger("polls.telegram")

UPDATES_KEPT_FOR = 24 * 3600
"""Telegram keeps an undelivered update for at most a day, so a day of ids is enough."""
CLAIM_UPDATE = (
    'INSERT INTO "telegram_update" ("update_id", "received") VALUES ({}, {}) '
    'ON CONFLICT ("update_id") DO NOTHING RETURNING "update_id"'
)
PRUNE_UPDATES = 'DELETE FROM "telegram_update" WHERE "received" < {}'


@dataclass(frozen=True)
class BotSetup:
    """What the bot needs to know besides its token (which stays inside ``TelegramBot``)."""

    bot: TelegramBot | None
    bot_username: str
    app_name: str
    base_url: str
    default_locale: str = "vi"


@dataclass(frozen=True)
class Published:
    chat_id: str
    message_id: int


@dataclass(frozen=True)
class SharedMessage:
    kind: Literal["chart", "notice"]
    """A question's chart as a photo, or a text message."""
    message_id: int
    question_id: int | None = None


@dataclass(frozen=True)
class SharedResults:
    chat_id: str
    """Where the messages went (a group's new id, if it had become a supergroup)."""
    lang: str
    messages: tuple[SharedMessage, ...]
    stopped: str | None = None
    """Why the rest was not sent (a msgid), None when everything was."""


NOT_CONFIGURED = N_(
    "Telegram is not set up on this server yet: ask the server's administrator to set it up."
)
UNREACHABLE = N_(
    "The bot can no longer post in this chat: it was removed or blocked. "
    "Add the bot to the chat again, then try again."
)
REFUSED = N_(
    "Telegram did not accept the message. Check the chat id, and that the bot "
    "is a member of the group (an admin of a channel)."
)
NOT_REACHED = N_(
    "Telegram could not be reached just now. Nothing more was sent; try again shortly."
)
DEFERRED = N_("Telegram's sending limits for this chat are reached. Try again in a minute.")


def _chat(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


REFUSALS = shares.Refusals(DEFERRED, UNREACHABLE, NOT_REACHED, REFUSED)


def _poll_text(poll: Poll, invitation: str) -> str:
    lines = [f"<b>{html.escape(poll.title)}</b>"]
    if poll.description:
        lines.append(html.escape(poll.description[:1500]))
    lines.append(html.escape(invitation))
    return "\n\n".join(lines)


async def _remember_chat(placement_id: int, chat_id: str, *, unreachable: bool) -> None:
    await t.Placement.update(
        {t.Placement.chat_id: chat_id, t.Placement.chat_unreachable: unreachable}
    ).where(t.Placement.id == placement_id)


async def publish(principal: Principal, placement_id: int, setup: BotSetup) -> Published:
    """Post the placement's poll to its Telegram chat, with a button to the Mini App."""
    placement = await placements.get(principal, placement_id)
    poll = await polls.get_for_change(principal, placement.poll_id)
    if setup.bot is None or not setup.bot_username or not setup.app_name:
        raise NotConfigured(NOT_CONFIGURED)
    if placement.kind != PlacementKind.TELEGRAM or not placement.chat_id:
        raise InvalidInput(
            {"chat_id": N_("Only a Telegram placement that names a chat can be published.")}
        )
    if poll.effective_status(polls.now()) != PollStatus.OPEN:
        raise Conflict(N_("Open the poll before publishing it."))
    link = telegram.direct_link(setup.bot_username, setup.app_name, placement.code)
    with using_locale(poll.language):
        text = _poll_text(poll, gettext("Your answers are anonymous. Tap the button to answer."))
        markup = inline_keyboard(url_button(gettext("Answer the poll"), link))
    try:
        sent = await setup.bot.send_message(_chat(placement.chat_id), text, reply_markup=markup)
    except BotApiError as error:
        if isinstance(error, ChatUnreachable):
            await _remember_chat(placement.id, placement.chat_id, unreachable=True)
        raise shares.refusal(error, REFUSALS) from None
    await _remember_chat(placement.id, str(sent.chat_id), unreachable=False)
    return Published(chat_id=str(sent.chat_id), message_id=sent.message_id)


def share_caption(poll: Poll, question: Question, responses: int) -> str:
    """The photo's caption (HTML): the poll's title, the question, n and the poll's period
    (``shares.caption_lines``), within Telegram's 1024 characters once parsed."""
    title, asked, facts = shares.caption_lines(poll, question, responses)
    return f"<b>{html.escape(title)}</b>\n{html.escape(asked)}\n{html.escape(facts)}"


def _not_yet_text(poll: Poll) -> str:
    title, notice = shares.not_yet_lines(poll)
    return f"<b>{html.escape(title)}</b>\n{html.escape(notice)}"


async def share_results(
    principal: Principal, poll_id: int, chat_id: str, lang: str | None, setup: BotSetup
) -> SharedResults:
    """Send each charted question's chart to a chat as a photo with its caption, in ``lang``
    (the current locale unless told). A poll below its minimum group size sends no chart,
    only a short message saying from how many responses results appear; free-text
    questions are never sent. Whoever may read the poll's results may share them.

    Sending stops at the first message Telegram refuses: when that is the first, the
    refusal is the answer; otherwise what was sent is, with why the rest was not."""
    poll = await polls.get(principal, poll_id)
    if setup.bot is None:
        raise NotConfigured(NOT_CONFIGURED)
    errors = {}
    chat_id = chat_id.strip()
    if error := placements.telegram_chat_error(chat_id):
        errors["chat_id"] = error
    shared = await shares.plan(poll, lang, errors)
    language = shared.lang
    chat: int | str = _chat(chat_id)
    sent: list[SharedMessage] = []
    with using_locale(language):
        try:
            if not shared.charts:
                message = await setup.bot.send_message(chat, _not_yet_text(poll))
                chat = message.chat_id
                sent.append(SharedMessage("notice", message.message_id))
            for question in shared.charts:
                chart = await renders.chart(principal, poll.id, f"{question.id}.png")
                photo: Sent = await setup.bot.send_photo(
                    chat,
                    chart.content,
                    caption=share_caption(poll, question, shared.responses),
                    filename=f"poll-{poll.id}-{question.position + 1}.png",
                )
                chat = photo.chat_id
                sent.append(SharedMessage("chart", photo.message_id, question.id))
        except BotApiError as error:
            if not sent:
                raise shares.refusal(error, REFUSALS) from None
            return SharedResults(
                str(chat), language, tuple(sent), shares.refusal(error, REFUSALS).message
            )
    return SharedResults(str(chat), language, tuple(sent))


def _start_payload(message: Mapping[str, Any], bot_username: str) -> str | None:
    """The payload of ``/start <payload>`` (``""`` for a bare ``/start``), or None when the
    message is not a ``/start`` command to this bot."""
    text = message.get("text")
    if not isinstance(text, str):
        return None
    parts = text.split(maxsplit=1)
    if not parts or parts[0].lower() not in {"/start", f"/start@{bot_username.lower()}"}:
        return None
    return parts[1].strip() if len(parts) > 1 else ""


BOX_COMMAND = "/hoi"
"""Replies with the link of the union's anonymous question box ("Hỏi công đoàn")."""


def _is_box_command(message: Mapping[str, Any], bot_username: str) -> bool:
    text = message.get("text")
    parts = text.split(maxsplit=1) if isinstance(text, str) else []
    return bool(parts) and parts[0].lower() in {
        BOX_COMMAND,
        f"{BOX_COMMAND}@{bot_username.lower()}",
    }


async def _box_reply(setup: BotSetup) -> str:
    """The root unit's question box (the bot serves the whole union)."""
    try:
        unit = await units.root()
    except NotFound:
        return html.escape(gettext("Open a poll with the link or QR code your union shared."))
    return html.escape(
        gettext(
            "Ask %(unit)s anonymously: questions, complaints and proposals, answered within "
            "24 to 48 hours. Nothing that identifies you is kept.\n%(url)s",
            unit=unit.name,
            url=f"{setup.base_url.rstrip('/')}/hoi/{unit.slug}",
        )
    )


async def _start_reply(payload: str, setup: BotSetup) -> tuple[str, dict[str, Any] | None]:
    if not telegram.START_PARAM.fullmatch(payload):
        return html.escape(gettext("Open a poll with the link or QR code your union shared.")), None
    try:
        found = await standing.form_target(payload)
    except NoOpenWave:
        return html.escape(gettext("No survey is open here now. Please come back later.")), None
    except NotFound:
        return html.escape(
            gettext("This link does not lead to a poll. Check the code and try again.")
        ), None
    if found.poll.effective_status(polls.now()) != PollStatus.OPEN:
        return _poll_text(found.poll, gettext("This poll is not accepting answers.")), None
    button = web_app_button(gettext("Open the poll"), f"{setup.base_url}/tg/{found.placement.code}")
    text = _poll_text(found.poll, gettext("Your answers are anonymous. Tap the button to answer."))
    return text, inline_keyboard(button)


async def first_delivery(update: Mapping[str, Any], now: float | None = None) -> bool:
    """Whether this update is new: its ``update_id`` is claimed in the database (a unique
    key), so when Telegram redelivers an update (the webhook answered late or not at all)
    only the first delivery is handled, whichever process receives them. Claimed before
    handling: an update whose handling failed is not tried again (a lost reply beats a
    double one). An update without an id is not handled at all."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < 2**63:
        return False
    moment = int(time.time() if now is None else now)

    def claim() -> WriteSteps[bool]:
        claimed = yield (CLAIM_UPDATE, [update_id, moment])
        yield (PRUNE_UPDATES, [moment - UPDATES_KEPT_FOR])
        return bool(claimed)

    return await db.write(t.TelegramUpdate._meta.db, claim)


async def handle_update(update: Mapping[str, Any], setup: BotSetup) -> None:
    """Answer ``/start <code>`` in a private chat with the poll's title and a button that
    opens it as a Mini App, and ``/hoi`` with the link of the question box. Everything else
    is ignored."""
    message = update.get("message")
    if setup.bot is None or not isinstance(message, Mapping):
        return
    chat = message.get("chat")
    if not isinstance(chat, Mapping) or chat.get("type") != "private":
        return
    payload = _start_payload(message, setup.bot_username)
    chat_id = chat.get("id")
    box = payload is None and _is_box_command(message, setup.bot_username)
    if (payload is None and not box) or not isinstance(chat_id, int):
        return
    sender = message.get("from")
    language = sender.get("language_code") if isinstance(sender, Mapping) else None
    locale = language if language in LOCALES else setup.default_locale
    with using_locale(str(locale)):
        if box:
            text, markup = await _box_reply(setup), None
        else:
            text, markup = await _start_reply(payload or "", setup)
    try:
        await setup.bot.send_message(chat_id, text, reply_markup=markup)
    except BotApiError as error:
        log.warning("telegram: /start reply not sent (%s)", error.error_code)
