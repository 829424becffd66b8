"""Every anonymity rule of shared/DESIGN.md, in one place; nothing else re-implements them.

- duplicate, idempotency and printed-code keys: ``HMAC(per-poll key, subject)``, the
  per-poll key derived from the server secret, so a key means nothing outside its poll or
  without the secret;
- the question box's follow-up codes: only ``box_follow_key`` (a keyed hash) is stored; the
  code reaches the page showing it sealed in a short-lived cookie, never in an address;
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
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DEVICE_COOKIE = "polls_device"
DEVICE_TOKEN_BYTES = 16
DEVICE_MAC_BYTES = 16


@lru_cache(maxsize=64)
def derived_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose (sessions, sealed tokens, event ids...) from the server secret:
    no two purposes share a key, and none reveals the secret."""
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


@lru_cache(maxsize=4096)
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


BOX_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
"""No 0/O, 1/I/L or U: a code read from paper or over the phone is typed right."""
BOX_CODE_LENGTH = 12
"""About 59 bits: with lookups rate limited, guessing anyone's code is hopeless."""


def new_box_code() -> str:
    """A question box follow-up code, ``XXXX-XXXX-XXXX``: the worker's only key to the
    thread. It is shown once and never stored (only ``box_follow_key`` of it)."""
    raw = "".join(secrets.choice(BOX_CODE_ALPHABET) for _ in range(BOX_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, BOX_CODE_LENGTH, 4))


def normal_box_code(typed: str) -> str | None:
    """The code as typed (any case, spaces or dashes) in its stored form, or None when it
    cannot be a code."""
    raw = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(raw) != BOX_CODE_LENGTH or any(ch not in BOX_CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, BOX_CODE_LENGTH, 4))


def box_follow_key(secret: str, code: str) -> str:
    """What is stored of a follow-up code: its HMAC under a key of its own purpose, so no
    poll's keys and no code of another box relate to it, and the table gives no code back."""
    key = derived_key(secret, "question-box-code")
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


BOX_ONCE_BYTES = 16
BOX_ONCE_FOR = 15 * 60
"""Seconds after the ask page was served during which a re-post of its form shows the
question's code again (a double tap, a retry after a lost answer); later it only says the
question was sent."""


def _box_once_mac(secret: str, nonce: str, issued: int) -> str:
    mac = hmac.new(derived_key(secret, "question-box-once"), f"{nonce}.{issued}".encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()[:12]).decode()


def new_box_once(secret: str, now: datetime) -> str:
    """The one-time token of one ask page's form, ``<nonce>.<minute>.<MAC>``: the form posted
    with it twice is one question (``box_code_for``). It is not stored anywhere, and it
    carries only the minute the page was served, so a re-post can be told from the first
    post's moment without any record of that post."""
    nonce = base64.urlsafe_b64encode(secrets.token_bytes(BOX_ONCE_BYTES)).decode().rstrip("=")
    issued = int(now.timestamp()) // 60
    return f"{nonce}.{issued}.{_box_once_mac(secret, nonce, issued)}"


def box_once_issued(secret: str, once: object) -> datetime | None:
    """When the page of a genuine one-time token was served (to the minute), else None (a
    form without one, or one this server did not make: each such post is a new question)."""
    if not isinstance(once, str) or len(once) > 80:
        return None
    nonce, _, rest = once.partition(".")
    minute, _, mac = rest.partition(".")
    if not (nonce and minute.isascii() and minute.isdigit() and mac):
        return None
    if not hmac.compare_digest(mac, _box_once_mac(secret, nonce, int(minute))):
        return None
    return datetime.fromtimestamp(int(minute) * 60, UTC)


def box_code_for(secret: str, once: str) -> str:
    """The follow-up code of the question asked with the one-time token ``once``: the same
    for the same token, so a re-post finds the question already there (``box_follow_key``
    is unique) and stores nothing; without the server secret it cannot be told from a
    random code."""
    digest = hmac.new(derived_key(secret, "question-box-once-code"), once.encode(), "sha256")
    value = int.from_bytes(digest.digest(), "big")
    raw = ""
    for _ in range(BOX_CODE_LENGTH):
        value, index = divmod(value, len(BOX_CODE_ALPHABET))
        raw += BOX_CODE_ALPHABET[index]
    return "-".join(raw[i : i + 4] for i in range(0, BOX_CODE_LENGTH, 4))


BOX_SENT_COOKIE = "polls_box_sent"
BOX_SENT_FOR = 10 * 60
"""Seconds the sealed code waits in its cookie for the page that shows it (read once)."""


def seal_box_code(secret: str, slug: str, code: str, *, again: bool, now: datetime) -> str:
    """The follow-up code sealed (AES-GCM, a key of its own purpose, the box's slug bound in)
    for the one cookie that carries it from the ask form's post to the page showing it: the
    code never travels in an address, and the cookie alone does not give it away."""
    expires = int(now.timestamp()) + BOX_SENT_FOR
    nonce = secrets.token_bytes(12)
    plain = f"{expires}|{int(again)}|{code}".encode()
    sealed = AESGCM(derived_key(secret, "question-box-sent")).encrypt(nonce, plain, slug.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def open_box_code(secret: str, slug: str, sealed: str, now: datetime) -> tuple[str, bool] | None:
    """The code (empty for a re-post too late to show it) and whether it was a re-post, from
    a cookie ``seal_box_code`` made for this box and not yet expired; None for anything else."""
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        plain = AESGCM(derived_key(secret, "question-box-sent")).decrypt(
            raw[:12], raw[12:], slug.encode()
        )
        expires, again, code = plain.decode().split("|")
    except (ValueError, InvalidTag):
        return None
    if int(expires) < now.timestamp() or (code and normal_box_code(code) != code):
        return None
    return code, again == "1"


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
    return new_row_ids(1)[0]


def new_row_ids(count: int) -> list[int]:
    """``count`` ids as ``new_row_id`` draws them, from one read of the system's random
    source."""
    drawn = secrets.token_bytes(8 * count)
    mask = (1 << ROW_ID_BITS) - 1
    return [
        (int.from_bytes(drawn[at : at + 8], "big") & mask) or 1 for at in range(0, 8 * count, 8)
    ]


ANSWER_BLOCK_BITS = 11
ANSWER_BLOCK = 1 << ANSWER_BLOCK_BITS
"""The ids of one response's answers are consecutive, in a block of this many drawn at
random: across responses they give neither order nor count, as ``new_row_id``'s, and a
response's answers sit side by side in the answer table, so storing them changes one page
of it instead of one page per answer (random ids scatter every row of an index over the
whole file). A block holds the largest response a poll can have (``services.polls``:
50 questions of 30 options and an "other")."""


def _answer_block(draw: int, count: int) -> list[int]:
    if count >= ANSWER_BLOCK:
        raise ValueError(f"{count} answers do not fit a block of {ANSWER_BLOCK} ids")
    base = draw & ~(ANSWER_BLOCK - 1)
    return [base + 1 + offset for offset in range(count)]


def answer_order(values: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    """The order a response's answers take their block's ids in: by their values (question,
    option, number, text; an empty value last), never the order a client sent them in, which
    could tell one client from another."""
    return tuple((value is None, value) for value in values)


def new_answer_ids(count: int) -> list[int]:
    """``count`` ids for the answers of one response (see ``ANSWER_BLOCK``)."""
    return _answer_block(new_row_id(), count)


def new_response_ids(answers: int) -> tuple[int, list[int]]:
    """A response's id and its ``answers`` answers' ids, from one read of the system's
    random source (each read gives up the interpreter lock, which the writer's thread may
    hold)."""
    response, block = new_row_ids(2)
    return response, _answer_block(block, answers)


def coarsen_to_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
