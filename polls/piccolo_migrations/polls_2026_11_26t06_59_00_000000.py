"""Indexes and storage Piccolo's table classes cannot declare.

One counter row per placement and day: a unique index on both engines.

On SQLite, duplicate keys live in a table without a rowid.

A rowid table keeps an insertion counter beside every row; since a duplicate key is
written in the same transaction as its response, that counter would line keys up with
responses. ``WITHOUT ROWID`` orders the rows by the key (a hash) alone.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T06:59:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "initial schema"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def rebuild_without_rowid() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "placement_visit_day" ON "placement_visit" ("placement", "day")'
        )
        if engine.engine_type != "sqlite":
            return
        await engine.run_ddl('DROP TABLE "duplicate_key"')
        await engine.run_ddl(
            'CREATE TABLE "duplicate_key" ('
            '"key" VARCHAR(64) PRIMARY KEY NOT NULL, '
            '"poll" INTEGER NOT NULL REFERENCES "poll" ("id") ON DELETE CASCADE'
            ") WITHOUT ROWID"
        )
        await engine.run_ddl('CREATE INDEX "duplicate_key_poll" ON "duplicate_key" ("poll")')

    manager.add_raw(rebuild_without_rowid)
    return manager
