"""Answers carry their response's placement, unit and channel, so results read one index.

The three columns are added (as Piccolo's snapshot expects) and filled from ``response``
for the answers stored before. Results are then counted per combination of the three
(a poll has a handful) and added up per breakdown, or for the whole poll, in Python:
``answer(poll, placement, unit, channel, question, option, value_int)`` serves the option
counts in index order, ``answer(poll, placement, unit, channel, question, response)`` how
many answered each question, ``response(poll, placement, unit, channel)`` the respondents.
They replace the poll-wide answer indexes of 09:51. Columns, backfill and indexes are one
transaction.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-26T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "answers carry their response's placement, unit and channel"


class Placement(Table, tablename="placement", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class Unit(Table, tablename="unit", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


async def backfill_and_index() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        'UPDATE "answer" SET "placement" = r."placement", "unit" = r."unit", '
        '"channel" = r."channel" FROM "response" r '
        'WHERE r."id" = "answer"."response" AND "answer"."channel" IS NULL'
    )
    # One index serves every breakdown and the whole poll (sums of segment combinations),
    # so the poll-wide answer indexes of 09:51 go: fewer index entries per answer written.
    await engine.run_ddl('DROP INDEX IF EXISTS "answer_poll_tally"')
    await engine.run_ddl('DROP INDEX IF EXISTS "answer_poll_answered"')
    await engine.run_ddl(
        'CREATE INDEX "answer_segment_tally" ON "answer" '
        '("poll", "placement", "unit", "channel", "question", "option", "value_int")'
    )
    await engine.run_ddl(
        'CREATE INDEX "answer_segment_answered" ON "answer" '
        '("poll", "placement", "unit", "channel", "question", "response")'
    )
    await engine.run_ddl(
        'CREATE INDEX "response_segment" ON "response" ("poll", "placement", "unit", "channel")'
    )


class AddThenBackfill(MigrationManager):
    """Piccolo runs raw steps before added columns; the backfill needs the columns first."""

    async def run(self, backwards: bool = False) -> None:
        engine = engine_finder()
        assert engine is not None
        async with engine.transaction():
            await super().run(backwards=backwards)
            if not backwards and not self.preview:
                await backfill_and_index()


def _foreign_key(references: type[Table]) -> dict[str, Any]:
    return {
        "references": references,
        "on_delete": OnDelete.set_null,
        "on_update": OnUpdate.cascade,
        "target_column": None,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards() -> MigrationManager:
    manager = AddThenBackfill(migration_id=ID, app_name="polls", description=DESCRIPTION)
    for name, references in (("placement", Placement), ("unit", Unit)):
        manager.add_column(
            table_class_name="Answer",
            tablename="answer",
            column_name=name,
            db_column_name=name,
            column_class_name="ForeignKey",
            column_class=ForeignKey,
            params=_foreign_key(references),
            schema=None,
        )
    manager.add_column(
        table_class_name="Answer",
        tablename="answer",
        column_name="channel",
        db_column_name="channel",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 10,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
