"""Accounts an admin controls: a session version per officer (moved on by signing out, a
password change or deactivation, which ends every session at once) and API tokens that
expire and can be revoked. Tokens issued before this migration expire 90 days after it."""

from datetime import UTC, datetime, timedelta

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "officer.session_version; api_token.expires_at and revoked_at"

EXISTING_TOKENS_DAYS = 90


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def add_columns() -> None:
        engine = engine_finder()
        assert engine is not None
        # TIMESTAMPTZ: Piccolo's type name on SQLite, an alias of the same type on PostgreSQL
        await engine.run_ddl(
            'ALTER TABLE "officer" ADD COLUMN "session_version" INTEGER NOT NULL DEFAULT 1'
        )
        for column in ("expires_at", "revoked_at"):
            await engine.run_ddl(
                f'ALTER TABLE "api_token" ADD COLUMN "{column}" TIMESTAMPTZ NULL DEFAULT null'
            )
        until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=EXISTING_TOKENS_DAYS)
        # the text both databases read as this moment (Piccolo writes it so on SQLite)
        await engine.run_ddl(
            f'UPDATE "api_token" SET "expires_at" = \'{until}\' WHERE "expires_at" IS NULL'  # noqa: S608 (a datetime, not input)
        )

    manager.add_raw(add_columns)
    return manager
