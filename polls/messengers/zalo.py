"""Zalo over plain httpx: the Official Account's webhook signature, OAuth v4 for the OA's
token pair, consultation messages to followers, and the Graph API that says who a Mini App
user is. Base URLs come from settings (``ZALO_OAUTH_BASE``, ``ZALO_OPENAPI_BASE``,
``ZALO_GRAPH_BASE``): Zalo's servers, or a test fake.

    ZaloApiError              Zalo answered with a non-zero ``error`` (or no JSON at all)
    ├── AccessTokenInvalid    -124 / -216: the access token expired or was revoked
    ├── OutsideReplyWindow    -230 / -213 / -201: the follower has not written to the OA
    │                         recently (or no longer follows it), or the quota is spent
    └── GrantRefused          the OAuth server refused a code or a refresh token

Formulas (shared/reference/messengers.md, section 3; Z1 and Z2 are its test vectors):

- webhook: ``X-ZEvent-Signature: mac=<hex SHA256(app_id + raw body + timestamp + OA secret
  key)>``, plain SHA-256 of the concatenation, ``timestamp`` read from the body;
- ``appsecret_proof`` = hex HMAC-SHA256(key=App Secret, msg=access token), as a header;
- tokens travel in headers (``secret_key``, ``access_token``) or form bodies, never in a URL,
  so httpx's request log lines hold none. No token, App Secret or user id is ever logged,
  and ``TokenPair``'s repr hides both tokens.

Pure code and an HTTP client: no Litestar, no database (``polls.services.zalo`` stores the
pair and decides when to refresh it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

log = logging.getLogger("polls.zalo")

ACCESS_TOKEN = re.compile(r"[\x21-\x7e]{1,2048}")
"""A token we pass on in a header of our own call to Zalo: visible ASCII, bounded."""
AUTH_SCHEME = "zalo "
MAC_PREFIX = "mac="
MAX_TEXT = 2000
"""Characters a consultation text may hold."""
DEFAULT_EXPIRES_IN = 90000
"""Seconds an OA access token lives when Zalo's answer does not say (25 h)."""

TOKEN_ERRORS = frozenset({-124, -216})
WINDOW_ERRORS = frozenset({-230, -213, -201})


class ZaloApiError(Exception):
    """Zalo refused a call. The message carries Zalo's error code and text, never a token."""

    def __init__(self, endpoint: str, error_code: int, description: str) -> None:
        super().__init__(f"{endpoint}: {error_code} {description}")
        self.endpoint = endpoint
        self.error_code = error_code
        self.description = description


class AccessTokenInvalid(ZaloApiError):
    """Refresh the OA's token pair, then try once more."""


class OutsideReplyWindow(ZaloApiError):
    """Zalo only lets an OA write to a follower who wrote to it recently (a few free replies
    within 48 hours of the follower's last message), or within a paid quota."""


class GrantRefused(ZaloApiError):
    """The authorization code or refresh token was refused: an OA admin must authorize the
    app again (``polls zalo auth-url``, then ``polls zalo exchange-code``)."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    """Seconds the access token lives from when it was issued."""


# --- the webhook's signature ------------------------------------------------------------


def event_mac(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(body)
    digest.update(timestamp.encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


def signature_valid(body: bytes, header: str | None, *, app_id: str, oa_secret_key: str) -> bool:
    """Whether ``body`` came from Zalo for our app: the ``X-ZEvent-Signature`` header (with or
    without ``mac=``) must match, and the body must name our app and carry a timestamp."""
    if not header or not app_id or not oa_secret_key:
        return False
    sent = header.strip()
    if sent.lower().startswith(MAC_PREFIX):
        sent = sent[len(MAC_PREFIX) :].strip()
    try:
        event = json.loads(body)
    except ValueError:
        return False
    if not isinstance(event, dict):
        return False
    timestamp = event.get("timestamp")
    if not isinstance(timestamp, (str, int)) or isinstance(timestamp, bool):
        return False
    expected = event_mac(app_id, body, str(timestamp), oa_secret_key)
    if not hmac.compare_digest(expected.encode(), sent.lower().encode()):
        return False
    return str(event.get("app_id", "")) == app_id


def appsecret_proof(app_secret: str, access_token: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def access_token_from_header(authorization: str | None) -> str | None:
    """The token of an ``Authorization: zalo <access token>`` header, or None."""
    if not authorization or not authorization.lower().startswith(AUTH_SCHEME):
        return None
    return authorization[len(AUTH_SCHEME) :].strip() or None


# --- OAuth v4 for an Official Account, with PKCE ---------------------------------------------


def new_code_verifier() -> str:
    """43 characters of base64url: the PKCE secret kept until the code is exchanged."""
    return secrets.token_urlsafe(32)


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def permission_url(
    oauth_base: str, app_id: str, redirect_uri: str, verifier: str, state: str
) -> str:
    """Where an OA admin grants the app access to the OA; Zalo then redirects to
    ``redirect_uri`` with ``code``, ``oa_id`` and ``state``."""
    query = urlencode(
        {
            "app_id": app_id,
            "redirect_uri": redirect_uri,
            "code_challenge": code_challenge(verifier),
            "state": state,
        }
    )
    return f"{oauth_base.rstrip('/')}/v4/oa/permission?{query}"


def _error_code(body: dict[str, Any]) -> int:
    try:
        return int(body.get("error") or 0)
    except (TypeError, ValueError):
        return -1


def _description(body: dict[str, Any]) -> str:
    for key in ("message", "error_description", "error_name"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value[:200]
    return "error"


def _refusal(endpoint: str, body: dict[str, Any]) -> ZaloApiError:
    code = _error_code(body)
    description = _description(body)
    if code in TOKEN_ERRORS:
        return AccessTokenInvalid(endpoint, code, description)
    if code in WINDOW_ERRORS:
        return OutsideReplyWindow(
            endpoint,
            code,
            f"{description} (outside the reply window: the follower has not written to the OA "
            "recently, or the OA's message quota is spent)",
        )
    return ZaloApiError(endpoint, code, description)


def _json(reply: httpx.Response) -> dict[str, Any]:
    """The reply's JSON object; a server failure (5xx, 429) is an ``httpx.HTTPStatusError``,
    so the caller treats it as Zalo being unreachable, not as a refusal."""
    if reply.status_code >= 500 or reply.status_code == 429:
        reply.raise_for_status()
    try:
        body = reply.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {"error": -1, "message": f"HTTP {reply.status_code}"}


class ZaloApi:
    """One ``AsyncClient`` for Zalo's three hosts; the caller passes the access token."""

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        oauth_base: str,
        openapi_base: str,
        graph_base: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.app_id = app_id
        self._app_secret = app_secret
        self.oauth_base = oauth_base.rstrip("/")
        self._openapi_base = openapi_base.rstrip("/")
        self._graph_base = graph_base.rstrip("/")
        self._client = httpx.AsyncClient(
            transport=transport or httpx.AsyncHTTPTransport(retries=1),
            timeout=httpx.Timeout(10.0, connect=5.0),
        )

    def __repr__(self) -> str:
        return f"ZaloApi(app_id={self.app_id!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _token_call(self, form: dict[str, str]) -> TokenPair:
        endpoint = "oauth/access_token"
        reply = await self._client.post(
            f"{self.oauth_base}/v4/oa/access_token",
            data={**form, "app_id": self.app_id},
            headers={"secret_key": self._app_secret},
        )
        body = _json(reply)
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            code = _error_code(body) or -1
            log.warning("zalo %s refused (%s)", endpoint, code)
            raise GrantRefused(endpoint, code, _description(body))
        try:
            expires_in = int(body.get("expires_in") or DEFAULT_EXPIRES_IN)
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        return TokenPair(access, refresh, expires_in)

    async def exchange_code(self, code: str, code_verifier: str) -> TokenPair:
        """The first token pair, for the code an OA admin's consent produced."""
        return await self._token_call(
            {"code": code, "grant_type": "authorization_code", "code_verifier": code_verifier}
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair; Zalo never accepts ``refresh_token`` again after this call."""
        return await self._token_call(
            {"refresh_token": refresh_token, "grant_type": "refresh_token"}
        )

    async def send_text(self, access_token: str, user_id: str, text: str) -> str:
        """A consultation (``cs``) text message to a follower; returns its message id."""
        endpoint = "message/cs"
        reply = await self._client.post(
            f"{self._openapi_base}/v3.0/oa/message/cs",
            json={"recipient": {"user_id": user_id}, "message": {"text": text[:MAX_TEXT]}},
            headers={
                "access_token": access_token,
                "appsecret_proof": appsecret_proof(self._app_secret, access_token),
            },
        )
        body = _json(reply)
        if _error_code(body) != 0 or reply.status_code != 200:
            refusal = _refusal(endpoint, body)
            log.warning("zalo %s refused (%s)", endpoint, refusal.error_code)
            raise refusal
        data = body.get("data")
        message_id = data.get("message_id") if isinstance(data, dict) else None
        return str(message_id or "")

    async def user_id(self, access_token: str) -> str:
        """The app-scoped id of the Mini App user whose token this is (Graph API ``/me``)."""
        endpoint = "graph/me"
        reply = await self._client.get(
            f"{self._graph_base}/v2.0/me",
            params={"fields": "id"},
            headers={
                "access_token": access_token,
                "appsecret_proof": appsecret_proof(self._app_secret, access_token),
            },
        )
        body = _json(reply)
        user_id = body.get("id")
        if _error_code(body) != 0 or not isinstance(user_id, (str, int)) or not str(user_id):
            refusal = _refusal(endpoint, body)
            log.info("zalo %s refused (%s)", endpoint, refusal.error_code)
            raise refusal
        return str(user_id)
