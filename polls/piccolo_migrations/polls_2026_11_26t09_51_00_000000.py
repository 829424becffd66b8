"""Fill ``answer.poll`` for answers stored before it existed, and index the tallies.

``(poll, question, option, value_int)`` serves a poll's option counts straight from the
index; ``(poll, question, response)`` serves how many answered each question.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T09:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "answers carry their poll: backfill and indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def backfill_and_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'UPDATE "answer" SET "poll" = (SELECT r."poll" FROM "response" r '
            'WHERE r."id" = "answer"."response") WHERE "poll" IS NULL'
        )
        await engine.run_ddl(
            'CREATE INDEX "answer_poll_tally" '
            'ON "answer" ("poll", "question", "option", "value_int")'
        )
        await engine.run_ddl(
            'CREATE INDEX "answer_poll_answered" ON "answer" ("poll", "question", "response")'
        )

    manager.add_raw(backfill_and_index)
    return manager
