"""Overdue flags sent once by concurrent runs of ``polls box-overdue``: ``box_flag_claim``,
one row per item whose flag a run holds (``until``, the end of its lease) or has sent
(``sent``). The unique ``item`` is what keeps two runs from sending the same flag."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "box_flag_claim: one run at a time sends an item's overdue flag"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_table() -> None:
        engine = engine_finder()
        assert engine is not None
        postgres = engine.engine_type == "postgres"
        serial = "SERIAL" if postgres else "INTEGER"
        false = "false" if postgres else "0"
        await engine.run_ddl(
            'CREATE TABLE "box_flag_claim" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"item" BIGINT NOT NULL REFERENCES "box_item" ("id") ON DELETE CASCADE, '
            '"run" VARCHAR(32) NOT NULL, '
            '"until" TIMESTAMPTZ NOT NULL, '
            f'"sent" BOOLEAN NOT NULL DEFAULT {false})'
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "box_flag_claim_item" ON "box_flag_claim" ("item")'
        )

    manager.add_raw(create_table)
    return manager
