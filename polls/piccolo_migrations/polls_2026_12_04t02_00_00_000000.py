"""A fuller editor (issue 14, item 5): ``question.help``, a line of help shown under a
question's text, and ``option.other``, the flag of a choice question's "other (please
specify)" option, whose typed text is stored as a free-text answer tied to that option
(``answer.value_text`` beside ``answer.option``) and released only under free text's rules."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "question.help and option.other"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="polls", description=DESCRIPTION)

    async def add_columns() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'ALTER TABLE "question" ADD COLUMN "help" VARCHAR(500) NOT NULL DEFAULT \'\''
        )
        await engine.run_ddl(
            'ALTER TABLE "option" ADD COLUMN "other" BOOLEAN NOT NULL DEFAULT FALSE'
        )

    manager.add_raw(add_columns)
    return manager
