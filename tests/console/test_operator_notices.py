"""Operator notices are for administrators: an officer's and a leader's pages speak of what
they can do ("ask the server's administrator"), never of environment variables; the
administrator sees which setting is missing."""

from __future__ import annotations

import re

import httpx

from tests.conftest import World, create_open_poll
from tests.console.conftest import answer, login

SETTING = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]{2,}\b")
"""An environment variable's name (TELEGRAM_BOT_TOKEN, ZALO_MINI_APP_ID, ...)."""


async def _pages(client: httpx.AsyncClient, poll_id: int) -> dict[str, str]:
    paths = [
        "/console",
        f"/console/polls/{poll_id}",
        f"/console/polls/{poll_id}/results",
        f"/console/polls/{poll_id}/results?by=placement",
    ]
    pages = {}
    for path in paths:
        page = await client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        pages[path] = page.text
    return pages


async def test_officer_and_leader_pages_name_no_setting(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    for _ in range(6):
        await answer(client, poll.code, poll.answers())
    for language in ("vi", "en"):
        client.headers["accept-language"] = language
        for username in ("officer", "mk-viewer", "viewer"):
            client.cookies.clear()
            await login(client, username)
            for path, text in (await _pages(client, poll.id)).items():
                assert not SETTING.findall(text), (username, language, path)
    client.headers["accept-language"] = "en"
    client.cookies.clear()
    await login(client, "officer")
    results = (await client.get(f"/console/polls/{poll.id}/results")).text.replace("&#39;", "'")
    assert "To send charts to a Telegram chat, ask the server's administrator" in results
    assert "To send charts to a Zalo group, ask the server's administrator" in results


async def test_the_administrator_sees_which_setting_is_missing(
    client: httpx.AsyncClient, world: World
) -> None:
    client.headers["accept-language"] = "en"
    poll = await create_open_poll(client, world)
    await login(client, "admin")
    results = (await client.get(f"/console/polls/{poll.id}/results")).text
    assert "TELEGRAM_BOT_TOKEN" in results
    assert "ZALO_BOT_TOKEN" in results
