"""Whether this process can take answers now, dependency by dependency, for ``/readyz``.

"Ready" must mean an answer would be stored: the database takes a real write (one row of
``readiness``, through the same writer as the answers; a read alone passes on a full disk
or a read-only database), Redis answers when it shares the rate limits (without it every
submission is a 503), and on SQLite the database's disk has room left. Each check has its
own short timeout, so a stuck dependency makes the probe fail rather than hang.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from piccolo.engine.base import Engine

from polls import db
from polls.ratelimit import redis_client

TIMEOUT = 3.0
MB = 1024 * 1024

RECORD_CHECK = (
    'INSERT INTO "readiness" ("id", "checked") VALUES (1, {}) '
    'ON CONFLICT ("id") DO UPDATE SET "checked" = excluded."checked" RETURNING "id"'
)

OK = "ok"
UNREACHABLE = "unreachable"
FULL = "full"


@dataclass(frozen=True)
class Readiness:
    database: str
    redis: str | None = None
    """None: no Redis configured (memory counters), nothing to check."""
    disk: str | None = None
    """None: not SQLite (a PostgreSQL server watches its own disk)."""

    @property
    def ready(self) -> bool:
        return all(state in (None, OK) for state in (self.database, self.redis, self.disk))


async def _database_takes_a_write(engine: Engine) -> bool:
    try:
        rows = await asyncio.wait_for(
            db.write_one(engine, RECORD_CHECK, [int(time.time())]), TIMEOUT
        )
    except Exception:  # any failure to write means not ready
        return False
    return bool(rows)


async def _redis_answers(url: str) -> bool:
    client = redis_client(url)
    try:
        return bool(await asyncio.wait_for(client.ping(), TIMEOUT))
    except Exception:  # refused, timed out, wrong password: not ready
        return False
    finally:
        await client.aclose()


def _disk_has_room(database: Path, min_free_mb: int) -> bool:
    folder = database.resolve().parent
    try:
        return shutil.disk_usage(folder).free >= min_free_mb * MB
    except OSError:
        return False


async def check(
    engine: Engine, *, redis_url: str = "", sqlite_path: Path | None = None, min_free_mb: int = 0
) -> Readiness:
    """Every dependency checked at once."""
    database, redis = await asyncio.gather(
        _database_takes_a_write(engine),
        _redis_answers(redis_url) if redis_url else asyncio.sleep(0, None),
    )
    disk = None
    if sqlite_path is not None and min_free_mb > 0:
        disk = OK if _disk_has_room(sqlite_path, min_free_mb) else FULL
    return Readiness(
        database=OK if database else UNREACHABLE,
        redis=None if not redis_url else (OK if redis else UNREACHABLE),
        disk=disk,
    )
