"""The accounts migration on a database of the time before it: officers get session
version 1 (their sessions signed in before carry on only until they sign in again) and
tokens issued before get an expiry 90 days later instead of none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.base import Engine

from polls import tables as t
from polls.services import accounts
from tests.test_migrations import _sql, fresh_engine  # noqa: F401 (the fixture)

BEFORE_ACCOUNTS = "2026-11-26T11:20:00:000000"


async def test_tokens_issued_before_expire_ninety_days_after_the_migration(
    fresh_engine: Engine,  # noqa: F811
) -> None:
    engine = fresh_engine
    result = await run_forwards(app_name="polls", migration_id=BEFORE_ACCOUNTS)
    assert result.success, result.message
    unit = await _sql(
        engine,
        'INSERT INTO "unit" ("slug", "name", "kind", "path", "headcount") '
        'VALUES ({}, {}, {}, {}, {}) RETURNING "id"',
        "cdtkv",
        "Công đoàn TKV",
        "national",
        "/1/",
        0,
    )
    officer = await _sql(
        engine,
        'INSERT INTO "officer" ("username", "display_name", "password_hash", "unit", "role", '
        '"active") VALUES ({}, {}, {}, {}, {}, {}) RETURNING "id"',
        "maokhe",
        "",
        accounts.hash_password("correct-horse-battery"),
        unit[0]["id"],
        "officer",
        True,
    )
    token = accounts.TOKEN_PREFIX + "issued-before-the-migration"
    await _sql(
        engine,
        'INSERT INTO "api_token" ("token_hash", "officer", "label") VALUES ({}, {}, {})',
        accounts._token_hash(token),
        officer[0]["id"],
        "old",
    )
    migrated_at = datetime.now(UTC)
    result = await run_forwards(app_name="polls", migration_id="all")
    assert result.success, result.message

    row = await t.ApiToken.select(t.ApiToken.expires_at, t.ApiToken.revoked_at).first()
    assert row["revoked_at"] is None
    expires = row["expires_at"].astimezone(UTC)
    assert timedelta(days=90) - timedelta(minutes=5) < expires - migrated_at < timedelta(days=91)
    assert await accounts.principal_for_token(token) is not None
    assert await accounts.principal_for_token(token, migrated_at + timedelta(days=91)) is None
    assert await t.Officer.select(t.Officer.session_version) == [{"session_version": 1}]
    signed = await accounts.authenticate("maokhe", "correct-horse-battery")
    assert signed.session_version == 1
