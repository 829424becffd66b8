"""Bot APIs over plain httpx: one ``AsyncClient``, its base URL from settings. ``BotApi`` is
what Telegram's Bot API and Zalo's Bot API (a copy of it: ``/bot<token>/<method>``, replies
``{"ok", "result", "error_code", "description"}``) share: the token in the path, pacing, and
flood control; ``TelegramBot`` adds Telegram's methods (``TELEGRAM_API_BASE``: the cloud, a
local Bot API server, or a test fake), ``polls.messengers.zalo_bot.ZaloBot`` Zalo's.

    BotApiError             a reply with ``ok: false`` we cannot recover from
    ├── ChatUnreachable     403: the bot was blocked, or removed from the chat
    ├── ChatMigrated        the group became a supergroup (``migrate_to_chat_id``)
    ├── BotUnreachable      no answer: Telegram (or the scheduler's Redis) did not reply
    └── SendDeferred        our own scheduler: the chat's next turn is too far away

Every message to a chat waits its turn in the ``SendScheduler`` (per-chat, per-group and
global limits, shared by the app's processes through Redis when configured). ``call`` waits
out a 429's ``retry_after`` (from the reply's ``parameters`` or a ``Retry-After`` header;
bounded: the chat is paused for every sender) and a 5xx (the same, or a second), and tries
again, at most ``MAX_ATTEMPTS`` times; a server still failing is ``BotUnreachable``.
Telegram's ``send_message`` and ``send_photo`` follow a migration once and report the
chat's new id, so the caller can store it. ``send_photo`` uploads the image as
multipart/form-data.

The bot token is part of every method's URL, and httpx logs the URLs it requests; so the
client asks for ``/<method>`` and a transport in front of the network sends a copy of the
request with ``/bot<token>`` in its path; the request httpx logs never holds it. Chat ids
and message texts are never logged either.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from redis.exceptions import RedisError

from polls.messengers.scheduler import SendBacklog, SendScheduler, scheduler_for

log = logging.getLogger("polls.bots")

ALLOWED_UPDATES = ("message",)
"""The update types the bot handles (``/start`` in a private chat); Telegram sends no other."""
MAX_ATTEMPTS = 3
MAX_RETRY_AFTER = 30
"""Seconds a request may wait for Telegram's flood control before giving up."""


class BotApiError(Exception):
    def __init__(self, method: str, error_code: int, description: str) -> None:
        super().__init__(f"{method}: {error_code} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description


class ChatUnreachable(BotApiError):
    """The bot may no longer write to the chat; retrying will not help."""


class BotUnreachable(BotApiError):
    """The API (only errors of its own, 5xx), or the Redis that paces our sends, could not be
    reached in time."""

    def __init__(self, method: str, error: Exception | str) -> None:
        super().__init__(method, 503, error if isinstance(error, str) else type(error).__name__)


class SendDeferred(BotApiError):
    """Telegram's limits put this chat's next message further away than we wait."""

    def __init__(self, method: str, wait: float) -> None:
        super().__init__(method, 429, "Too Many Requests: deferred by the send scheduler")
        self.retry_after = max(1, int(wait + 0.999))


class ChatMigrated(BotApiError):
    def __init__(self, method: str, error_code: int, description: str, chat_id: int) -> None:
        super().__init__(method, error_code, description)
        self.chat_id = chat_id


@dataclass(frozen=True)
class Sent:
    message_id: int
    chat_id: int | str
    """Where the message went: a migrated group's new id when it moved."""
    migrated: bool = False


class _TokenTransport(httpx.AsyncBaseTransport):
    """Puts ``/bot<token>`` before the method name, below httpx's request logging."""

    def __init__(self, token: str, inner: httpx.AsyncBaseTransport) -> None:
        self._prefix = f"/bot{token}"
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        base, _, method = request.url.path.rpartition("/")
        signed = httpx.Request(
            request.method,
            request.url.copy_with(path=f"{base}{self._prefix}/{method}"),
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(signed)

    async def aclose(self) -> None:
        await self._inner.aclose()


def inline_keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    """One button a row."""
    return {"inline_keyboard": [[button] for button in buttons]}


def url_button(text: str, url: str) -> dict[str, Any]:
    return {"text": text, "url": url}


def web_app_button(text: str, url: str) -> dict[str, Any]:
    """Opens the Mini App with signed launch data; Telegram allows it in private chats only."""
    return {"text": text, "web_app": {"url": url}}


def _retry_after(reply: httpx.Response, parameters: dict[str, Any]) -> int | None:
    """Seconds the API asks us to wait: ``parameters.retry_after`` (Telegram), else a
    ``Retry-After`` header in seconds."""
    asked = parameters.get("retry_after")
    if isinstance(asked, int) and not isinstance(asked, bool) and asked >= 0:
        return asked
    header = reply.headers.get("retry-after", "").strip()
    return int(header) if header.isdigit() else None


class BotApi:
    """A Bot API of Telegram's shape. ``name`` is for log lines (never a token or a chat)."""

    name = "telegram"

    def __init__(
        self,
        token: str,
        api_base: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_retry_after: int = MAX_RETRY_AFTER,
        scheduler: SendScheduler | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=api_base.rstrip("/"),
            transport=_TokenTransport(token, transport or httpx.AsyncHTTPTransport(retries=1)),
            timeout=httpx.Timeout(10.0, connect=5.0),
        )
        self._sleep = sleep
        self._max_retry_after = max_retry_after
        self.scheduler = scheduler or scheduler_for("")

    async def aclose(self) -> None:
        await self._client.aclose()
        await self.scheduler.close()

    async def _post(
        self, method: str, params: dict[str, Any], files: dict[str, Any] | None
    ) -> httpx.Response:
        if not files:
            return await self._client.post(f"/{method}", json=params)
        # multipart: every field is text, objects (reply_markup) as JSON strings
        fields = {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in params.items()
        }
        return await self._client.post(f"/{method}", data=fields, files=files)

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        group: bool | None = None,
    ) -> Any:
        """The ``result`` of one Bot API method, after waiting out flood control and server
        trouble. A method with a ``chat_id`` waits its turn in the scheduler before every
        attempt (``group`` says whether the chat is a group, when its id cannot)."""
        params = params or {}
        try:
            return await self._call(method, params, files, group)
        except (httpx.HTTPError, RedisError) as error:
            log.warning("%s %s: not sent (%s)", self.name, method, type(error).__name__)
            raise BotUnreachable(method, error) from None

    async def _call(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, Any] | None,
        group: bool | None,
    ) -> Any:
        chat = params.get("chat_id")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if chat is not None:
                try:
                    await self.scheduler.wait_turn(chat, group=group)
                except SendBacklog as backlog:
                    raise SendDeferred(method, backlog.wait) from None
            reply = await self._post(method, params, files)
            try:
                body = reply.json()
            except ValueError:
                body = {}
            if not isinstance(body, dict):
                body = {}
            if body.get("ok") is True:
                return body.get("result")
            code = int(body.get("error_code") or reply.status_code)
            description = str(body.get("description") or reply.reason_phrase)
            parameters = body.get("parameters") or {}
            if not isinstance(parameters, dict):
                parameters = {}
            retry_after = _retry_after(reply, parameters)
            trouble = reply.status_code >= 500
            if (retry_after is not None or trouble) and attempt < MAX_ATTEMPTS:
                wait = retry_after if retry_after is not None else attempt
                if wait > self._max_retry_after:
                    log.warning("%s %s: asked to wait %ss", self.name, method, wait)
                    raise BotApiError(method, code, description)
                if chat is not None:
                    await self.scheduler.pause(chat, wait)
                else:
                    await self._sleep(wait)
                continue
            migrated = parameters.get("migrate_to_chat_id")
            if isinstance(migrated, int):
                raise ChatMigrated(method, code, description, migrated)
            log.warning("%s %s failed with %s", self.name, method, code)
            if trouble:
                raise BotUnreachable(method, f"{code} {description}")
            if code == 403:
                raise ChatUnreachable(method, code, description)
            raise BotApiError(method, code, description)
        raise BotApiError(method, 429, "Too Many Requests")  # pragma: no cover


class TelegramBot(BotApi):
    name = "telegram"

    async def send_message(
        self,
        chat_id: int | str,
        text: str,
        *,
        reply_markup: dict[str, Any] | None = None,
        parse_mode: str | None = "HTML",
    ) -> Sent:
        """Send ``text``; a group that became a supergroup is followed once."""
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if parse_mode:
            params["parse_mode"] = parse_mode
        if reply_markup:
            params["reply_markup"] = reply_markup
        try:
            result = await self.call("sendMessage", params)
            return Sent(int(result["message_id"]), chat_id)
        except ChatMigrated as moved:
            result = await self.call("sendMessage", {**params, "chat_id": moved.chat_id})
            return Sent(int(result["message_id"]), moved.chat_id, migrated=True)

    async def send_photo(
        self,
        chat_id: int | str,
        png: bytes,
        *,
        caption: str = "",
        filename: str = "chart.png",
        parse_mode: str | None = "HTML",
    ) -> Sent:
        """Upload a PNG with its caption (at most 1024 characters once parsed)."""
        params: dict[str, Any] = {"chat_id": str(chat_id)}
        if caption:
            params["caption"] = caption
            if parse_mode:
                params["parse_mode"] = parse_mode
        files = {"photo": (filename, png, "image/png")}
        try:
            result = await self.call("sendPhoto", params, files=files)
            return Sent(int(result["message_id"]), chat_id)
        except ChatMigrated as moved:
            params["chat_id"] = str(moved.chat_id)
            result = await self.call("sendPhoto", params, files=files)
            return Sent(int(result["message_id"]), moved.chat_id, migrated=True)

    async def set_webhook(
        self, url: str, secret_token: str, allowed_updates: list[str] | None = None
    ) -> Any:
        return await self.call(
            "setWebhook",
            {
                "url": url,
                "secret_token": secret_token,
                "allowed_updates": allowed_updates or list(ALLOWED_UPDATES),
            },
        )

    async def get_me(self) -> Any:
        return await self.call("getMe")

    async def get_webhook_info(self) -> Any:
        return await self.call("getWebhookInfo")
