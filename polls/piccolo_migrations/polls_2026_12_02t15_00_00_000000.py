"""Released states of results (``result_release``): every released figure is read from the
latest one, made when enough new respondents have arrived or the poll closed; unique per
(poll, seq), so two processes releasing at once cannot both succeed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "result_release: released states of results"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_table() -> None:
        engine = engine_finder()
        assert engine is not None
        serial = "SERIAL" if engine.engine_type == "postgres" else "INTEGER"
        await engine.run_ddl(
            'CREATE TABLE "result_release" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"poll" INTEGER NOT NULL REFERENCES "poll" ("id") ON DELETE CASCADE, '
            '"seq" INTEGER NOT NULL DEFAULT 0, '
            '"released_hour" TIMESTAMPTZ NOT NULL, '
            '"respondents" INTEGER NOT NULL DEFAULT 0, '
            "\"salt\" VARCHAR(64) NOT NULL DEFAULT '', "
            "\"snapshot\" TEXT NOT NULL DEFAULT '')"
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "result_release_poll_seq" ON "result_release" ("poll", "seq")'
        )

    manager.add_raw(create_table)
    return manager
