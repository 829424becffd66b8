"""A fake Zalo: one HTTP server on 127.0.0.1 for the three hosts (the OAuth server, the OA
Open API and the Graph API), checking requests the way the real ones do:

- ``POST /v4/oa/access_token``: form-encoded, the App Secret in a ``secret_key`` header,
  ``app_id``; ``authorization_code`` needs a code the OA admin's consent made, used once,
  within its lifetime, with the PKCE verifier of its challenge; ``refresh_token`` needs the
  current refresh token, which then stops working (rotation). Answers ``expires_in`` as a
  string, as Zalo does;
- ``POST /v3.0/oa/message/cs``: JSON, the access token in an ``access_token`` header (an
  expired or unknown one gets ``-216``), ``appsecret_proof`` checked when sent, a string
  ``recipient.user_id`` and a non-empty ``message.text`` of at most 2000 characters; a user
  who has not written to the OA gets ``-230``. Failures keep HTTP 200, as on Zalo;
- ``GET /v2.0/me``: a Mini App user's token in ``access_token`` and a matching
  ``appsecret_proof`` header, answering the app-scoped ``id``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from tests.fake_http import serving

APP_ID = "1234567890123456789"
APP_SECRET = "TEST_APP_SECRET_not_real"
OA_SECRET_KEY = "TEST_OA_SECRET_KEY_not_real"
TOKEN_LIFETIME = 90000


def proof(access_token: str) -> str:
    return hmac.new(APP_SECRET.encode(), access_token.encode(), hashlib.sha256).hexdigest()


@dataclass
class FakeZalo:
    url: str = ""
    refresh_delay: float = 0.0
    """Seconds a refresh takes (so concurrent refreshes overlap)."""
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    """(method, path, headers in lower case, parsed body) of every request."""
    codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    """Authorization code -> (PKCE challenge, expiry)."""
    access_tokens: dict[str, float] = field(default_factory=dict)
    """Live OA access token -> expiry (epoch seconds)."""
    refresh_token: str | None = None
    spent_refresh_tokens: Counter[str] = field(default_factory=Counter)
    """How often each refresh token was sent (accepted or not)."""
    issued: list[tuple[str, str]] = field(default_factory=list)
    """Every (access, refresh) pair handed out, in order."""
    followers: set[str] = field(default_factory=set)
    """OA-scoped ids of followers inside the reply window."""
    sent: list[dict[str, Any]] = field(default_factory=list)
    mini_app_users: dict[str, str] = field(default_factory=dict)
    """Mini App user access token -> app-scoped user id."""
    outage: int | None = None
    """An HTTP status (502, 503...) every request gets instead of Zalo's answer, as a load
    balancer in front of Zalo answers while Zalo is down."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- scripting -----------------------------------------------------------------------

    def consent(self, verifier: str) -> str:
        """What an OA admin's consent does: a code bound to the PKCE challenge."""
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        code = "code-" + secrets.token_urlsafe(12)
        self.codes[code] = (challenge.rstrip(b"=").decode(), time.time() + 600)
        return code

    def issue_pair(self) -> tuple[str, str]:
        with self.lock:
            return self._issue()

    def _issue(self) -> tuple[str, str]:
        access = "AT-" + secrets.token_urlsafe(24)
        refresh = "RT-" + secrets.token_urlsafe(24)
        self.access_tokens[access] = time.time() + TOKEN_LIFETIME
        self.refresh_token = refresh
        self.issued.append((access, refresh))
        return access, refresh

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.access_tokens:
                self.access_tokens[token] = 0

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.requests]

    # --- the endpoints -------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        route = path.partition("?")[0]
        query = dict(parse_qsl(path.partition("?")[2]))
        if self.outage is not None:
            self._log(method, path, headers, None)
            return self.outage, {"message": "Bad Gateway"}
        if method == "POST" and route == "/v4/oa/access_token":
            form = dict(parse_qsl(body.decode()))
            self._log(method, path, headers, form)
            if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                return 200, {"error": -14001, "error_name": "Invalid parameter"}
            if self.refresh_delay and form.get("grant_type") == "refresh_token":
                # a slow Zalo: the refresh holds its answer back, so that a second
                # refresher arrives while the first is still waiting for it
                time.sleep(self.refresh_delay)
            with self.lock:
                return 200, self._access_token(headers, form)
        if method == "POST" and route == "/v3.0/oa/message/cs":
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            self._log(method, path, headers, payload)
            if not headers.get("content-type", "").startswith("application/json"):
                return 200, {"error": -201, "message": "Parameters are invalid"}
            with self.lock:
                return 200, self._send(headers, payload)
        if method == "GET" and route == "/v2.0/me":
            self._log(method, path, headers, query)
            return 200, self._me(headers, query)
        self._log(method, path, headers, None)
        return 404, {"error": 404, "message": "empty api"}

    def _log(self, method: str, path: str, headers: dict[str, str], body: Any) -> None:
        with self.lock:
            self.requests.append((method, path, headers, body))

    def _access_token(self, headers: dict[str, str], form: dict[str, str]) -> dict[str, Any]:
        if headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return {"error": -14002, "error_name": "Invalid app_id or secret_key"}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            code = form.get("code", "")
            challenge, expiry = self.codes.pop(code, ("", 0.0))
            verifier = form.get("code_verifier", "")
            made = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if not challenge or expiry < time.time():
                return {"error": -14003, "error_name": "Invalid authorization code"}
            if made.rstrip(b"=").decode() != challenge:
                return {"error": -14004, "error_name": "Invalid code verifier"}
        elif grant == "refresh_token":
            sent = form.get("refresh_token", "")
            self.spent_refresh_tokens[sent] += 1
            if not sent or sent != self.refresh_token:
                return {"error": -14014, "error_name": "Invalid refresh token"}
        else:
            return {"error": -14001, "error_name": "Invalid grant_type"}
        access, refresh = self._issue()
        return {"access_token": access, "refresh_token": refresh, "expires_in": str(TOKEN_LIFETIME)}

    def _live(self, token: str | None) -> bool:
        return bool(token) and self.access_tokens.get(token or "", 0) > time.time()

    def _send(self, headers: dict[str, str], payload: Any) -> dict[str, Any]:
        token = headers.get("access_token")
        if not self._live(token):
            return {"error": -216, "message": "Access token is invalid"}
        if "appsecret_proof" in headers and headers["appsecret_proof"] != proof(token or ""):
            return {"error": -14017, "message": "Invalid appsecret_proof"}
        if not isinstance(payload, dict):
            return {"error": -201, "message": "Parameters are invalid"}
        recipient, message = payload.get("recipient"), payload.get("message")
        if not isinstance(recipient, dict) or not isinstance(message, dict):
            return {"error": -201, "message": "Parameters are invalid"}
        user_id = recipient.get("user_id")
        text = message.get("text")
        if not isinstance(user_id, str) or not user_id.isdigit():
            return {"error": -201, "message": "user_id is invalid"}
        if not isinstance(text, str) or not text.strip() or len(text) > 2000:
            return {"error": -201, "message": "text is invalid"}
        if user_id not in self.followers:
            return {"error": -230, "message": "User has not interacted with the OA in 7 days"}
        self.sent.append(payload)
        return {
            "error": 0,
            "message": "Success",
            "data": {"message_id": secrets.token_hex(10), "user_id": user_id},
        }

    def _me(self, headers: dict[str, str], query: dict[str, str]) -> dict[str, Any]:
        token = headers.get("access_token", "")
        user_id = self.mini_app_users.get(token)
        if user_id is None:
            return {"error": 452, "message": "Session key invalid"}
        if headers.get("appsecret_proof") != proof(token):
            return {"error": -14017, "message": "Invalid appsecret_proof"}
        fields = set(query.get("fields", "id").split(","))
        found: dict[str, Any] = {"id": user_id}
        if "name" in fields:
            found["name"] = "Nguyễn Văn An"
        return found


def serve(fake: FakeZalo) -> Iterator[FakeZalo]:
    with serving(fake.handle) as fake.url:
        yield fake
