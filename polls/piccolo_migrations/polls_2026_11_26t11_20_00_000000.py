"""Telegram updates already taken in (``update_id`` unique), so a redelivered update is
handled once across every process; rows older than a day are pruned by the app."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T11:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "telegram_update: handled webhook updates"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_table() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'CREATE TABLE "telegram_update" ('
            '"update_id" BIGINT PRIMARY KEY NOT NULL, "received" BIGINT NOT NULL)'
        )
        await engine.run_ddl(
            'CREATE INDEX "telegram_update_received" ON "telegram_update" ("received")'
        )

    manager.add_raw(create_table)
    return manager
