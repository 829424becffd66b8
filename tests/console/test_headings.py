"""Every console page has exactly one ``h1`` (its title), in both languages; the landing
page, favicon and the console's script are served. The list of pages is checked against
the app's routes, so a new console page without a row here fails."""

from __future__ import annotations

import httpx
import pytest
from litestar.routes import HTTPRoute

from polls.app import create_app
from polls.services import question_box
from polls.services.polls import now
from polls.settings import Settings
from tests.conftest import SECRET, OpenPoll, World, add_placement, create_draft_poll
from tests.console.conftest import login

PAGES = {
    "/console": "/console",
    "/console/polls": None,  # a redirect to /console
    "/console/login": "/console/login",
    "/console/password": "/console/password",
    "/console/polls/new": "/console/polls/new",
    "/console/polls/{poll_id:str}": "/console/polls/{open}",
    "/console/polls/{poll_id:str}/edit": "/console/polls/{open}/edit",
    "/console/polls/{poll_id:str}/close": "/console/polls/{open}/close",
    "/console/polls/{poll_id:str}/reopen": "/console/polls/{open}/reopen",
    "/console/polls/{poll_id:str}/delete": "/console/polls/{draft}/delete",
    "/console/polls/{poll_id:str}/results": "/console/polls/{open}/results",
    "/console/polls/{poll_id:str}/live": "/console/polls/{open}/live",
    "/console/polls/{poll_id:str}/preview": "/console/polls/{draft}/preview",
    "/console/placements/{placement_id:str}/edit": "/console/placements/{placement}/edit",
    "/console/polls/{poll_id:str}/announcement": "/console/polls/{open}/announcement",
    "/console/meetings/{placement_id:str}": "/console/meetings/{meeting}",
    "/console/meetings/{placement_id:str}/remote": "/console/meetings/{meeting}/remote",
    "/console/placements/{placement_id:str}/tally": "/console/placements/{paper}/tally",
    "/console/hoi": "/console/hoi",
    "/console/hoi/so-lieu": "/console/hoi/so-lieu",
    "/console/hoi/{item_id:str}": "/console/hoi/{item}",
    "/console/polls/{poll_id:str}/results-poster": "/console/polls/{open}/results-poster",
}
"""Each console HTML page (route -> an address of it); None for a redirect."""
ADMIN_PAGES = {
    "/console/admin/officers": "/console/admin/officers",
    "/console/admin/officers/{username:str}": "/console/admin/officers/officer",
    "/console/admin/units": "/console/admin/units",
    "/console/admin/units/{slug:str}": "/console/admin/units/mk-kt3",
    "/console/admin/audit": "/console/admin/audit",
}
"""The admin's pages, read by the admin."""
NOT_PAGES = {
    "/console/console.js",
    "/console/live.js",
    "/console/placements/{placement_id:str}/cards.pdf",
    "/console/placements/{placement_id:str}/poster.pdf",
    "/console/placements/{placement_id:str}/qr.svg",
    "/console/polls/{poll_id:str}/charts/{name:str}",
    "/console/polls/{poll_id:str}/export.csv",
    "/console/polls/{poll_id:str}/export.xlsx",
    "/console/polls/{poll_id:str}/live/events",
    "/console/polls/{poll_id:str}/posters.pdf",
    "/console/polls/{poll_id:str}/report.pdf",
    "/console/polls/{poll_id:str}/trends/{name:str}",
    "/console/polls/{poll_id:str}/preview/form",  # the worker's form, framed: its own h1
    "/console/meeting.js",
    "/console/meetings/{placement_id:str}/events",
    "/console/polls/{poll_id:str}/announcement.txt",
    "/console/hoi/so-lieu.png",
    "/console/hoi/so-lieu.pdf",
    "/console/polls/{poll_id:str}/results-poster/{name:str}",
}


def test_every_console_page_is_listed() -> None:
    app = create_app(Settings(database_url="sqlite:///unused.sqlite3", secret_key=SECRET))
    declared = {
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        and route.path.startswith("/console")
        and "GET" in route.methods
    }
    assert declared == set(PAGES) | set(ADMIN_PAGES) | NOT_PAGES


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_one_h1_per_console_page(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll, lang: str
) -> None:
    draft = await create_draft_poll(client, world)
    placement = await add_placement(client, world, draft["id"], "Nhà ăn PX3")
    meeting = await add_placement(client, world, open_poll.id, "Hội nghị", kind="meeting")
    paper = await add_placement(client, world, open_poll.id, "Giơ tay", kind="paper")
    await question_box.ask(
        "mk-kt3", "safety", "Thiếu nước uống ở lò chợ.", secret=SECRET, now=now()
    )
    [item] = await question_box.queue(world.principals["admin"], now=now(), sort="topic")
    ids = {
        "item": item.id,
        "open": open_poll.id,
        "draft": draft["id"],
        "placement": placement["id"],
        "meeting": meeting["id"],
        "paper": paper["id"],
    }
    login_page = await client.get(f"/console/login?lang={lang}")
    assert login_page.text.count("<h1") == 1
    await login(client, "officer")
    for route, address in PAGES.items():
        if address is None or route == "/console/login":
            continue
        page = await client.get(address.format(**ids) + f"?lang={lang}")
        assert page.status_code == 200, (route, page.status_code)
        assert page.text.count("<h1") == 1, route
        assert 'rel="icon"' in page.text, route
    await login(client, "admin")
    for route, address in ADMIN_PAGES.items():
        page = await client.get(f"{address}?lang={lang}")
        assert page.status_code == 200, (route, page.status_code)
        assert page.text.count("<h1") == 1, route


async def test_landing_page_favicon_and_script(client: httpx.AsyncClient) -> None:
    landing = await client.get("/?lang=vi")
    assert landing.status_code == 200
    assert landing.text.count("<h1") == 1
    assert 'href="/console"' in landing.text
    assert "Quét mã QR" in landing.text or "mã QR" in landing.text
    icon = await client.get("/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")
    old = await client.get("/favicon.ico")
    assert old.status_code == 301
    script = await client.get("/console/console.js")
    assert script.status_code == 200
    assert b"data-copy" in script.content
