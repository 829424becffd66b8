"""Every anonymity rule of shared/DESIGN.md, in one place; nothing else re-implements them.

- duplicate and idempotency keys: ``HMAC(per-poll key, subject)``, the per-poll key derived
  from the server secret, so a key means nothing outside its poll or without the secret;
- submission time coarsened to the hour; response and answer ids random
  (``new_row_id``), their rows rewritten every hour by ``services.unlinking``; no receipt.

What may be *released* (joint suppression across breakdowns, release steps, perturbation,
free-text and export thresholds, a timeline's runs of days) is ``polls.disclosure``'s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

DEVICE_COOKIE = "polls_device"
DEVICE_TOKEN_BYTES = 16
DEVICE_MAC_BYTES = 16


def derived_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose (sessions, sealed tokens, event ids...) from the server secret:
    no two purposes share a key, and none reveals the secret."""
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def _poll_key(secret: str, poll_id: int) -> bytes:
    return hmac.new(secret.encode(), f"poll-key:{poll_id}".encode(), hashlib.sha256).digest()


def duplicate_key(secret: str, poll_id: int, subject: str) -> str:
    """The only trace a duplicate check leaves: unlinkable across polls, one-way."""
    key = _poll_key(secret, poll_id)
    return hmac.new(key, f"subject:{poll_id}:{subject}".encode(), hashlib.sha256).hexdigest()


def idempotency_key(secret: str, poll_id: int, submission_id: str) -> str:
    key = _poll_key(secret, poll_id)
    return hmac.new(
        key, f"submission:{poll_id}:{submission_id}".encode(), hashlib.sha256
    ).hexdigest()


def _device_mac(secret: str, nonce: str) -> str:
    mac = hmac.new(derived_key(secret, "device-token"), nonce.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:DEVICE_MAC_BYTES]).decode().rstrip("=")


def sign_device_token(secret: str, nonce: str) -> str:
    """``<nonce>.<MAC>``: a device token this server handed out. Only a page or a refusal
    the server served carries one, so a script that never loads a page cannot mint a new
    "device" for every answer; it has to come back for a token each time, under the
    per-address limit. The nonce alone is the device's identity (``device_subject``), so a
    cookie of an earlier version, unsigned, keeps its identity once it is signed."""
    return f"{nonce}.{_device_mac(secret, nonce)}"


def new_device_token(secret: str) -> str:
    return sign_device_token(secret, secrets.token_urlsafe(DEVICE_TOKEN_BYTES))


def is_device_nonce(value: str | None) -> bool:
    """The random part of a device token (or a whole unsigned token of an earlier version):
    16-64 characters of the URL-safe alphabet, nothing that could break a cookie."""
    return (
        bool(value)
        and 16 <= len(value or "") <= 64
        and (value or "").replace("-", "").replace("_", "").isalnum()
    )


def is_device_token(value: str | None, secret: str) -> bool:
    """A token this server signed with ``secret`` (checked in constant time)."""
    if not value or value.count(".") != 1:
        return False
    nonce, mac = value.split(".")
    return is_device_nonce(nonce) and hmac.compare_digest(
        mac.encode(), _device_mac(secret, nonce).encode()
    )


def device_subject(token: str) -> str:
    """Who answers once under the ``device`` policy: the token's nonce, never its MAC."""
    return token.split(".", 1)[0]


ROW_ID_BITS = 63


def new_row_id() -> int:
    """A response's or answer's id: random, so ids give neither order nor count. 63 bits
    fit a signed BIGINT; 0 is avoided only so that an id is always truthy."""
    return secrets.randbits(ROW_ID_BITS) or 1


def coarsen_to_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
