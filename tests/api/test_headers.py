"""The headers every answer carries: HSTS on an https site, a Permissions-Policy that
turns off every sensor, no server banner, and an API reference page that runs no script and
loads nothing from another host."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import OpenPoll, World, create_open_poll
from tests.servers import Deployment

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


async def _every_kind_of_answer(client: httpx.AsyncClient, poll: OpenPoll) -> list[httpx.Response]:
    return [
        await client.get(f"/p/{poll.code}"),  # the worker's form (its own headers)
        await client.get(f"/api/v1/forms/{poll.code}"),
        await client.get("/api/v1/forms/NO-SUCH-CODE"),  # an error, JSON
        await client.get("/p/NO-SUCH-CODE"),  # an error, a page
        await client.get("/console/login"),
        await client.get("/schema"),
        await client.get("/readyz"),
    ]


async def test_an_https_site_sends_hsts_everywhere(make_client: MakeClient, world: World) -> None:
    client = await make_client(base_url="https://thamdo.example.vn")
    poll = await create_open_poll(client, world)
    for response in await _every_kind_of_answer(client, poll):
        assert response.headers.get("strict-transport-security") == "max-age=31536000", (
            response.request.url
        )


async def test_a_plain_http_site_sends_no_hsts(client: httpx.AsyncClient, world: World) -> None:
    poll = await create_open_poll(client, world)
    for response in await _every_kind_of_answer(client, poll):
        assert "strict-transport-security" not in response.headers


async def test_no_page_may_use_a_camera_a_microphone_or_the_location(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    for response in await _every_kind_of_answer(client, poll):
        policy = response.headers.get("permissions-policy", "")
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy, (response.request.url, feature)


async def test_the_api_reference_runs_no_script_and_loads_nothing_from_elsewhere(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), "a third-party host"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    # it is the reference: every API path is on it
    document = (await client.get("/schema/openapi.json")).json()
    for path in document["paths"]:
        assert f"<code>{path}</code>" in page.text
    assert "428" in page.text, "the submission's answers are listed"


@pytest.mark.parametrize("path", ["/schema/redoc", "/schema/swagger", "/schema/elements"])
async def test_the_cdn_pages_are_gone(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


def test_the_served_app_sends_no_server_banner(tmp_path: Path) -> None:
    site = Deployment(tmp_path, f"sqlite:///{tmp_path / 'polls.sqlite3'}")
    site.start()
    try:
        for path in ("/livez", "/readyz", "/schema", "/p/NO-SUCH-CODE"):
            response = httpx.get(site.url + path)
            assert "server" not in response.headers, (path, response.headers.get("server"))
    finally:
        site.stop()
