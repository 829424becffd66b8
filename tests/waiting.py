"""Work started while another transaction holds its locks: whether it has reached the
database and waits there (the races of the unlinking step and of a close during a
submission)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from tests.conftest import Database


class Waiting:
    """Whether work started inside another transaction (the unlinking step's rewrite, a
    close) has reached the database and waits there for that one's locks: on PostgreSQL a
    backend waiting on a lock (``pg_stat_activity``, read on a connection of its own); on
    SQLite a write handed to the batch writer (whose ``BEGIN IMMEDIATE`` waits for the
    other's transaction) or a transaction waiting for the engine's writer lock."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.db = db
        self.handed = 0
        if db.backend == "sqlite":
            writer = db.engine.batch_writer
            submit = writer._submit  # every job's way in, a submission's or another write's

            async def counted(job: Any) -> Any:
                self.handed += 1
                return await submit(job)

            monkeypatch.setattr(writer, "_submit", counted)

    async def _count(self) -> int:
        if self.db.backend == "postgres":
            watcher = await asyncpg.connect(self.db.url)
            try:
                return int(
                    await watcher.fetchval(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
            finally:
                await watcher.close()
        lock = self.db.engine._write_lock
        return self.handed + len(lock._waiters or ())  # asyncio.Lock's queue of waiters

    async def until(self, count: int, tasks: Sequence[asyncio.Task[Any]]) -> None:
        """Until ``count`` of them wait, or one of ``tasks`` is done (it slipped past the
        other transaction, which the test then reports)."""
        deadline = asyncio.get_running_loop().time() + 30
        while not any(task.done() for task in tasks) and await self._count() < count:
            assert asyncio.get_running_loop().time() < deadline, "nothing reached the database"
            await asyncio.sleep(0.01)  # polling the condition above, not a fixed wait
