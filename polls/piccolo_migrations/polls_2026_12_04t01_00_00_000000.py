"""Standing placements (issue 14): a poster printed once serves every wave of a unit's
series. ``standing_placement`` holds its permanent code, label and kind; each wave's
ordinary placement points at it (``placement.standing``, one per poll: a unique index), so
answers are still counted per wave and placement. Nothing here is about a worker."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "standing_placement, placement.standing"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def change() -> None:
        engine = engine_finder()
        assert engine is not None
        serial = "SERIAL" if engine.engine_type == "postgres" else "INTEGER"
        await engine.run_ddl(
            'CREATE TABLE "standing_placement" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"unit" INTEGER NOT NULL REFERENCES "unit" ("id") ON DELETE RESTRICT, '
            '"series" VARCHAR(32) NOT NULL, '
            '"code" VARCHAR(8) NOT NULL UNIQUE, '
            '"label" VARCHAR(200) NOT NULL, '
            '"kind" VARCHAR(20) NOT NULL, '
            '"place_unit" INTEGER NULL REFERENCES "unit" ("id") ON DELETE SET NULL '
            "DEFAULT null, "
            '"created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, '
            '"stopped_at" TIMESTAMPTZ NULL DEFAULT null)'
        )
        await engine.run_ddl(
            'CREATE INDEX "standing_placement_unit_series" ON "standing_placement" '
            '("unit", "series")'
        )
        await engine.run_ddl(
            'ALTER TABLE "placement" ADD COLUMN "standing" INTEGER NULL '
            'REFERENCES "standing_placement" ("id") ON DELETE SET NULL DEFAULT null'
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "placement_poll_standing" ON "placement" ("poll", "standing")'
        )

    manager.add_raw(change)
    return manager
