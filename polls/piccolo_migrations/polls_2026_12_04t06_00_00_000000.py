"""The anonymous question box (issue 15, item 2): ``box_item`` (one question, complaint or
proposal: its unit, topic, the hour it arrived, the keyed hash of its follow-up code, the
officers' handling), ``box_message`` (the thread: the worker's text, the officers' replies,
the worker's one further message), ``box_event`` (what officers did, never deleted) and
``box_published`` (an edited copy of a question and its reply, on the unit's public page).

No address, agent, device, account or exact time of a worker is stored. Items and messages
have random ids and, on SQLite, no rowid, so neither ids nor the order of rows tell which
came first."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "box_item, box_message, box_event, box_published: the question box"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def create_tables() -> None:
        engine = engine_finder()
        assert engine is not None
        postgres = engine.engine_type == "postgres"
        serial = "SERIAL" if postgres else "INTEGER"
        false = "false" if postgres else "0"
        without_rowid = "" if postgres else " WITHOUT ROWID"
        await engine.run_ddl(
            'CREATE TABLE "box_item" ('
            '"id" BIGINT PRIMARY KEY NOT NULL, '
            '"origin" INTEGER NOT NULL REFERENCES "unit" ("id") ON DELETE CASCADE, '
            '"unit" INTEGER NOT NULL REFERENCES "unit" ("id") ON DELETE CASCADE, '
            '"topic" VARCHAR(20) NOT NULL, '
            '"follow_key" VARCHAR(64) NOT NULL, '
            '"arrived_hour" TIMESTAMPTZ NOT NULL, '
            '"first_reply_at" TIMESTAMPTZ DEFAULT null, '
            "\"status\" VARCHAR(10) NOT NULL DEFAULT 'open', "
            "\"assignee\" VARCHAR(120) NOT NULL DEFAULT '', "
            '"escalations" SMALLINT NOT NULL DEFAULT 0, '
            '"worker_messages" SMALLINT NOT NULL DEFAULT 1)' + without_rowid
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "box_item_follow_key" ON "box_item" ("follow_key")'
        )
        await engine.run_ddl('CREATE INDEX "box_item_unit" ON "box_item" ("unit")')
        await engine.run_ddl(
            'CREATE TABLE "box_message" ('
            '"id" BIGINT PRIMARY KEY NOT NULL, '
            '"item" BIGINT NOT NULL REFERENCES "box_item" ("id") ON DELETE CASCADE, '
            '"position" SMALLINT NOT NULL, '
            '"author" VARCHAR(10) NOT NULL, '
            '"body" TEXT NOT NULL, '
            "\"officer_name\" VARCHAR(200) NOT NULL DEFAULT '', "
            '"at" TIMESTAMPTZ NOT NULL, '
            f'"hidden" BOOLEAN NOT NULL DEFAULT {false}, '
            "\"hidden_reason\" TEXT NOT NULL DEFAULT '')" + without_rowid
        )
        await engine.run_ddl(
            'CREATE UNIQUE INDEX "box_message_position" ON "box_message" ("item", "position")'
        )
        await engine.run_ddl(
            'CREATE TABLE "box_event" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"item" BIGINT NOT NULL REFERENCES "box_item" ("id") ON DELETE CASCADE, '
            '"at" TIMESTAMPTZ NOT NULL, '
            "\"officer_name\" VARCHAR(200) NOT NULL DEFAULT '', "
            '"action" VARCHAR(20) NOT NULL, '
            "\"detail\" TEXT NOT NULL DEFAULT '')"
        )
        await engine.run_ddl('CREATE INDEX "box_event_item" ON "box_event" ("item")')
        await engine.run_ddl(
            'CREATE TABLE "box_published" ('
            f'"id" {serial} PRIMARY KEY NOT NULL, '
            '"item" BIGINT NOT NULL REFERENCES "box_item" ("id") ON DELETE CASCADE, '
            '"unit" INTEGER NOT NULL REFERENCES "unit" ("id") ON DELETE CASCADE, '
            '"topic" VARCHAR(20) NOT NULL, '
            '"question" TEXT NOT NULL, '
            '"reply" TEXT NOT NULL, '
            "\"published_by\" VARCHAR(200) NOT NULL DEFAULT '', "
            '"published_at" TIMESTAMPTZ NOT NULL)'
        )
        await engine.run_ddl('CREATE UNIQUE INDEX "box_published_item" ON "box_published" ("item")')
        await engine.run_ddl('CREATE INDEX "box_published_unit" ON "box_published" ("unit")')

    manager.add_raw(create_tables)
    return manager
