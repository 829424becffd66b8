"""Liveness and readiness probes."""

from __future__ import annotations

from pathlib import Path

import httpx

from polls import db as polls_db
from polls.app import create_app
from polls.settings import Settings
from tests.conftest import SECRET, Database


async def test_livez(client: httpx.AsyncClient) -> None:
    got = await client.get("/livez")
    assert got.status_code == 200
    assert got.json()["status"] == "ok"


async def test_readyz_reports_the_database(client: httpx.AsyncClient, db: Database) -> None:
    got = await client.get("/readyz")
    assert got.status_code == 200
    disk = {"disk": "ok"} if db.backend == "sqlite" else {}
    assert got.json() == {"status": "ok", "database": "ok", **disk}


async def test_probes_need_no_credentials_and_are_not_cached(client: httpx.AsyncClient) -> None:
    for path in ("/livez", "/readyz"):
        got = await client.get(path, headers={"Authorization": "Bearer nonsense"})
        assert got.status_code == 200
        assert "max-age" not in got.headers.get("cache-control", "")


async def test_readyz_is_503_without_a_database(db: Database, tmp_path: Path) -> None:
    unreachable = f"sqlite:///{tmp_path}/missing-dir/polls.sqlite3"
    app = create_app(Settings(database_url=unreachable, secret_key=SECRET))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            ready = await client.get("/readyz")
            alive = await client.get("/livez")
    finally:
        await polls_db.stop(app.state.engine)
        polls_db.activate(db.engine)
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["database"] == "unreachable"
    assert alive.status_code == 200


async def test_the_openapi_document_describes_the_api(client: httpx.AsyncClient) -> None:
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200, schema.text[:500]
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/polls",
        "/api/v1/polls/{poll_id}/results",
        "/api/v1/forms/{code}/responses",
        "/readyz",
    ):
        assert path in paths
    assert "503" in paths["/readyz"]["get"]["responses"]
