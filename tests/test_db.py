"""``db.write_one``: one statement on its own, on either engine, all or nothing."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from polls import db as polls_db
from polls import tables as t
from tests.conftest import Database, World


async def test_one_statement_returns_its_rows_and_refusals_store_nothing(
    db: Database, world: World
) -> None:
    root = (await t.Unit.select(t.Unit.id).first())["id"]  # type: ignore[index]
    poll = (await t.Poll.insert(t.Poll(unit=root, title="Khảo sát", series="s1")))[0]["id"]
    sql = 'INSERT INTO "duplicate_key" ("key", "poll") VALUES ({}, {}), ({}, {}) RETURNING "key"'
    rows = await polls_db.write_one(db.engine, sql, ["a" * 64, poll, "b" * 64, poll])
    assert sorted(row["key"] for row in rows) == ["a" * 64, "b" * 64]
    # the second row collides with a stored key: neither row of the statement stays
    with pytest.raises((asyncpg.UniqueViolationError, sqlite3.IntegrityError)):
        await polls_db.write_one(db.engine, sql, ["c" * 64, poll, "a" * 64, poll])
    assert sorted(r["key"] for r in await t.DuplicateKey.select(t.DuplicateKey.key)) == [
        "a" * 64,
        "b" * 64,
    ]
