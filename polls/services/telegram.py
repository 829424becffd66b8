"""Telegram: a placement's poll posted to its chat, and the bot's answer to ``/start <code>``.

The bot talks to chats, never about people: the chat id of a private chat is the person's
Telegram id, so it is used for the reply and then forgotten; nothing here stores or logs it.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from polls import tables as t
from polls.errors import N_, Conflict, InvalidInput, NotConfigured, NotFound
from polls.i18n import LOCALES, gettext, using_locale
from polls.messengers import telegram
from polls.messengers.bot import (
    BotApiError,
    ChatUnreachable,
    TelegramBot,
    inline_keyboard,
    url_button,
    web_app_button,
)
from polls.models import PlacementKind, Poll, PollStatus, Principal
from polls.services import placements, polls

log = logging.getLogger("polls.telegram")


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


def _chat(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


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
        raise NotConfigured(
            N_(
                "Telegram is not set up on this server: it needs TELEGRAM_BOT_TOKEN, "
                "TELEGRAM_BOT_USERNAME and TELEGRAM_APP_NAME."
            )
        )
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
    except ChatUnreachable:
        await _remember_chat(placement.id, placement.chat_id, unreachable=True)
        raise Conflict(
            N_(
                "The bot can no longer post in this chat: it was removed or blocked. "
                "Add the bot to the chat again, then publish."
            )
        ) from None
    except BotApiError:
        raise Conflict(
            N_(
                "Telegram did not accept the message. Check the chat id, and that the bot "
                "is a member of the group (an admin of a channel)."
            )
        ) from None
    await _remember_chat(placement.id, str(sent.chat_id), unreachable=False)
    return Published(chat_id=str(sent.chat_id), message_id=sent.message_id)


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


async def _start_reply(payload: str, setup: BotSetup) -> tuple[str, dict[str, Any] | None]:
    if not telegram.START_PARAM.fullmatch(payload):
        return html.escape(gettext("Open a poll with the link or QR code your union shared.")), None
    try:
        found = await placements.form_target(payload)
    except NotFound:
        return html.escape(
            gettext("This link does not lead to a poll. Check the code and try again.")
        ), None
    if found.poll.effective_status(polls.now()) != PollStatus.OPEN:
        return _poll_text(found.poll, gettext("This poll is not accepting answers.")), None
    button = web_app_button(gettext("Open the poll"), f"{setup.base_url}/tg/{found.placement.code}")
    text = _poll_text(found.poll, gettext("Your answers are anonymous. Tap the button to answer."))
    return text, inline_keyboard(button)


async def handle_update(update: Mapping[str, Any], setup: BotSetup) -> None:
    """Answer ``/start <code>`` in a private chat with the poll's title and a button that
    opens it as a Mini App. Everything else is ignored."""
    message = update.get("message")
    if setup.bot is None or not isinstance(message, Mapping):
        return
    chat = message.get("chat")
    if not isinstance(chat, Mapping) or chat.get("type") != "private":
        return
    payload = _start_payload(message, setup.bot_username)
    chat_id = chat.get("id")
    if payload is None or not isinstance(chat_id, int):
        return
    sender = message.get("from")
    language = sender.get("language_code") if isinstance(sender, Mapping) else None
    locale = language if language in LOCALES else setup.default_locale
    with using_locale(str(locale)):
        text, markup = await _start_reply(payload, setup)
    try:
        await setup.bot.send_message(chat_id, text, reply_markup=markup)
    except BotApiError as error:
        log.warning("telegram: /start reply not sent (%s)", error.error_code)
