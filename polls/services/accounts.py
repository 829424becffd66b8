"""Officers, their passwords, sessions and API tokens, and turning credentials into a
``Principal``.

Passwords are hashed with scrypt at OWASP's parameters (N=2^17, r=8, p=1: 128 MiB and
about half a second a hash), in a worker thread so the event loop keeps serving, and at
most ``HASHING_AT_ONCE`` at a time so a burst of sign-ins cannot exhaust memory. A hash
made with weaker parameters is replaced on the next successful sign-in.

Every officer has a session version, written into the session cookie at sign-in. Signing
out, changing the password and being deactivated move it on and revoke every API token of
the officer, in one transaction: every cookie and token of the officer stops working at
once, wherever it was copied to.

API tokens have a name, an expiry (90 days unless said otherwise) and can be revoked; only
their SHA-256 is stored, and no last use is recorded.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from polls import inputs
from polls import tables as t
from polls.errors import (
    N_,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
    WrongCurrentPassword,
)
from polls.models import Principal, Role
from polls.services import audit, units

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
SCRYPT_MAXMEM = 256 * 1024 * 1024
HASHING_AT_ONCE = 2
TOKEN_PREFIX = "pt_"  # noqa: S105 (marks our tokens; not a secret)
TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
MIN_PASSWORD = 10

_HASHER = ThreadPoolExecutor(max_workers=HASHING_AT_ONCE, thread_name_prefix="scrypt")
"""Threads start on first use; more hashes than this wait their turn."""


def now() -> datetime:
    """The services' clock (tests move it instead of sleeping)."""
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=SCRYPT_MAXMEM
    )
    encoded = (base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=SCRYPT_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def needs_rehash(encoded: str) -> bool:
    """A hash made with other parameters than today's (older, weaker ones)."""
    return not encoded.startswith(f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")


async def hashed(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_HASHER, hash_password, password)


async def _verify(password: str, encoded: str) -> bool:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHER, verify_password, password, encoded)


@functools.cache
def _dummy_hash(n: int) -> str:
    """A hash at today's cost to check against when the username is unknown, so a wrong
    username takes as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(12))


def _principal(row: dict[str, Any]) -> Principal:
    return Principal(
        officer_id=row["id"],
        username=row["username"],
        display_name=row["display_name"] or row["username"],
        role=Role(row["role"]),
        unit_id=row["unit"],
        unit_path=row["unit.path"],
        unit_name=row["unit.name"],
    )


def _officer_query() -> Any:
    return t.Officer.select(
        t.Officer.id,
        t.Officer.username,
        t.Officer.display_name,
        t.Officer.role,
        t.Officer.unit,
        t.Officer.password_hash,
        t.Officer.session_version,
        t.Officer.unit.path,
        t.Officer.unit.name,
    ).where(t.Officer.active == True)  # noqa: E712


def session_expired(*, issued: float, seen: float, at: float, max_age: float, idle: float) -> bool:
    """A session ends ``max_age`` seconds after sign-in however busy, and after ``idle``
    seconds without a request."""
    return not (issued <= at < issued + max_age and at < seen + idle)


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and the session version their cookie must carry."""

    principal: Principal
    session_version: int


async def authenticate(username: str, password: str) -> SignedIn:
    row = await _officer_query().where(t.Officer.username == username.strip().lower()).first()
    if row is None:
        loop = asyncio.get_running_loop()
        encoded = await loop.run_in_executor(_HASHER, _dummy_hash, SCRYPT_N)
    else:
        encoded = row["password_hash"]
    ok = await _verify(password, encoded)
    if row is None or not ok:
        raise Unauthorized(N_("The username or password is wrong."))
    if needs_rehash(encoded):
        await t.Officer.update({t.Officer.password_hash: await hashed(password)}).where(
            (t.Officer.id == row["id"]) & (t.Officer.password_hash == encoded)
        )
    return SignedIn(_principal(row), row["session_version"])


async def principal_by_id(officer_id: int) -> Principal | None:
    row = await _officer_query().where(t.Officer.id == officer_id).first()
    return _principal(row) if row else None


async def principal_for_session(officer_id: int, session_version: int) -> Principal | None:
    """The officer of a session cookie, unless the officer has since signed out, changed
    their password or been deactivated."""
    row = await _officer_query().where(t.Officer.id == officer_id).first()
    if row is None or row["session_version"] != session_version:
        return None
    return _principal(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def principal_for_token(token: str, at: datetime | None = None) -> Principal | None:
    """The officer of a live token: not revoked, not expired, its officer active."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = (
        await t.ApiToken.select(t.ApiToken.officer, t.ApiToken.expires_at)
        .where(t.ApiToken.token_hash == _token_hash(token))
        .where(t.ApiToken.revoked_at.is_null())
        .first()
    )
    expires_at = _aware(row["expires_at"]) if row else None
    if row is None or expires_at is None or expires_at <= (at or now()):
        return None
    return await principal_by_id(row["officer"])


@dataclass(frozen=True)
class TokenInfo:
    """An API token as its owner and their admin may see it (never the token itself)."""

    id: int
    officer: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, at: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is None or self.expires_at <= at:
            return "expired"
        return "active"


def _token_query() -> Any:
    return t.ApiToken.select(
        t.ApiToken.id,
        t.ApiToken.officer.username,
        t.ApiToken.label,
        t.ApiToken.created_at,
        t.ApiToken.expires_at,
        t.ApiToken.revoked_at,
    ).order_by(t.ApiToken.id)


def _token_info(row: dict[str, Any]) -> TokenInfo:
    created = _aware(row["created_at"])
    assert created is not None
    return TokenInfo(
        id=row["id"],
        officer=row["officer.username"],
        name=row["label"],
        created_at=created,
        expires_at=_aware(row["expires_at"]),
        revoked_at=_aware(row["revoked_at"]),
    )


async def _officer_row(username: str) -> dict[str, Any]:
    row = (
        await t.Officer.select(t.Officer.id, t.Officer.username, t.Officer.unit.path)
        .where(t.Officer.username == username.strip().lower())
        .first()
    )
    if row is None:
        raise NotFound(N_("There is no officer %(username)s."), username=username)
    return row


async def officer_in_scope(actor: Principal, username: str) -> dict[str, Any]:
    """An officer of the admin's subtree; any other is simply not found."""
    if not actor.can_manage_people:
        raise Forbidden()
    try:
        row = await _officer_row(username)
    except NotFound:
        row = None
    if row is None or not actor.covers(row["unit.path"]):
        raise NotFound(N_("There is no officer %(username)s."), username=username)
    return row


def _check_token_days(days: int) -> None:
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput({"days": N_("A token lasts from 1 to 3650 days.")})


async def issue_token(
    username: str, name: str = "", *, days: int = TOKEN_DAYS, at: datetime | None = None
) -> str:
    """A new token for an (active) officer, valid ``days`` days from now."""
    _check_token_days(days)
    row = (
        await t.Officer.select(t.Officer.id)
        .where(t.Officer.username == username.strip().lower())
        .where(t.Officer.active == True)  # noqa: E712
        .first()
    )
    if row is None:
        raise NotFound(N_("There is no officer %(username)s."), username=username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    issued = at or now()
    await t.ApiToken.insert(
        t.ApiToken(
            token_hash=_token_hash(token),
            officer=row["id"],
            label=name.strip()[:100],
            created_at=issued,
            expires_at=issued + timedelta(days=days),
        )
    )
    return token


async def tokens_of(username: str) -> list[TokenInfo]:
    """Every token of an officer, newest last (the CLI's view)."""
    row = await _officer_row(username)
    return [_token_info(r) for r in await _token_query().where(t.ApiToken.officer == row["id"])]


async def tokens_for(actor: Principal, username: str | None = None) -> list[TokenInfo]:
    """The caller's own tokens, or (for an admin) those of an officer of their subtree."""
    if username is None:
        query = _token_query().where(t.ApiToken.officer == actor.officer_id)
        return [_token_info(r) for r in await query]
    row = await officer_in_scope(actor, username)
    return [_token_info(r) for r in await _token_query().where(t.ApiToken.officer == row["id"])]


async def revoke_token(token_id: int, at: datetime | None = None) -> TokenInfo:
    """Revoke one token (the CLI: no actor). Revoking a revoked token changes nothing."""
    await t.ApiToken.update({t.ApiToken.revoked_at: at or now()}).where(
        (t.ApiToken.id == token_id) & t.ApiToken.revoked_at.is_null()
    )
    row = await _token_query().where(t.ApiToken.id == token_id).first()
    if row is None:
        raise NotFound(N_("There is no API token %(id)s."), id=token_id)
    return _token_info(row)


async def revoke_token_as(actor: Principal, token_id: int) -> TokenInfo:
    """One's own token, or (for an admin) one of an officer of their subtree; any other
    token is not found, so its existence is not confirmed."""
    row = (
        await t.ApiToken.select(t.ApiToken.officer, t.ApiToken.officer.unit.path)  # type: ignore[union-attr]
        .where(t.ApiToken.id == token_id)
        .first()
    )
    mine = row is not None and row["officer"] == actor.officer_id
    managed = row is not None and actor.can_manage_people and actor.covers(row["officer.unit.path"])
    if not (mine or managed):
        raise NotFound(N_("There is no API token %(id)s."), id=token_id)
    return await revoke_token(token_id)


async def end_sessions(officer_id: int, changes: dict[Any, Any] | None = None) -> int:
    """Move the session version on and revoke every live token, with ``changes`` to the
    officer, in one transaction; the new version."""
    async with t.Officer._meta.db.transaction():
        await t.Officer.update(
            {t.Officer.session_version: t.Officer.session_version + 1, **(changes or {})}
        ).where(t.Officer.id == officer_id)
        await t.ApiToken.update({t.ApiToken.revoked_at: now()}).where(
            (t.ApiToken.officer == officer_id) & t.ApiToken.revoked_at.is_null()
        )
        row = (
            await t.Officer.select(t.Officer.session_version)
            .where(t.Officer.id == officer_id)
            .first()
        )
    return int(row["session_version"]) if row else 0


async def sign_out(officer_id: int) -> None:
    """Signing out ends every session and API token of the officer, not only this one."""
    await end_sessions(officer_id)


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput({"new_password": N_("The password needs at least 10 characters.")})


async def change_password(actor: Principal, current: str, new: str) -> int:
    """Set a new password, given the current one; every session and token ends. The new
    session version (the caller's own session may carry on with it)."""
    row = (
        await t.Officer.select(t.Officer.password_hash)
        .where((t.Officer.id == actor.officer_id) & (t.Officer.active == True))  # noqa: E712
        .first()
    )
    if row is None or not await _verify(current, row["password_hash"]):
        raise WrongCurrentPassword()
    check_new_password(new)
    if new == current:
        raise InvalidInput({"new_password": N_("Choose a password other than the current one.")})
    encoded = await hashed(new)
    return await end_sessions(actor.officer_id, {t.Officer.password_hash: encoded})


async def deactivate(username: str) -> None:
    """An officer can no longer sign in; their sessions and tokens end at once (the CLI)."""
    row = await _officer_row(username)
    await end_sessions(row["id"], {t.Officer.active: False})


DISPLAY_NAME_MAX = 200


def _check_new_officer(username: str, password: str, role: str, display_name: str) -> None:
    errors: dict[str, str] = {}
    if inputs.control_characters(display_name) or len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = N_(
            "Use at most 200 characters for the name, with no control characters."
        )
    if not units.SLUG.match(username) and not username.replace(".", "").replace("_", "").isalnum():
        errors["username"] = N_("Use 3-80 lowercase letters, digits, dots, dashes or underscores.")
    if len(username) < 3 or len(username) > 80:
        errors["username"] = N_("Use 3-80 lowercase letters, digits, dots, dashes or underscores.")
    if len(password) < MIN_PASSWORD:
        errors["password"] = N_("The password needs at least 10 characters.")
    if role not in set(Role):
        errors["role"] = N_("The role is admin, officer or viewer.")
    if errors:
        raise InvalidInput(errors)


async def create_officer(
    username: str,
    password: str,
    *,
    unit_slug: str,
    role: str,
    display_name: str = "",
    actor: Principal | None = None,
) -> Principal:
    """A new, active officer; with ``actor`` (an admin's action, checked by the caller) the
    audit list records it in the same transaction. The password is hashed before the
    transaction starts, so the writer is not held for the hash."""
    username = username.strip().lower()
    display_name = display_name.strip()
    _check_new_officer(username, password, role, display_name)
    unit = await units.get_by_slug(unit_slug)
    encoded = await hashed(password)
    async with t.Officer._meta.db.transaction():
        if await t.Officer.exists().where(t.Officer.username == username):
            raise Conflict(N_("This username is taken."))
        row = t.Officer(
            username=username,
            display_name=display_name,
            password_hash=encoded,
            unit=unit.id,
            role=role,
        )
        await row.save()
        if actor is not None:
            await audit.record(
                actor, "officer.create", officer=(row.id, username), unit=unit.id, detail=role
            )
    principal = await principal_by_id(row.id)
    assert principal is not None
    return principal
