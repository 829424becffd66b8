"""Zalo's Bot API (``https://bot-api.zaloplatforms.com/bot<token>/<method>``) over plain
httpx, and what its webhook sends.

The Bot API copies Telegram's shape (shared/reference/zalo-and-telegram.md, 2.7): a static
token in the path, JSON bodies, replies ``{"ok", "result", "error_code", "description"}``;
so ``ZaloBot`` is a ``polls.messengers.bot.BotApi``: the token is added below httpx's request
log, every message waits its turn in its own ``SendScheduler``, 429s and 5xx are waited out.
What differs from Telegram:

- ``sendMessage`` takes plain text of 1-2000 characters: no HTML, no buttons;
- ``sendPhoto`` takes the photo's **URL** (Zalo fetches it), not an upload;
- chat ids are opaque strings for people and groups alike, so the caller says which one
  it writes to (``group``), and the scheduler keys them by a keyed hash, never the id;
- the webhook carries the secret set with ``setWebhook`` in ``X-Bot-Api-Secret-Token``
  (8-256 characters), and the event either bare or wrapped in ``{"ok", "result"}``;
- groups (``chat_type`` ``GROUP``) are a beta of the platform.

``parse_update`` reduces an event to what the polls need; ``Update.__repr__`` hides the chat
id (a private chat's id is its person's Zalo id) and the text.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from polls.messengers.bot import BotApi

SECRET_HEADER = "x-bot-api-secret-token"  # noqa: S105 - a header name
SECRET = re.compile(r"[\x21-\x7e]{8,256}")
"""What Zalo accepts as a webhook secret."""
MAX_TEXT = 2000
TEXT_RECEIVED = "message.text.received"
PRIVATE = "PRIVATE"
GROUP = "GROUP"


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` within Zalo's limit, cut at a line or a word, with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for sep in ("\n", " "):
        at = cut.rfind(sep)
        if at > limit // 2:
            cut = cut[:at]
            break
    return cut.rstrip() + "…"


def secret_valid(sent: str | None, expected: str) -> bool:
    """Whether the webhook's header carries our secret, compared in constant time."""
    if not expected or not sent:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


@dataclass(frozen=True)
class Update:
    event_name: str
    message_id: str
    chat_id: str = field(repr=False)
    chat_type: str
    text: str = field(default="", repr=False)
    date: int = 0
    """Milliseconds since the epoch, as Zalo sends it (0 when absent)."""

    @property
    def private(self) -> bool:
        return self.chat_type == PRIVATE


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_update(body: bytes) -> Update | None:
    """The event of a webhook body, or None when it is not one we can read."""
    try:
        loaded = json.loads(body)
    except ValueError:
        return None
    if isinstance(loaded, dict) and isinstance(loaded.get("result"), dict):
        loaded = loaded["result"]
    if not isinstance(loaded, dict):
        return None
    message = loaded.get("message")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat")
    chat_id = _text(chat.get("id")) if isinstance(chat, dict) else None
    event_name = _text(loaded.get("event_name"))
    message_id = _text(message.get("message_id"))
    if chat_id is None or event_name is None or message_id is None:
        return None
    date = message.get("date")
    text = message.get("text")
    return Update(
        event_name=event_name,
        message_id=message_id[:200],
        chat_id=chat_id,
        chat_type=str(chat.get("chat_type") or "").upper() if isinstance(chat, dict) else "",
        text=text if isinstance(text, str) else "",
        date=date if isinstance(date, int) and not isinstance(date, bool) else 0,
    )


@dataclass(frozen=True)
class SentMessage:
    message_id: str


class ZaloBot(BotApi):
    name = "zalo-bot"

    async def send_message(self, chat_id: str, text: str, *, group: bool) -> SentMessage:
        """Plain text, clipped to Zalo's 2000 characters."""
        result = await self.call(
            "sendMessage", {"chat_id": chat_id, "text": clip(text)}, group=group
        )
        return SentMessage(str((result or {}).get("message_id", "")))

    async def send_photo(
        self, chat_id: str, photo_url: str, *, caption: str = "", group: bool
    ) -> SentMessage:
        """A photo Zalo fetches from ``photo_url``, with a caption of at most 2000
        characters."""
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption.strip():
            params["caption"] = clip(caption)
        result = await self.call("sendPhoto", params, group=group)
        return SentMessage(str((result or {}).get("message_id", "")))

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def get_me(self) -> Any:
        return await self.call("getMe", {})

    async def get_webhook_info(self) -> Any:
        return await self.call("getWebhookInfo", {})
