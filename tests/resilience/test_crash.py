"""A real server killed with SIGKILL mid-stream loses no acknowledged response; while its
database is unreachable it answers 503 and recovers by itself.

These start ``polls serve`` as a separate process, on SQLite and (when
``POLLS_TEST_POSTGRES_URL`` is set) on a fresh PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import BACKENDS, POSTGRES_URL, _with_database
from tests.servers import Deployment, _free_port, new_device


@contextmanager
def deployment(backend: str, tmp: Path) -> Iterator[Deployment]:
    if backend == "sqlite":
        yield Deployment(tmp, f"sqlite:///{tmp / 'polls.sqlite3'}")
        return
    name = "polls_crash_" + secrets.token_hex(4)
    subprocess.run(["psql", POSTGRES_URL, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    try:
        yield Deployment(tmp, _with_database(POSTGRES_URL, name))
    finally:
        subprocess.run(
            ["psql", POSTGRES_URL, "-qc", f'DROP DATABASE "{name}" WITH (FORCE)'], check=False
        )


async def stored_count(database_url: str) -> int:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            return int(connection.execute('SELECT COUNT(*) FROM "response"').fetchone()[0])
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval('SELECT COUNT(*) FROM "response"'))
    finally:
        await connection.close()


def open_poll_form(site: Deployment) -> tuple[str, dict[str, Any]]:
    token = site.run("issue-token", "maokhe")
    auth = {"Authorization": f"Bearer {token}"}
    poll = next(
        p
        for p in httpx.get(f"{site.url}/api/v1/polls", headers=auth).json()
        if p["status"] == "open"
    )
    code = httpx.get(f"{site.url}/api/v1/polls/{poll['id']}/placements", headers=auth).json()[0][
        "code"
    ]
    form = httpx.get(f"{site.url}/api/v1/forms/{code}").json()
    answers: dict[str, Any] = {}
    for q in form["questions"]:
        if q["kind"] in ("single",):
            answers[str(q["id"])] = q["options"][0]["id"]
        elif q["kind"] == "multi":
            answers[str(q["id"])] = [q["options"][0]["id"]]
        elif q["kind"] == "scale":
            answers[str(q["id"])] = q["min"]
        elif q["kind"] == "yes_no":
            answers[str(q["id"])] = False
    return code, answers


async def submit_until_stopped(
    url: str,
    code: str,
    answers: dict[str, Any],
    stop: asyncio.Event,
    seen: list[str] | None = None,
) -> list[str]:
    """One phone after another, each a new device; returns the submission ids the server
    acknowledged (there is no receipt: a retry of the same id says whether it is stored),
    also added to ``seen`` (shared by the phones) as they come."""
    acknowledged: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        while not stop.is_set():
            client.cookies.clear()
            submission_id = secrets.token_hex(8)
            try:
                sent = await client.post(
                    f"/api/v1/forms/{code}/responses",
                    json={"answers": answers, "submission_id": submission_id},
                    headers=new_device(),
                )
            except httpx.TransportError:
                await asyncio.sleep(0.05)
                continue
            if sent.status_code == 201:
                acknowledged.append(submission_id)
                if seen is not None:
                    seen.append(submission_id)
    return acknowledged


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_killed_server_loses_no_acknowledged_response(backend: str, tmp_path: Path) -> None:
    with deployment(backend, tmp_path) as site:
        site.run("demo")
        site.start()
        try:
            code, answers = open_poll_form(site)
            stop = asyncio.Event()
            so_far: list[str] = []
            clients = [
                asyncio.create_task(submit_until_stopped(site.url, code, answers, stop, so_far))
                for _ in range(8)
            ]
            deadline = time.monotonic() + 60
            while len(so_far) <= 50:  # until it is really under way
                assert time.monotonic() < deadline, f"only {len(so_far)} acknowledged"
                await asyncio.sleep(0.01)  # polling the count, not a fixed wait
            site.kill()  # SIGKILL while the eight phones' submissions are in flight
            stop.set()  # each phone's request in flight fails at once: the process is gone
            acknowledged = [r for batch in await asyncio.gather(*clients) for r in batch]
            assert sorted(acknowledged) == sorted(so_far)
            assert len(acknowledged) > 50

            site.start()  # the same database, a new process
            assert await stored_count(site.database_url) >= len(acknowledged)
            missing = []
            async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
                for submission_id in acknowledged:
                    again = await client.post(
                        f"/api/v1/forms/{code}/responses",
                        json={"answers": answers, "submission_id": submission_id},
                        headers=new_device(),
                    )
                    if again.status_code != 200 or not again.json()["replayed"]:
                        missing.append(submission_id)
            assert not missing, f"{len(missing)} acknowledged responses lost"
            # and the restarted server counts them in its results
            token = site.run("issue-token", "maokhe")
            async with httpx.AsyncClient(base_url=site.url) as client:
                listed = await client.get(
                    "/api/v1/polls", headers={"Authorization": f"Bearer {token}"}
                )
            polls = listed.json()
            total = sum(p["responses"] for p in polls)
            assert total >= len(acknowledged)
        finally:
            site.stop()


class Cuttable:
    """A TCP proxy in front of PostgreSQL whose connections can be cut and refused."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.open = True
        self.port = _free_port()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Cuttable:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.cut()
        assert self._server is not None
        self._server.close()

    def cut(self) -> None:
        self.open = False
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._writers += [writer, upstream_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


@pytest.mark.skipif("postgres" not in BACKENDS, reason="needs POLLS_TEST_POSTGRES_URL")
async def test_an_unreachable_database_is_503_and_service_resumes(tmp_path: Path) -> None:
    from urllib.parse import urlsplit

    target = urlsplit(POSTGRES_URL)
    async with Cuttable(target.hostname or "127.0.0.1", target.port or 5432) as proxy:
        with deployment("postgres", tmp_path) as direct:
            await asyncio.to_thread(direct.run, "demo")
            proxied_url = direct.database_url.replace(
                f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{proxy.port}"
            )
            site = Deployment(tmp_path, proxied_url)
            await asyncio.to_thread(site.start)
            try:
                code, answers = await asyncio.to_thread(open_poll_form, site)
                async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
                    assert (
                        await client.post(
                            f"/api/v1/forms/{code}/responses",
                            json={"answers": answers},
                            headers=new_device(),
                        )
                    ).status_code == 201
                    proxy.cut()
                    client.cookies.clear()
                    down = await client.post(
                        f"/api/v1/forms/{code}/responses",
                        json={"answers": answers},
                        headers={"Accept-Language": "en", **new_device()},
                    )
                    assert down.status_code == 503, down.text
                    assert "try again" in down.json()["detail"]
                    assert (await client.get("/readyz")).status_code == 503
                    proxy.open = True
                    for _ in range(50):
                        client.cookies.clear()
                        back = await client.post(
                            f"/api/v1/forms/{code}/responses",
                            json={"answers": answers},
                            headers=new_device(),
                        )
                        if back.status_code == 201:
                            break
                        await asyncio.sleep(0.2)
                    assert back.status_code == 201
                    assert (await client.get("/readyz")).status_code == 200
            finally:
                site.stop()
