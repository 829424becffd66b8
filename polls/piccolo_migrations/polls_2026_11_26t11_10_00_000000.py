"""Zalo: the Official Account's token pair (one row, refreshed by compare-and-swap on its
generation) and the webhook events already handled (a keyed hash and when, kept a day)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T11:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "zalo token pair and handled webhook events"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_tables() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'CREATE TABLE "zalo_token" ('
            '"id" INTEGER PRIMARY KEY NOT NULL, '
            '"access_token" TEXT NOT NULL, '
            '"refresh_token" TEXT NOT NULL, '
            '"expires_at" BIGINT NOT NULL, '
            '"generation" INTEGER NOT NULL DEFAULT 1, '
            '"lease_until" BIGINT NULL'
            ")"
        )
        without_rowid = " WITHOUT ROWID" if engine.engine_type == "sqlite" else ""
        await engine.run_ddl(
            'CREATE TABLE "zalo_event" ('
            '"key" VARCHAR(64) PRIMARY KEY NOT NULL, '
            '"seen_at" BIGINT NOT NULL'
            ")" + without_rowid
        )
        await engine.run_ddl('CREATE INDEX "zalo_event_seen_at" ON "zalo_event" ("seen_at")')

    manager.add_raw(create_tables)
    return manager
