"""``/readyz`` says ready only when an answer would be stored: the database takes a write,
the Redis of the rate limits answers (a Redis of the test's own, stopped and started again
under it), the SQLite database's disk has room."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from polls import tables as t
from tests.conftest import Database, World, create_open_poll
from tests.tools import require

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    """A ``redis-server`` of this test alone, on a free port, keeping nothing on disk."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    require("redis-server")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_readyz_writes_to_the_database(client: httpx.AsyncClient, db: Database) -> None:
    first = await client.get("/readyz")
    assert first.status_code == 200
    assert first.json()["database"] == "ok"
    rows = await t.Readiness.select()
    assert len(rows) == 1
    assert abs(rows[0]["checked"] - time.time()) < 60
    await client.get("/readyz")
    assert await t.Readiness.count() == 1, "one row, written again"


async def test_readyz_follows_redis_down_and_up_again(
    make_client: MakeClient, own_redis: OwnRedis, world: World
) -> None:
    client = await make_client(redis_url=own_redis.url)
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["redis"] == "ok"
    poll = await create_open_poll(client, world)

    own_redis.stop()
    down = await client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["status"] == "unavailable"
    assert down.json()["redis"] == "unreachable"
    assert down.json()["database"] == "ok", "it says which dependency failed"
    # and it was right: an answer now cannot be rate-limited, so it is a 503 too
    sent = await client.post(
        f"/api/v1/forms/{poll.code}/responses",
        json={"answers": poll.answers()},
        headers={"Accept-Language": "en"},
    )
    assert sent.status_code == 503
    assert "try again" in sent.json()["detail"]

    own_redis.start()  # the same port
    for _ in range(50):
        back = await client.get("/readyz")
        if back.status_code == 200:
            break
        await asyncio.sleep(0.1)
    assert back.status_code == 200
    assert back.json()["redis"] == "ok"


async def test_readyz_leaves_redis_out_when_none_is_configured(
    client: httpx.AsyncClient,
) -> None:
    assert "redis" not in (await client.get("/readyz")).json()


async def test_readyz_is_503_when_the_sqlite_disk_is_full(
    make_client: MakeClient, db: Database
) -> None:
    if db.backend != "sqlite":
        pytest.skip("the disk is watched for SQLite only")
    free_mb = shutil.disk_usage(Path(db.url.removeprefix("sqlite:///")).parent).free // 2**20
    client = await make_client(ready_min_free_mb=free_mb + 1024)
    full = await client.get("/readyz")
    assert full.status_code == 503
    assert full.json() == {"status": "unavailable", "database": "ok", "disk": "full"}
    roomy = await make_client(ready_min_free_mb=1)
    assert (await roomy.get("/readyz")).status_code == 200
