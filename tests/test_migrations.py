"""Migrations that move data: answers stored before a migration gain what it adds.

Each test migrates a database of its own (SQLite, and PostgreSQL when configured) up to a
point, stores rows the way the code of that time did, and then applies the rest.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.base import Engine

from polls import db as polls_db
from polls import tables as t
from tests.conftest import BACKENDS, POSTGRES_URL, _with_database

BEFORE_SEGMENTS_ON_ANSWERS = "2026-11-26T09:51:00:000000"


@pytest.fixture(params=BACKENDS)
async def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Engine]:
    """An empty database with no migration applied; the tables point at it meanwhile."""
    previous = t.Answer._meta.db
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        admin = await asyncpg.connect(POSTGRES_URL, timeout=10)
        name = "polls_migrations_" + secrets.token_hex(4)
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(POSTGRES_URL, name)
    engine = polls_db.engine_for_url(url, "NORMAL")
    polls_db.activate(engine)
    await polls_db.start(engine)
    yield engine
    await polls_db.stop(engine)
    polls_db.activate(previous)
    if admin is not None:
        await admin.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        await admin.close()


async def _sql(engine: Engine, sql: str, *args: object) -> list:
    from piccolo.querystring import QueryString

    return list(await engine.run_querystring(QueryString(sql, *args)))


async def test_answers_stored_before_get_their_responses_segments(fresh_engine: Engine) -> None:
    engine = fresh_engine
    result = await run_forwards(app_name="polls", migration_id=BEFORE_SEGMENTS_ON_ANSWERS)
    assert result.success, result.message
    unit = (await t.Unit.insert(t.Unit(slug="mk", name="Than Mạo Khê", kind="subordinate")))[0]
    poll = (await t.Poll.insert(t.Poll(unit=unit["id"], title="Khảo sát", series="s1")))[0]
    question = (
        await t.Question.insert(t.Question(poll=poll["id"], position=0, kind="single", text="?"))
    )[0]
    option = (await t.Option.insert(t.Option(question=question["id"], position=0, label="A")))[0]
    placement = (
        await t.Placement.insert(
            t.Placement(poll=poll["id"], code="ABCD2345", label="Nhà ăn", kind="canteen")
        )
    )[0]
    hour = datetime(2026, 11, 26, 9, tzinfo=UTC)
    stored = {}
    for n, (where, channel) in enumerate(((placement["id"], "web"), (None, "telegram"))):
        response = await _sql(
            engine,
            'INSERT INTO "response" ("poll", "placement", "unit", "channel", "submitted_hour", '
            '"receipt") VALUES ({}, {}, {}, {}, {}, {}) RETURNING "id"',
            poll["id"],
            where,
            unit["id"],
            channel,
            hour,
            f"receipt-{n}",
        )
        stored[response[0]["id"]] = (where, unit["id"], channel)
        for _ in range(2):  # the columns of that time: no segments on the answer
            await _sql(
                engine,
                'INSERT INTO "answer" ("response", "poll", "question", "option") '
                "VALUES ({}, {}, {}, {})",
                response[0]["id"],
                poll["id"],
                question["id"],
                option["id"],
            )

    result = await run_forwards(app_name="polls", migration_id="all")
    assert result.success, result.message

    rows = await t.Answer.select(
        t.Answer.response, t.Answer.placement, t.Answer.unit, t.Answer.channel
    )
    assert len(rows) == 4
    for row in rows:
        assert (row["placement"], row["unit"], row["channel"]) == stored[row["response"]]
    if engine.engine_type == "sqlite":
        indexes = {
            r["name"]
            for r in await _sql(
                engine,
                "SELECT name FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name IN ('answer', 'response')",
            )
        }
    else:
        indexes = {
            r["indexname"]
            for r in await _sql(
                engine, "SELECT indexname FROM pg_indexes WHERE tablename IN ('answer', 'response')"
            )
        }
    assert {"answer_segment_tally", "answer_segment_answered", "response_segment"} <= indexes
    assert not {"answer_poll_tally", "answer_poll_answered"} & indexes
