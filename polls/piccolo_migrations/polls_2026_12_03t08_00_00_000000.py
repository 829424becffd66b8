"""Printed one-time codes (issue 16): ``printed_code`` holds the per-poll HMAC of every code
a poll issued, and nothing else (no code, no order, no time); a code used claims a
duplicate key like any subject. ``poll.duplicate_policy`` gains the value ``code``, which
fits its ``VARCHAR(10)`` as it is."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "printed_code: HMACs of a poll's printed one-time codes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_table() -> None:
        engine = engine_finder()
        assert engine is not None
        # like duplicate_key: keyed by the hash itself; on SQLite without a rowid, so
        # the rows have no order of insertion either
        without_rowid = "" if engine.engine_type == "postgres" else " WITHOUT ROWID"
        await engine.run_ddl(
            'CREATE TABLE "printed_code" ("key" VARCHAR(64) PRIMARY KEY NOT NULL, '
            '"poll" INTEGER NOT NULL REFERENCES "poll" ("id") ON DELETE CASCADE)' + without_rowid
        )
        await engine.run_ddl('CREATE INDEX "printed_code_poll" ON "printed_code" ("poll")')

    manager.add_raw(create_table)
    return manager
