"""placement.opens_in: which app a placement's QR code, poster and link open (the web form,
or the union's Zalo Mini App); every existing placement keeps opening the web form."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "placement.opens_in: web or the Zalo Mini App"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def add_column() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'ALTER TABLE "placement" ADD COLUMN "opens_in" VARCHAR(20) NOT NULL DEFAULT \'web\''
        )

    manager.add_raw(add_column)
    return manager
