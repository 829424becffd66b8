"""Results posters ("Bạn nói – Công đoàn làm", issue 15): ``results_poster`` holds, per poll,
what its poster shows (the chosen questions, each as a chart or a sentence, as JSON), the
officer's text on what the union will do, where its QR code leads, who drafted it, who
approved it (and for which version of the poster and which release of the results), and the
random token of its public link. Nothing about any worker."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "results_poster: a poll's results poster, its approval and public link"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_table() -> None:
        engine = engine_finder()
        assert engine is not None
        serial = "SERIAL" if engine.engine_type == "postgres" else "INTEGER"
        await engine.run_ddl(
            'CREATE TABLE "results_poster" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"poll" INTEGER NOT NULL REFERENCES "poll" ("id") ON DELETE CASCADE, '
            "\"questions\" TEXT NOT NULL DEFAULT '[]', "
            "\"response_text\" TEXT NOT NULL DEFAULT '', "
            "\"qr_kind\" VARCHAR(20) NOT NULL DEFAULT 'none', "
            '"qr_placement" INTEGER NULL REFERENCES "placement" ("id") ON DELETE SET NULL, '
            '"version" INTEGER NOT NULL DEFAULT 1, '
            '"drafted_by" INTEGER NULL REFERENCES "officer" ("id") ON DELETE SET NULL, '
            "\"drafted_by_name\" VARCHAR(200) NOT NULL DEFAULT '', "
            '"updated_at" TIMESTAMPTZ NOT NULL, '
            '"approved_by" INTEGER NULL REFERENCES "officer" ("id") ON DELETE SET NULL, '
            "\"approved_by_name\" VARCHAR(200) NOT NULL DEFAULT '', "
            '"approved_at" TIMESTAMPTZ NULL, '
            '"approved_version" INTEGER NULL, '
            '"approved_poll_version" INTEGER NULL, '
            '"approved_release" INTEGER NULL, '
            '"token" VARCHAR(64) NULL)'
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "results_poster_poll" ON "results_poster" ("poll")'
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "results_poster_token" ON "results_poster" ("token")'
        )

    manager.add_raw(create_table)
    return manager
