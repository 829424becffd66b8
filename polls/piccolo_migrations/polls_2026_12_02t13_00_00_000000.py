"""Unlinkable storage (issue 12): responses and answers get random 63-bit ids (``BIGINT``),
a ``fresh`` flag for the hourly step that rewrites them (``polls.services.unlinking``),
the receipt goes, the idempotency key moves to a table of its own with no link to the
response, and a poll records that its keys were destroyed at close.

Rows stored before this migration are marked fresh, so the next step rewrites them with
random ids in random order; their idempotency keys move over in random order too.

SQLite cannot drop a ``UNIQUE`` column, so ``response`` is rebuilt there (foreign keys off
meanwhile: dropping the old table must not cascade to the answers).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-02T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "random response ids, response.fresh, no receipt, idempotency_key table"

IDEMPOTENCY_TABLE = (
    'CREATE TABLE "idempotency_key" ("key" VARCHAR(64) PRIMARY KEY NOT NULL, '
    '"poll" INTEGER NOT NULL REFERENCES "poll" ("id") ON DELETE CASCADE){}'
)
MOVE_IDEMPOTENCY_KEYS = (
    'INSERT INTO "idempotency_key" ("key", "poll") SELECT "idempotency_key", "poll" '
    'FROM "response" WHERE "idempotency_key" IS NOT NULL ORDER BY random()'
)
SQLITE_RESPONSE = (
    'CREATE TABLE "response_new" ("id" INTEGER PRIMARY KEY NOT NULL, '
    '"poll" INTEGER NOT NULL REFERENCES "poll" ("id") ON DELETE CASCADE ON UPDATE CASCADE '
    "DEFAULT null, "
    '"placement" INTEGER REFERENCES "placement" ("id") ON DELETE SET NULL ON UPDATE CASCADE '
    "DEFAULT null, "
    '"unit" INTEGER REFERENCES "unit" ("id") ON DELETE SET NULL ON UPDATE CASCADE '
    "DEFAULT null, "
    "\"channel\" VARCHAR(10) NOT NULL DEFAULT '', "
    '"submitted_hour" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, '
    '"fresh" INTEGER NOT NULL DEFAULT 0)'
)
FRESH_INDEX = 'CREATE INDEX "response_fresh" ON "response" ("submitted_hour") WHERE "fresh"'


async def _postgres(engine: PostgresEngine) -> None:
    await engine.run_ddl(IDEMPOTENCY_TABLE.format(""))
    await engine.run_ddl(MOVE_IDEMPOTENCY_KEYS)
    await engine.run_ddl(
        'ALTER TABLE "response" DROP COLUMN "receipt", DROP COLUMN "idempotency_key", '
        'ALTER COLUMN "id" TYPE BIGINT, ALTER COLUMN "id" DROP DEFAULT, '
        'ADD COLUMN "fresh" BOOLEAN NOT NULL DEFAULT true'
    )
    await engine.run_ddl('ALTER TABLE "response" ALTER COLUMN "fresh" SET DEFAULT false')
    await engine.run_ddl('DROP SEQUENCE IF EXISTS "response_id_seq"')
    await engine.run_ddl(
        'ALTER TABLE "answer" ALTER COLUMN "id" TYPE BIGINT, ALTER COLUMN "id" DROP DEFAULT, '
        'ALTER COLUMN "response" TYPE BIGINT'
    )
    await engine.run_ddl('DROP SEQUENCE IF EXISTS "answer_id_seq"')


async def _sqlite(engine) -> None:  # type: ignore[no-untyped-def]
    await engine.run_ddl(IDEMPOTENCY_TABLE.format(" WITHOUT ROWID"))
    await engine.run_ddl(MOVE_IDEMPOTENCY_KEYS)
    await engine.run_ddl(SQLITE_RESPONSE)
    await engine.run_ddl(
        'INSERT INTO "response_new" ("id", "poll", "placement", "unit", "channel", '
        '"submitted_hour", "fresh") SELECT "id", "poll", "placement", "unit", "channel", '
        '"submitted_hour", 1 FROM "response"'
    )
    await engine.run_ddl('DROP TABLE "response"')
    await engine.run_ddl('ALTER TABLE "response_new" RENAME TO "response"')
    await engine.run_ddl('CREATE INDEX response_poll ON "response" ("poll")')
    await engine.run_ddl(
        'CREATE INDEX "response_segment" ON "response" ("poll", "placement", "unit", "channel")'
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(
        migration_id=ID, app_name="polls", description=DESCRIPTION, wrap_in_transaction=False
    )

    async def changes(engine) -> None:  # type: ignore[no-untyped-def]
        if isinstance(engine, PostgresEngine):
            await _postgres(engine)
        else:
            await _sqlite(engine)
        await engine.run_ddl(FRESH_INDEX)
        await engine.run_ddl(
            'ALTER TABLE "poll" ADD COLUMN "keys_destroyed" BOOLEAN NOT NULL DEFAULT false'
        )
        await engine.run_ddl('CREATE INDEX "idempotency_key_poll" ON "idempotency_key" ("poll")')

    async def unlinkable_storage() -> None:
        engine = engine_finder()
        assert engine is not None
        sqlite = not isinstance(engine, PostgresEngine)
        if sqlite:  # outside any transaction, or SQLite ignores it
            await engine.run_ddl("PRAGMA foreign_keys = OFF")
        try:
            async with engine.transaction():
                await changes(engine)
        finally:
            if sqlite:
                await engine.run_ddl("PRAGMA foreign_keys = ON")

    manager.add_raw(unlinkable_storage)
    return manager
