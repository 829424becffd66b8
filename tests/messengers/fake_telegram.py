"""A fake Telegram Bot API: an HTTP server on 127.0.0.1 that checks requests the way the real
one does (method names, required fields, button shapes, ``web_app`` only in private chats;
``sendPhoto`` as a multipart upload of a PNG with a caption of at most 1024 characters once
its entities are parsed; ``setWebhook``, ``getMe`` and ``getWebhookInfo`` with their required
fields) and can answer with flood control (429 + ``retry_after``), a group's migration to a
supergroup (400 + ``migrate_to_chat_id``) and a blocked bot (403). It also notes when each
message arrived, so tests can check the bot's pace."""

from __future__ import annotations

import email.parser
import email.policy
import html
import json
import re
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from tests.fake_http import serving

METHODS = {"getme", "sendmessage", "sendphoto", "setwebhook", "getwebhookinfo", "deletewebhook"}
UPDATE_TYPES = {
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BUTTON_ACTIONS = {
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
}
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Refusal(Exception):
    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class FakeTelegram:
    token: str
    url: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(method in lower case, parameters) of every accepted or refused request."""
    paths: list[str] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, Any]] | None] = field(default_factory=list)
    """Scripted replies (status, body) used before any check, first in first out; None
    lets that request through as usual."""
    migrated: dict[int, int] = field(default_factory=dict)
    """Old group id -> its supergroup's id."""
    blocked: set[int | str] = field(default_factory=set)
    messages: int = 0
    arrivals: list[tuple[float, int | str]] = field(default_factory=list)
    """(monotonic time, chat) of every message accepted."""
    webhook: dict[str, Any] = field(default_factory=dict)
    """What the last accepted ``setWebhook`` set."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, method: str = "sendmessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    # --- the checks --------------------------------------------------------------------

    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.paths.append(path)
            m = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
            if not m or m.group(1) != self.token:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            method = m.group(2).lower()
            self.calls.append((method, params))
            if method not in METHODS:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            scripted = self.fail_next.pop(0) if self.fail_next else None
            if scripted is not None:
                return scripted
            try:
                result = getattr(self, "_" + method)(params)
            except Refusal as refusal:
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": refusal.status,
                    "description": refusal.description,
                }
                if refusal.parameters:
                    body["parameters"] = refusal.parameters
                return refusal.status, body
            return 200, {"ok": True, "result": result}

    def _getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Công đoàn test",
            "username": "test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if self.webhook.get("url"):
            info["max_connections"] = 40
            if "allowed_updates" in self.webhook:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _setwebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url")
        if not isinstance(url, str):
            raise Refusal(400, "Bad Request: parameter url is required")
        if url and not url.startswith("https://"):
            raise Refusal(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.fullmatch(str(secret)):
            raise Refusal(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        if allowed is not None and (
            not isinstance(allowed, list) or not set(allowed) <= UPDATE_TYPES
        ):
            raise Refusal(400, "Bad Request: can't parse allowed updates")
        self.webhook = {"url": url, "secret_token": secret}
        if allowed is not None:
            self.webhook["allowed_updates"] = allowed
        return True

    def _sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = _chat(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise Refusal(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise Refusal(400, "Bad Request: message is too long")
        if params.get("parse_mode") not in (None, "HTML", "MarkdownV2", "Markdown"):
            raise Refusal(400, "Bad Request: unsupported parse_mode")
        if params.get("parse_mode") == "HTML":
            _check_html(text)
        if "reply_markup" in params:
            _check_markup(params["reply_markup"], private=isinstance(chat, int) and chat > 0)
        self._deliverable(chat)
        return {**self._accept(chat), "text": text}

    def _sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = _chat(params)
        photo = params.get("photo")
        if not isinstance(photo, Upload):
            # a file_id or URL string is valid too, but this bot always uploads
            raise Refusal(400, "Bad Request: there is no photo in the request")
        if len(photo.content) > 10 * 1024 * 1024:
            raise Refusal(400, "Bad Request: file is too big")
        size = _png_size(photo.content)
        if size is None:
            raise Refusal(400, "Bad Request: IMAGE_PROCESS_FAILED")
        width, height = size
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise Refusal(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        caption = params.get("caption", "")
        if not isinstance(caption, str):
            raise Refusal(400, "Bad Request: can't parse caption")
        if params.get("parse_mode") not in (None, "HTML", "MarkdownV2", "Markdown"):
            raise Refusal(400, "Bad Request: unsupported parse_mode")
        visible = caption
        if params.get("parse_mode") == "HTML":
            _check_html(caption)
            visible = html.unescape(re.sub(r"<[^>]*>", "", caption))
        if len(visible.encode("utf-16-le")) // 2 > 1024:
            raise Refusal(400, "Bad Request: message caption is too long")
        if "reply_markup" in params:
            _check_markup(params["reply_markup"], private=isinstance(chat, int) and chat > 0)
        self._deliverable(chat)
        sizes = [{"file_id": f"photo-{self.messages + 1}", "width": width, "height": height}]
        return {**self._accept(chat), "photo": sizes, "caption": visible}

    def _deliverable(self, chat: int | str) -> None:
        if chat in self.migrated:
            raise Refusal(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat],
            )
        if chat in self.blocked:
            raise Refusal(403, "Forbidden: bot was kicked from the supergroup chat")

    def _accept(self, chat: int | str) -> dict[str, Any]:
        self.messages += 1
        self.arrivals.append((time.monotonic(), chat))
        return {"message_id": self.messages, "chat": {"id": chat}}


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    content: bytes


def _chat(params: dict[str, Any]) -> int | str:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise Refusal(400, "Bad Request: chat_id is empty")
    if isinstance(chat_id, str) and not re.fullmatch(r"@\w{4,32}|-?\d+", chat_id):
        raise Refusal(400, "Bad Request: chat not found")
    if not isinstance(chat_id, int | str):
        raise Refusal(400, "Bad Request: chat not found")
    return int(chat_id) if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit() else chat_id


def _png_size(content: bytes) -> tuple[int, int] | None:
    if not content.startswith(PNG_SIGNATURE) or content[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", content[16:24])
    return (width, height) if width and height else None


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ValueError("not multipart")
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if not isinstance(name, str):
            raise ValueError("a part without a name")
        filename = part.get_filename()
        if filename is None:
            params[name] = payload.decode("utf-8")
        else:
            params[name] = Upload(filename, part.get_content_type(), payload)
    return params


def _check_html(text: str) -> None:
    for tag in re.findall(r"<(/?)([a-zA-Z0-9-]*)", text):
        if tag[1] not in {"b", "strong", "i", "em", "u", "s", "a", "code", "pre", "tg-spoiler"}:
            raise Refusal(400, "Bad Request: can't parse entities: unsupported start tag")


def _check_markup(markup: Any, *, private: bool) -> None:
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise Refusal(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup["inline_keyboard"]:
        if not isinstance(row, list):
            raise Refusal(400, 'Bad Request: field "inline_keyboard" must be an Array of Array')
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise Refusal(
                    400, "Bad Request: can't parse inline keyboard button: Text must be non-empty"
                )
            actions = set(button) & BUTTON_ACTIONS
            if len(actions) != 1 or set(button) - BUTTON_ACTIONS - {"text"}:
                raise Refusal(400, "Bad Request: can't parse inline keyboard button")
            if "url" in button and not re.match(r"(https?|tg)://", str(button["url"])):
                raise Refusal(400, "Bad Request: BUTTON_URL_INVALID")
            if "web_app" in button:
                web_app = button["web_app"]
                if not isinstance(web_app, dict) or not str(web_app.get("url", "")).startswith(
                    "https://"
                ):
                    raise Refusal(400, "Bad Request: BUTTON_URL_INVALID")
                if not private:
                    raise Refusal(400, "Bad Request: BUTTON_TYPE_INVALID")


def _params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query))
    if content_type.startswith("application/json") and body:
        loaded = json.loads(body)
        if not isinstance(loaded, dict):
            raise ValueError("not an object")
        params.update(loaded)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
    elif content_type.startswith("multipart/form-data"):
        params.update(_multipart(content_type, body))
    if isinstance(params.get("reply_markup"), str):
        params["reply_markup"] = json.loads(params["reply_markup"])
    return params


def serve(fake: FakeTelegram) -> Iterator[FakeTelegram]:
    def answer(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        path, _, query = target.partition("?")
        try:
            params = _params(headers.get("content-type", ""), body, query)
        except ValueError:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
        return fake.handle(path, params)

    with serving(answer) as fake.url:
        yield fake
