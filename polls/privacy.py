"""Every anonymity rule of shared/DESIGN.md, in one place; nothing else re-implements them.

- duplicate, idempotency and printed-code keys: ``HMAC(per-poll key, subject)``, the
  per-poll key derived from the server secret, so a key means nothing outside its poll or
  without the secret;
- submission time coarsened to the hour; response and answer ids random
  (``new_row_id``), their rows rewritten every hour by ``services.unlinking``; no receipt;
- ``merge_consecutive``: a timeline's small days joined with their neighbours.

What may be *released* (joint suppression across breakdowns, release steps, perturbation,
free-text and export thresholds) is ``polls.disclosure``'s. ``suppress`` below is the
earlier rule, one breakdown at a time, kept only as the "before" of bench/disclosure.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

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


def printed_code_key(secret: str, poll_id: int, code: str) -> str:
    """What is stored of a printed one-time code: its per-poll HMAC, so the table of issued
    codes gives no code back. Using a code claims a duplicate key of its own (subject
    ``code:<code>``), a different hash: the issued codes and the used ones do not join."""
    key = _poll_key(secret, poll_id)
    return hmac.new(key, f"printed-code:{poll_id}:{code}".encode(), hashlib.sha256).hexdigest()


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


def text_answers_visible(responses: int, min_group_size: int) -> bool:
    return responses >= min_group_size


K = TypeVar("K")


@dataclass(frozen=True)
class SegmentDecision(Generic[K]):
    """What may be shown of one breakdown segment."""

    key: K
    shown: bool
    merged: bool = False
    """Hidden on its own but counted in the merged "other" group."""


@dataclass(frozen=True)
class Suppression(Generic[K]):
    segments: tuple[SegmentDecision[K], ...]
    other: tuple[K, ...]
    """Keys merged into one shown "other" group (empty when there is none)."""

    def is_shown(self, key: K) -> bool:
        return any(s.key == key and s.shown for s in self.segments)


def suppress(counts: Sequence[tuple[K, int]], min_group_size: int) -> Suppression[K]:
    """Decide which segments of a breakdown may be shown.

    A segment with fewer than ``min_group_size`` respondents (but more than none) is hidden.
    If several are hidden and together reach the minimum, they are shown merged as "other".
    Otherwise, if anything is hidden, the smallest shown segment is hidden too, so the hidden
    ones cannot be recovered as the total minus the shown segments. Empty segments reveal no
    one and stay shown.
    """
    k = max(1, min_group_size)
    small = [key for key, n in counts if 0 < n < k]
    if not small:
        return Suppression(tuple(SegmentDecision(key, True) for key, _ in counts), ())
    hidden_total = sum(n for key, n in counts if key in small)
    if len(small) >= 2 and hidden_total >= k:
        return Suppression(
            tuple(SegmentDecision(key, key not in small, merged=key in small) for key, _ in counts),
            tuple(small),
        )
    hidden = set(small)
    shown_sizes = sorted((n, i) for i, (key, n) in enumerate(counts) if key not in hidden and n > 0)
    while hidden_total < k and shown_sizes:
        n, index = shown_sizes.pop(0)
        hidden.add(counts[index][0])
        hidden_total += n
    return Suppression(tuple(SegmentDecision(key, key not in hidden) for key, _ in counts), ())


def merge_consecutive(
    counts: Sequence[tuple[K, int]], min_group_size: int
) -> tuple[tuple[tuple[K, ...], int], ...]:
    """Join ordered segments (days of a timeline) with their neighbours into runs of at
    least ``min_group_size`` respondents, so no run is a small group.

    A day is a breakdown segment like any other, but on a timeline an "other" group means
    nothing and a hidden day would still show as the step between its neighbours' running
    totals. So a small day is counted together with the days after it, until the run reaches
    the minimum; a small run at the end joins the run before it. Empty days at the end stay a
    run of their own (they reveal no one). When all of it is smaller than the minimum,
    nothing can be shown and the result is empty.
    """
    k = max(1, min_group_size)
    runs: list[tuple[tuple[K, ...], int]] = []
    keys: list[K] = []
    total = 0
    for key, n in counts:
        keys.append(key)
        total += n
        if total >= k:
            runs.append((tuple(keys), total))
            keys, total = [], 0
    if total > 0:
        if not runs:
            return ()
        last_keys, last_total = runs[-1]
        runs[-1] = ((*last_keys, *keys), last_total + total)
    elif keys and runs:
        runs.append((tuple(keys), 0))
    return tuple(runs)
