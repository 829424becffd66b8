"""Overdue questions flagged to the unit's leaders (issue 15): ``unit.leaders_zalo_chat_id``,
the Zalo group of the unit's leaders (none unless an admin sets one), and
``unit.leaders_chat_unreachable``, whether the Zalo Bot was refused there the last time."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unit.leaders_zalo_chat_id and unit.leaders_chat_unreachable"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def add_columns() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'ALTER TABLE "unit" ADD COLUMN "leaders_zalo_chat_id" VARCHAR(100) DEFAULT null'
        )
        await engine.run_ddl(
            'ALTER TABLE "unit" ADD COLUMN "leaders_chat_unreachable" BOOLEAN NOT NULL '
            "DEFAULT FALSE"
        )

    manager.add_raw(add_columns)
    return manager
