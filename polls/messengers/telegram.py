"""Telegram Mini App launch data (``Telegram.WebApp.initData``): checked, then reduced to
what the polls need.

The check follows Telegram's first-party algorithm (shared/reference/messengers.md, 1.3):
the raw query string is split into pairs, a repeated key is refused, ``hash`` is taken out,
every other pair (``signature`` included: Telegram's HMAC covers it) is sorted by key and
joined with newlines, and the result is compared in constant time with
``HMAC_SHA256(HMAC_SHA256("WebAppData", bot_token), data_check_string)``. Only then is
``auth_date`` checked for freshness and the ``user`` JSON decoded.

Pure code: no Litestar, no database. The user id it returns is for the duplicate key only;
it is never stored or logged (``LaunchData.__repr__`` hides it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode

CLOCK_SKEW = 60
"""Seconds an ``auth_date`` may lie in the future (clocks differ)."""

START_PARAM = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What Telegram allows in ``start``/``startapp`` parameters."""

AUTH_SCHEME = "tma "


class InvalidInitData(ValueError):
    """The launch data is missing, malformed, not signed by our bot, or too old."""


@dataclass(frozen=True)
class LaunchData:
    """What a checked launch says: who opened the Mini App (for the duplicate key only),
    and the start parameter of the direct link that opened it, if any."""

    user_id: int = field(repr=False)
    auth_date: int
    start_param: str | None = None
    chat_type: str | None = None

    @property
    def subject(self) -> str:
        """The duplicate-check subject (hashed per poll by ``privacy.duplicate_key``)."""
        return f"telegram:{self.user_id}"


@lru_cache(maxsize=4)
def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _pairs(init_data: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InvalidInitData("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("duplicate key")
    return fields


def signature_valid(init_data: str, bot_token: str) -> bool:
    """Whether ``init_data`` was signed for ``bot_token`` (freshness not checked)."""
    try:
        fields = _pairs(init_data)
    except InvalidInitData:
        return False
    received = fields.pop("hash", "")
    if not received or not bot_token:
        return False
    check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    expected = hmac.new(_secret_key(bot_token), check_string.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), received.lower().encode())


def validate(
    init_data: str,
    bot_token: str,
    *,
    max_age: int,
    now: Callable[[], float] = time.time,
) -> LaunchData:
    """The checked launch data, or ``InvalidInitData``."""
    if not init_data or not signature_valid(init_data, bot_token):
        raise InvalidInitData("bad signature")
    fields = _pairs(init_data)
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError):
        raise InvalidInitData("no auth_date") from None
    moment = now()
    if auth_date > moment + CLOCK_SKEW:
        raise InvalidInitData("auth_date in the future")
    if moment - auth_date > max_age:
        raise InvalidInitData("expired")
    try:
        user = json.loads(fields["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError):
        raise InvalidInitData("no user") from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InvalidInitData("no user")
    start_param = fields.get("start_param") or None
    if start_param is not None and not START_PARAM.fullmatch(start_param):
        raise InvalidInitData("bad start_param")
    return LaunchData(
        user_id=user_id,
        auth_date=auth_date,
        start_param=start_param,
        chat_type=fields.get("chat_type") or None,
    )


def init_data_from_header(authorization: str | None) -> str | None:
    """The init data of an ``Authorization: tma <initData>`` header, or None."""
    if not authorization or not authorization.lower().startswith(AUTH_SCHEME):
        return None
    return authorization[len(AUTH_SCHEME) :].strip() or None


def direct_link(bot_username: str, app_name: str, start_param: str) -> str:
    """The Mini App link that carries ``start_param`` signed into the launch data."""
    return f"https://t.me/{bot_username}/{app_name}?startapp={start_param}"


def sign(fields: dict[str, str], bot_token: str) -> str:
    """Launch data signed as Telegram signs it: for tests and local development only."""
    check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    digest = hmac.new(_secret_key(bot_token), check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)
