"""``response_poll`` dropped: ``response_segment`` (``poll``, ``placement``, ``unit``,
``channel``) begins with the poll, so it serves every lookup of a poll's responses and the
poll's foreign key as well. Every index of a response is keyed by a random id, so each one
more is one more page of the file changed by every submission."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "response: drop response_poll, which response_segment covers"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def drop_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl('DROP INDEX IF EXISTS "response_poll"')

    manager.add_raw(drop_index)
    return manager
