"""Rule: an acknowledged response is never lost; a response is stored whole or not at all.

The phone is told "stored" (201) only once the commit that holds the response has returned;
a commit that fails acknowledges nothing, stores nothing, and the phone's retry (it keeps the
answers) is then stored once. SQLite runs with ``synchronous = FULL`` unless told otherwise,
and a level that acknowledges what the disk may not hold (``OFF``) is refused.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from piccolo.engine.sqlite import dict_factory
from piccolo.querystring import QueryString

from polls import db as polls_db
from polls import tables as t
from polls.app import create_app
from polls.settings import Settings
from tests.conftest import SECRET, Database, OpenPoll, stored_counts

DISK_FULL = "disk I/O error"
UNAVAILABLE_VI = (
    "Hệ thống đang tạm gián đoạn. Câu trả lời của bạn vẫn được giữ lại; vui lòng thử lại sau ít "
    "phút."
)


class Commit:
    """What the next ``COMMIT`` of the writer does: go through, fail, or wait to be let go."""

    def __init__(self) -> None:
        self.fail = False
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()


def failing_commit_connection(commit: Commit) -> type[sqlite3.Connection]:
    class Connection(sqlite3.Connection):
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
            if sql == "COMMIT":
                commit.entered.set()
                commit.release.wait(30)
                if commit.fail:
                    raise sqlite3.OperationalError(DISK_FULL)
            return super().execute(sql, *args)

    return Connection


def writer_connection(engine: polls_db.FastSQLiteEngine, commit: Commit) -> sqlite3.Connection:
    """A connection like the batch writer's own, whose commits ``commit`` decides."""
    connection = sqlite3.connect(
        **{
            **engine.connection_kwargs,
            "check_same_thread": False,
            "factory": failing_commit_connection(commit),
        }
    )
    connection.row_factory = dict_factory
    for pragma in engine._pragmas():
        connection.execute(pragma)
    return connection


@pytest.fixture
def sqlite_commit(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Commit | None]:
    """On SQLite: the writer's commits under the test's control (None on PostgreSQL)."""
    if not isinstance(db.engine, polls_db.FastSQLiteEngine):
        yield None
        return
    commit = Commit()
    connection = writer_connection(db.engine, commit)
    monkeypatch.setattr(db.engine.batch_writer, "_connection", connection)
    yield commit
    commit.release.set()


POSTGRES_FAIL_AT_COMMIT = (
    """CREATE FUNCTION polls_test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'
      USING ERRCODE = 'disk_full'; END $$""",
    """CREATE CONSTRAINT TRIGGER polls_test_fail_at_commit AFTER INSERT ON "response"
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION polls_test_fail_at_commit()""",
)
POSTGRES_HEAL = (
    'DROP TRIGGER polls_test_fail_at_commit ON "response"',
    "DROP FUNCTION polls_test_fail_at_commit()",
)


async def fail_commits(db: Database, commit: Commit | None) -> None:
    """Every commit that stores a response fails, as on a full disk. On PostgreSQL a deferred
    constraint trigger raises when the transaction commits (after every statement ran)."""
    if commit is not None:
        commit.fail = True
    else:
        for ddl in POSTGRES_FAIL_AT_COMMIT:
            await db.engine.run_ddl(ddl)


async def heal_commits(db: Database, commit: Commit | None) -> None:
    if commit is not None:
        commit.fail = False
    else:
        for ddl in POSTGRES_HEAL:
            await db.engine.run_ddl(ddl)


async def test_a_failing_commit_acknowledges_nothing_and_the_retry_is_stored_once(
    client: httpx.AsyncClient, db: Database, open_poll: OpenPoll, sqlite_commit: Commit | None
) -> None:
    body = {"answers": open_poll.answers(), "submission_id": str(uuid.uuid4())}
    url = f"/api/v1/forms/{open_poll.code}/responses"
    await fail_commits(db, sqlite_commit)
    refused = await client.post(url, json=body)
    assert refused.status_code == 503, refused.text
    assert refused.json()["detail"] == UNAVAILABLE_VI
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}
    assert await t.IdempotencyKey.count() == 0
    await heal_commits(db, sqlite_commit)
    stored = await client.post(url, json=body)
    assert stored.status_code == 201, stored.text
    again = await client.post(url, json=body)
    assert again.status_code in (200, 201), again.text
    counts = await stored_counts()
    assert counts["response"] == 1
    assert counts["answer"] == 6  # one row per choice: the multi question has two


async def test_the_phone_hears_stored_only_after_the_commit_returned(
    client: httpx.AsyncClient, db: Database, open_poll: OpenPoll, sqlite_commit: Commit | None
) -> None:
    """The group commit's answer waits for ``COMMIT`` itself: while the commit is still on
    its way to the disk, no phone has been told anything."""
    if sqlite_commit is None:
        # PostgreSQL: the one statement (or the transaction) returns after its commit; the
        # test above proves a failing commit there acknowledges nothing.
        assert db.backend == "postgres"
        return
    sqlite_commit.release.clear()
    sending = asyncio.ensure_future(
        client.post(
            f"/api/v1/forms/{open_poll.code}/responses", json={"answers": open_poll.answers()}
        )
    )
    assert await asyncio.to_thread(sqlite_commit.entered.wait, 30), "no commit began"
    # a negative check: give an early acknowledgement every chance to arrive
    done, _ = await asyncio.wait({sending}, timeout=0.3)
    assert not done, "the phone was answered before the commit returned"
    sqlite_commit.fail = True
    sqlite_commit.release.set()
    refused = await sending
    assert refused.status_code == 503, refused.text
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}


async def test_a_failed_batch_fails_every_write_in_it(tmp_path: Path) -> None:
    """The writer itself: several writes in one batch, its commit fails, none is acknowledged
    and none is in the file."""
    path = tmp_path / "batch.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE note (text TEXT)")
    setup.commit()
    setup.close()
    commit = Commit()
    commit.fail = True

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(
            path,
            isolation_level=None,
            check_same_thread=False,
            factory=failing_commit_connection(commit),
        )
        connection.row_factory = dict_factory
        return connection

    writer = polls_db.BatchWriter(connect)

    def insert(text: str) -> Any:
        def steps() -> polls_db.WriteSteps[str]:
            yield ('INSERT INTO "note" ("text") VALUES ({})', [text])
            return text

        return steps

    outcomes = await asyncio.gather(
        *(writer.write(insert(f"note {i}")) for i in range(5)), return_exceptions=True
    )
    writer.close()
    assert all(isinstance(o, sqlite3.OperationalError) for o in outcomes), outcomes
    assert all(str(o) == DISK_FULL for o in outcomes)
    check = sqlite3.connect(path)
    assert check.execute("SELECT COUNT(*) FROM note").fetchone() == (0,)
    check.close()


async def test_sqlite_runs_with_synchronous_full_by_default(tmp_path: Path) -> None:
    """From the app as built with the settings the environment gives: every connection it
    opens to SQLite reports ``synchronous = 2`` (FULL)."""
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'polls.sqlite3'}", "SECRET_KEY": SECRET}
    )
    app = create_app(settings)
    engine = app.state.engine
    assert isinstance(engine, polls_db.FastSQLiteEngine)
    connection = engine._connect_sync()
    try:
        assert connection.execute("PRAGMA synchronous").fetchone() == {"synchronous": 2}
    finally:
        connection.close()
    await polls_db.start(engine)
    try:
        read = await engine.run_querystring(QueryString("PRAGMA synchronous"))
        async with engine.transaction():
            written = await engine.run_querystring(QueryString("PRAGMA synchronous"))
    finally:
        await polls_db.stop(engine)
    assert read == written == [{"synchronous": 2}]


@pytest.mark.parametrize("level", ["OFF", "off", "0", "FAST", "FULL; DROP TABLE response"])
def test_sqlite_refuses_a_synchronous_level_that_could_lose_an_acknowledged_response(
    level: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="POLLS_SQLITE_SYNCHRONOUS must be one of"):
        Settings.from_env({"SECRET_KEY": SECRET, "POLLS_SQLITE_SYNCHRONOUS": level})
    with pytest.raises(ValueError, match="an acknowledged response must survive a crash"):
        polls_db.FastSQLiteEngine(str(tmp_path / "x.sqlite3"), level.upper())


@pytest.mark.parametrize(("raw", "level"), [("", "FULL"), ("normal", "NORMAL"), ("EXTRA", "EXTRA")])
def test_sqlite_accepts_the_safe_levels(raw: str, level: str) -> None:
    settings = Settings.from_env({"SECRET_KEY": SECRET, "POLLS_SQLITE_SYNCHRONOUS": raw})
    assert settings.sqlite_synchronous == level


def test_a_writer_that_never_wrote_closes_cleanly_and_one_that_wrote_closes_its_file(
    tmp_path: Path,
) -> None:
    """Shutdown: closing the writer ends its connection (the file is left with no open
    handle of ours), and a writer that never wrote has nothing to close."""
    opened: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(
            tmp_path / "w.sqlite3", isolation_level=None, check_same_thread=False
        )
        opened.append(connection)
        return connection

    polls_db.BatchWriter(connect).close()
    assert opened == []
    writer = polls_db.BatchWriter(connect)

    def steps() -> polls_db.WriteSteps[None]:
        yield ("CREATE TABLE t (x INTEGER)", [])

    asyncio.run(writer.write(steps))
    writer.close()
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")
