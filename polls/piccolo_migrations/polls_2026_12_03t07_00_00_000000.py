"""Meetings and paper tallies (issue 16): what a meeting placement's projector shows
(``meeting_state``, one row per placement), and the counts an officer entered by hand for a
placement of kind ``paper`` (``paper_tally``, one per placement, with its ``paper_count``
rows). Nothing in them is about a worker."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "meeting_state, paper_tally, paper_count"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_tables() -> None:
        engine = engine_finder()
        assert engine is not None
        postgres = engine.engine_type == "postgres"
        serial = "SERIAL" if postgres else "INTEGER"
        false = "false" if postgres else "0"
        await engine.run_ddl(
            'CREATE TABLE "meeting_state" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"placement" INTEGER NOT NULL REFERENCES "placement" ("id") ON DELETE CASCADE, '
            '"question" INTEGER REFERENCES "question" ("id") ON DELETE SET NULL DEFAULT null, '
            f'"is_open" BOOLEAN NOT NULL DEFAULT {false}, '
            f'"revealed" BOOLEAN NOT NULL DEFAULT {false}, '
            '"version" INTEGER NOT NULL DEFAULT 1)'
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "meeting_state_placement" ON "meeting_state" ("placement")'
        )
        await engine.run_ddl(
            'CREATE TABLE "paper_tally" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"placement" INTEGER NOT NULL REFERENCES "placement" ("id") ON DELETE CASCADE, '
            '"respondents" INTEGER NOT NULL DEFAULT 0, '
            '"entered_by" INTEGER REFERENCES "officer" ("id") ON DELETE SET NULL DEFAULT null, '
            "\"entered_by_name\" VARCHAR(200) NOT NULL DEFAULT '', "
            '"entered_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)'
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "paper_tally_placement" ON "paper_tally" ("placement")'
        )
        await engine.run_ddl(
            'CREATE TABLE "paper_count" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"tally" INTEGER NOT NULL REFERENCES "paper_tally" ("id") ON DELETE CASCADE, '
            '"question" INTEGER NOT NULL REFERENCES "question" ("id") ON DELETE CASCADE, '
            '"option" INTEGER REFERENCES "option" ("id") ON DELETE CASCADE DEFAULT null, '
            '"value_int" INTEGER DEFAULT null, '
            '"people" INTEGER NOT NULL DEFAULT 0)'
        )
        await engine.run_ddl('CREATE INDEX "paper_count_tally" ON "paper_count" ("tally")')

    manager.add_raw(create_tables)
    return manager
