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


async def _old_unit(engine: Engine) -> dict:
    """A unit row as the columns of that time had it (the table class has later ones)."""
    rows = await _sql(
        engine,
        'INSERT INTO "unit" ("slug", "name", "kind", "path", "headcount") '
        'VALUES ({}, {}, {}, {}, {}) RETURNING "id"',
        "mk",
        "Than Mạo Khê",
        "subordinate",
        "",
        0,
    )
    return dict(rows[0])


async def _old_poll(engine: Engine, unit_id: int) -> dict:
    """A poll row as the columns of that time had it (the table class has later ones)."""
    rows = await _sql(
        engine,
        'INSERT INTO "poll" ("unit", "title", "description", "language", "status", '
        '"min_group_size", "duplicate_policy", "publish_results", "series", "created_at", '
        '"updated_at", "version") VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) '
        'RETURNING "id"',
        unit_id,
        "Khảo sát",
        "",
        "vi",
        "open",
        5,
        "device",
        False,
        "s1",
        datetime.now(UTC),
        datetime.now(UTC),
        1,
    )
    return rows[0]


async def _old_question(engine: Engine, poll: int, kind: str) -> list[dict]:
    """A question with the columns of that time: no help yet."""
    return await _sql(
        engine,
        'INSERT INTO "question" ("poll", "position", "kind", "text", "required", '
        '"min_label", "max_label") VALUES ({}, 0, {}, {}, {}, {}, {}) RETURNING "id"',
        poll,
        kind,
        "?",
        True,
        "",
        "",
    )


async def test_answers_stored_before_get_their_responses_segments(fresh_engine: Engine) -> None:
    engine = fresh_engine
    result = await run_forwards(app_name="polls", migration_id=BEFORE_SEGMENTS_ON_ANSWERS)
    assert result.success, result.message
    unit = await _old_unit(engine)
    poll = await _old_poll(engine, unit["id"])
    question = (await _old_question(engine, poll["id"], "single"))[0]
    option = (  # no "other" flag yet
        await _sql(
            engine,
            'INSERT INTO "option" ("question", "position", "label") VALUES ({}, 0, {}) '
            'RETURNING "id"',
            question["id"],
            "A",
        )
    )[0]
    placement = (  # the columns of that time: no opens_in yet
        await _sql(
            engine,
            'INSERT INTO "placement" ("poll", "code", "label", "kind", "chat_unreachable", '
            '"created_at") VALUES ({}, {}, {}, {}, {}, {}) RETURNING "id"',
            poll["id"],
            "ABCD2345",
            "Nhà ăn",
            "canteen",
            False,
            datetime(2026, 11, 26, 8, tzinfo=UTC),
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
    # a placement made before it could open in the Zalo Mini App keeps opening the web form
    assert await t.Placement.select(t.Placement.code, t.Placement.opens_in) == [
        {"code": "ABCD2345", "opens_in": "web"}
    ]
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
    # the poll's own index of responses is gone: response_segment begins with the poll
    assert "response_poll" not in indexes


BEFORE_UNLINKABLE_STORAGE = "2026-12-02T11:00:00:000000"


async def test_responses_stored_before_unlinkable_storage_lose_receipts_and_get_rewritten(
    fresh_engine: Engine,
) -> None:
    from polls.services import unlinking

    engine = fresh_engine
    result = await run_forwards(app_name="polls", migration_id=BEFORE_UNLINKABLE_STORAGE)
    assert result.success, result.message
    unit = await _old_unit(engine)
    poll = await _old_poll(engine, unit["id"])
    question = (await _old_question(engine, poll["id"], "text"))[0]
    hour = datetime(2026, 11, 30, 9, tzinfo=UTC)
    texts = {}
    for n in range(3):
        response = await _sql(
            engine,
            'INSERT INTO "response" ("poll", "unit", "channel", "submitted_hour", "receipt", '
            '"idempotency_key") VALUES ({}, {}, {}, {}, {}, {}) RETURNING "id"',
            poll["id"],
            unit["id"],
            "web",
            hour,
            f"RECEIPT{n}",
            f"idem-{n}" if n else None,
        )
        texts[response[0]["id"]] = f"góp ý {n}"
        await _sql(
            engine,
            'INSERT INTO "answer" ("response", "poll", "question", "value_text", "unit", '
            '"channel") VALUES ({}, {}, {}, {}, {}, {})',
            response[0]["id"],
            poll["id"],
            question["id"],
            f"góp ý {n}",
            unit["id"],
            "web",
        )

    result = await run_forwards(app_name="polls", migration_id="all")
    assert result.success, result.message

    rows = await _sql(engine, 'SELECT * FROM "response"')
    assert {r["id"] for r in rows} == set(texts)
    assert all(r["fresh"] for r in rows)  # the next step rewrites them
    assert "receipt" not in rows[0]
    assert "idempotency_key" not in rows[0]
    assert sorted(r["key"] for r in await t.IdempotencyKey.select()) == ["idem-1", "idem-2"]
    answers = await t.Answer.select(t.Answer.response, t.Answer.value_text)
    assert {a["response"]: a["value_text"] for a in answers} == texts

    done = await unlinking.unlink_ended_hours()
    assert (done.responses, done.answers) == (3, 3)
    rows = await _sql(engine, 'SELECT * FROM "response"')
    assert not {r["id"] for r in rows} & set(texts)
    assert not any(r["fresh"] for r in rows)
    answers = await t.Answer.select(t.Answer.response, t.Answer.value_text)
    assert sorted(a["value_text"] for a in answers) == sorted(texts.values())
    assert {a["response"] for a in answers} == {r["id"] for r in rows}
