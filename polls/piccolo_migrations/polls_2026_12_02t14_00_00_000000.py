"""Readiness: a one-row table that ``/readyz`` writes, so "ready" means the database takes
writes (a full disk, a read-only replica or a lost lock all fail it), not only reads."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "readiness: the row /readyz writes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_table() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'CREATE TABLE "readiness" ('
            '"id" INTEGER PRIMARY KEY NOT NULL, "checked" BIGINT NOT NULL)'
        )

    manager.add_raw(create_table)
    return manager
