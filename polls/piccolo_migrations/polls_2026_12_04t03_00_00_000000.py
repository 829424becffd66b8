"""Admin screens (issue 14, item 6): ``audit_entry``, one row per admin action on an officer
or a unit (who did it, when, what, to whom, a short detail), read back for the subtree of
the admin who asks. It names officers and units only: no worker, no answer, no address,
and never a password."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_entry: the admins' actions on officers and units"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_table() -> None:
        engine = engine_finder()
        assert engine is not None
        serial = "SERIAL" if engine.engine_type == "postgres" else "INTEGER"
        await engine.run_ddl(
            'CREATE TABLE "audit_entry" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"at" TIMESTAMPTZ NOT NULL, '
            '"actor" INTEGER NULL REFERENCES "officer" ("id") ON DELETE SET NULL DEFAULT null, '
            "\"actor_name\" VARCHAR(80) NOT NULL DEFAULT '', "
            '"action" VARCHAR(40) NOT NULL, '
            '"officer" INTEGER NULL REFERENCES "officer" ("id") ON DELETE SET NULL DEFAULT null, '
            "\"officer_name\" VARCHAR(80) NOT NULL DEFAULT '', "
            '"unit" INTEGER NULL REFERENCES "unit" ("id") ON DELETE SET NULL DEFAULT null, '
            '"from_unit" INTEGER NULL REFERENCES "unit" ("id") ON DELETE SET NULL DEFAULT null, '
            "\"detail\" VARCHAR(300) NOT NULL DEFAULT '')"
        )
        await engine.run_ddl('CREATE INDEX "audit_entry_unit" ON "audit_entry" ("unit")')
        await engine.run_ddl('CREATE INDEX "audit_entry_from_unit" ON "audit_entry" ("from_unit")')

    manager.add_raw(create_table)
    return manager
