"""PostgreSQL going away under a running app, as an administrator restarting it would do:
every connection of the app's pool is ended by the server mid-service. Each answer is then
stored (201) or refused with a 503 the form's script knows (it keeps the answers and says
to try again), never a 500; and service resumes by itself."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from polls import errors, web
from tests.conftest import POSTGRES_URL, Database, World, answer_as_new_device, create_open_poll

EN = {"Accept-Language": "en"}


async def _end_every_connection_of(database: str) -> int:
    admin = await asyncpg.connect(POSTGRES_URL, timeout=10)
    try:
        ended = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await admin.close()
    return len(ended)


async def test_connections_ended_by_the_server_are_503_never_500(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    if db.backend != "postgres":
        pytest.skip("PostgreSQL's own connections are ended here")
    poll = await create_open_poll(client, world)
    assert await _end_every_connection_of(db.url.rsplit("/", 1)[1]) > 0
    statuses = []
    for _ in range(30):
        sent = await client.post(
            f"/api/v1/forms/{poll.code}/responses", json={"answers": poll.answers()}, headers=EN
        )
        client.cookies.clear()
        statuses.append(sent.status_code)
        if sent.status_code == 503:
            assert "try again" in sent.json()["detail"]
            assert sent.headers["retry-after"]
        page = await client.get(f"/p/{poll.code}")
        statuses.append(page.status_code)
    assert 500 not in statuses
    assert set(statuses) <= {200, 201, 503}, statuses
    for _ in range(50):
        back = await answer_as_new_device(client, poll.code, poll.answers())
        if back.status_code == 201:
            break
        await asyncio.sleep(0.1)
    assert back.status_code == 201


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.CrashShutdownError("the server crashed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        asyncpg.exceptions.DiskFullError("could not extend file"),
        asyncpg.exceptions.ReadOnlySQLTransactionError("read-only transaction"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.InternalClientError("cannot switch to state 12"),
        TimeoutError(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_every_way_postgresql_goes_away_is_a_503(error: Exception) -> None:
    """What the server says while it shuts down, restarts, fails over or fills its disk,
    possibly in the middle of a statement: unavailable, never an error of ours."""
    assert isinstance(web._as_domain_error(error), errors.Unavailable)
