"""An officer's everyday (issue 14): a poll remembers when it was reopened after a close
(once at most) and when it was archived (hidden from lists, kept for trends), and
``poll_edit`` records each safe edit of an open poll (what changed and when: shown on its
results as "edited at ..."). Nothing here is about a worker."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "poll.reopened_at, poll.archived_at, poll_edit"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def change() -> None:
        engine = engine_finder()
        assert engine is not None
        for column in ("reopened_at", "archived_at"):
            await engine.run_ddl(
                f'ALTER TABLE "poll" ADD COLUMN "{column}" TIMESTAMPTZ NULL DEFAULT null'
            )
        serial = "SERIAL" if engine.engine_type == "postgres" else "INTEGER"
        await engine.run_ddl(
            'CREATE TABLE "poll_edit" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"poll" INTEGER NOT NULL REFERENCES "poll" ("id") ON DELETE CASCADE, '
            '"officer" INTEGER NULL REFERENCES "officer" ("id") ON DELETE SET NULL DEFAULT null, '
            '"edited_at" TIMESTAMPTZ NOT NULL, '
            "\"fields\" VARCHAR(1000) NOT NULL DEFAULT '')"
        )
        await engine.run_ddl('CREATE INDEX "poll_edit_poll" ON "poll_edit" ("poll")')

    manager.add_raw(change)
    return manager
