"""A fake Zalo Bot API: an HTTP server on 127.0.0.1 that checks requests as the real one is
documented to (shared/reference/zalo-and-telegram.md, 2.7): the token in the path
(``/bot<token>/<method>``), POST with a JSON body, the documented method names, ``chat_id``
a string of a chat the bot can write to (a person who wrote to it, or a group it is a member
of), ``sendMessage`` text of 1-2000 characters, ``sendPhoto`` with the photo's http(s) URL
and a caption of at most 2000 characters, ``setWebhook`` with an HTTPS URL and a secret of
8-256 characters. It can answer scripted replies first (429 with ``Retry-After``, 5xx) and
notes when each message arrived."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.fake_http import serving

METHODS = {
    "getme",
    "getupdates",
    "setwebhook",
    "deletewebhook",
    "getwebhookinfo",
    "sendmessage",
    "sendphoto",
    "sendsticker",
    "sendchataction",
}
SECRET = re.compile(r"[\x21-\x7e]{8,256}")

Scripted = tuple[int, dict[str, Any]] | tuple[int, dict[str, Any], dict[str, str]]


class Refusal(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def flood(retry_after: int) -> Scripted:
    return (
        429,
        {"ok": False, "error_code": 429, "description": "Too Many Requests"},
        {"Retry-After": str(retry_after)},
    )


def trouble(status: int = 502) -> Scripted:
    return status, {"ok": False, "error_code": status, "description": "Bad Gateway"}


@dataclass
class FakeZaloBot:
    token: str
    url: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    fail_next: list[Scripted | None] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)
    """Groups the bot is a member of."""
    people: set[str] = field(default_factory=set)
    """Private chats of people who wrote to the bot."""
    webhook: dict[str, Any] = field(default_factory=dict)
    messages: int = 0
    arrivals: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, method: str = "sendmessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def handle(self, http_method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        with self.lock:
            self.paths.append(path)
            m = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
            if not m or m.group(1) != self.token:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            method = m.group(2).lower()
            if method not in METHODS:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            if http_method != "POST" or not headers.get("content-type", "").startswith(
                "application/json"
            ):
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
            if not isinstance(params, dict):
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
            self.calls.append((method, params))
            scripted = self.fail_next.pop(0) if self.fail_next else None
            if scripted is not None:
                return scripted
            try:
                result = getattr(self, "_" + method)(params)
            except Refusal as refusal:
                return refusal.status, {
                    "ok": False,
                    "error_code": refusal.status,
                    "description": refusal.description,
                }
            return 200, {"ok": True, "result": result}

    def _getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.token.split(":")[0],
            "account_name": "bot.CongDoanTest",
            "account_type": "BASIC",
            "can_join_groups": True,
        }

    def _getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "updated_at": 1_765_000_000_000}

    def _deletewebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = {}
        return {"url": "", "updated_at": 1_765_000_000_000}

    def _getupdates(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook:
            raise Refusal(409, "Conflict: webhook is active")
        return {}

    def _setwebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise Refusal(400, "Bad Request: url must be HTTPS")
        if not isinstance(secret, str) or not SECRET.fullmatch(secret):
            raise Refusal(400, "Bad Request: secret_token must have 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret}
        return {"url": url, "updated_at": 1_765_000_000_000}

    def _chat(self, params: dict[str, Any]) -> str:
        chat = params.get("chat_id")
        if not isinstance(chat, str) or not chat:
            raise Refusal(400, "Bad Request: chat_id is required")
        if chat not in self.groups and chat not in self.people:
            raise Refusal(403, "Forbidden: the bot cannot send to this chat")
        return chat

    def _sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text = params.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 2000:
            raise Refusal(400, "Bad Request: text must have 1-2000 characters")
        return self._accept(chat)

    def _sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        photo = params.get("photo")
        if not isinstance(photo, str) or not re.match(r"https?://", photo):
            raise Refusal(400, "Bad Request: photo must be a URL")
        caption = params.get("caption")
        if caption is not None and (not isinstance(caption, str) or not 1 <= len(caption) <= 2000):
            raise Refusal(400, "Bad Request: caption must have 1-2000 characters")
        return self._accept(chat)

    def _sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        if params.get("action") not in ("typing", "upload_photo"):
            raise Refusal(400, "Bad Request: unknown action")
        return True

    def _sendsticker(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._accept(self._chat(params))

    def _accept(self, chat: str) -> dict[str, Any]:
        self.messages += 1
        self.arrivals.append((time.monotonic(), chat))
        return {"message_id": f"{self.messages:020x}", "date": int(time.time() * 1000)}


def serve(fake: FakeZaloBot) -> Iterator[FakeZaloBot]:
    def answer(method: str, target: str, headers: dict[str, str], body: bytes) -> Any:
        return fake.handle(method, target.partition("?")[0], headers, body)

    with serving(answer) as fake.url:
        yield fake
