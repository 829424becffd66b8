"""Officers, their passwords and API tokens, and turning credentials into a ``Principal``.

Passwords are hashed with scrypt (standard library, memory-hard, deliberately slow: about
50 ms a check here), in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets

from polls import tables as t
from polls.errors import N_, Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from polls.models import Principal, Role
from polls.services import units

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
TOKEN_PREFIX = "pt_"  # noqa: S105 (marks our tokens; not a secret)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    encoded = (base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


_DUMMY_HASH = hash_password(secrets.token_urlsafe(12))


def _principal(row: dict) -> Principal:
    return Principal(
        officer_id=row["id"],
        username=row["username"],
        display_name=row["display_name"] or row["username"],
        role=Role(row["role"]),
        unit_id=row["unit"],
        unit_path=row["unit.path"],
        unit_name=row["unit.name"],
    )


def _officer_query():
    return t.Officer.select(
        t.Officer.id,
        t.Officer.username,
        t.Officer.display_name,
        t.Officer.role,
        t.Officer.unit,
        t.Officer.password_hash,
        t.Officer.unit.path,
        t.Officer.unit.name,
    ).where(t.Officer.active == True)  # noqa: E712


async def authenticate(username: str, password: str) -> Principal:
    row = await _officer_query().where(t.Officer.username == username.strip().lower()).first()
    encoded = row["password_hash"] if row else _DUMMY_HASH
    ok = await asyncio.to_thread(verify_password, password, encoded)
    if row is None or not ok:
        raise Unauthorized(N_("The username or password is wrong."))
    return _principal(row)


async def principal_by_id(officer_id: int) -> Principal | None:
    row = await _officer_query().where(t.Officer.id == officer_id).first()
    return _principal(row) if row else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def principal_for_token(token: str) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = (
        await t.ApiToken.select(t.ApiToken.officer)
        .where(t.ApiToken.token_hash == _token_hash(token))
        .first()
    )
    return await principal_by_id(row["officer"]) if row else None


async def issue_token(username: str, label: str = "") -> str:
    row = await t.Officer.select(t.Officer.id).where(t.Officer.username == username).first()
    if row is None:
        raise NotFound(N_("There is no officer %(username)s."), username=username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await t.ApiToken.insert(
        t.ApiToken(token_hash=_token_hash(token), officer=row["id"], label=label[:100])
    )
    return token


def _check_new_officer(username: str, password: str, role: str) -> None:
    errors: dict[str, str] = {}
    if not units.SLUG.match(username) and not username.replace(".", "").replace("_", "").isalnum():
        errors["username"] = N_("Use 3-80 lowercase letters, digits, dots, dashes or underscores.")
    if len(username) < 3 or len(username) > 80:
        errors["username"] = N_("Use 3-80 lowercase letters, digits, dots, dashes or underscores.")
    if len(password) < 10:
        errors["password"] = N_("The password needs at least 10 characters.")
    if role not in set(Role):
        errors["role"] = N_("The role is admin, officer or viewer.")
    if errors:
        raise InvalidInput(errors)


async def create_officer(
    username: str, password: str, *, unit_slug: str, role: str, display_name: str = ""
) -> Principal:
    username = username.strip().lower()
    _check_new_officer(username, password, role)
    unit = await units.get_by_slug(unit_slug)
    if await t.Officer.exists().where(t.Officer.username == username):
        raise Conflict(N_("This username is taken."))
    encoded = await asyncio.to_thread(hash_password, password)
    row = t.Officer(
        username=username,
        display_name=display_name.strip()[:200],
        password_hash=encoded,
        unit=unit.id,
        role=role,
    )
    await row.save()
    principal = await principal_by_id(row.id)
    assert principal is not None
    return principal


async def create_officer_as(
    actor: Principal,
    username: str,
    password: str,
    *,
    unit_slug: str,
    role: str,
    display_name: str = "",
) -> Principal:
    if not actor.can_manage_people:
        raise Forbidden()
    await units.unit_in_scope(actor, unit_slug)
    return await create_officer(
        username, password, unit_slug=unit_slug, role=role, display_name=display_name
    )


async def officers_in_scope(actor: Principal) -> list[Principal]:
    if not actor.can_manage_people:
        raise Forbidden()
    rows = (
        await _officer_query()
        .where(t.Officer.unit.path.like(actor.unit_path + "%"))
        .order_by(t.Officer.username)
    )
    return [_principal(r) for r in rows]
