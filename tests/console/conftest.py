"""Console helpers: sign in through the HTML form, read the CSRF token from a page, post
forms the way a browser does, and add anonymous responses through a cookie-less client."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, device_giver

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(page: httpx.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={"username": username, "password": password, "_csrf_token": csrf_token(page)},
    )


async def post_form(
    client: httpx.AsyncClient,
    path: str,
    data: dict[str, Any] | None = None,
    *,
    from_page: str = "/console",
) -> httpx.Response:
    """POST ``data`` to ``path`` with the token a browser would have from ``from_page``."""
    page = await client.get(from_page)
    return await client.post(path, data={**(data or {}), "_csrf_token": csrf_token(page)})


async def answer(client: httpx.AsyncClient, code: str, answers: dict[str, Any]) -> None:
    """One worker's response, from a fresh device (no cookies shared with the officer)."""
    app = client.app  # type: ignore[attr-defined]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as worker:
        worker.event_hooks["request"].append(device_giver(worker, app.state.settings.secret_key))
        sent = await worker.post(f"/api/v1/forms/{code}/responses", json={"answers": answers})
        assert sent.status_code == 201, sent.text


@pytest.fixture
def english(client: httpx.AsyncClient) -> httpx.AsyncClient:
    client.headers["accept-language"] = "en"
    return client
