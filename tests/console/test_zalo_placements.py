"""The console's side of placements that open in the Zalo Mini App: offered only when the
server has one, both links shown, the switch behind CSRF and the runner's role, and
Telegram shown as the side door it is."""

from __future__ import annotations

import httpx
import pytest

from polls import tables as t
from polls.sharing import links
from tests.conftest import World, add_placement, create_draft_poll
from tests.console.conftest import login, post_form

BASE = "https://thamdo.vinacomin.vn"
MINI_APP_ID = "3141592653589793238"
SIDE_DOOR = "Telegram bị chặn trên các mạng di động chính ở Việt Nam"


@pytest.fixture
async def zc(make_client) -> httpx.AsyncClient:
    return await make_client(base_url=BASE, zalo_mini_app_id=MINI_APP_ID)


async def test_the_choice_is_offered_only_with_a_mini_app(make_client, world: World) -> None:
    plain = await make_client(base_url=BASE)
    poll = await create_draft_poll(plain, world)
    await add_placement(plain, world, poll["id"])
    await login(plain, "officer")
    page = await plain.get(f"/console/polls/{poll['id']}")
    assert 'name="opens_in"' not in page.text
    assert "zalo.me/s/" not in page.text
    assert SIDE_DOOR in page.text
    # Zalo is offered before Telegram among the kinds of placement
    assert page.text.index('value="zalo"') < page.text.index('value="telegram"')


async def test_add_a_placement_that_opens_in_zalo_and_see_both_links(
    zc: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(zc, world)
    await login(zc, "officer")
    form = await zc.get(f"/console/polls/{poll['id']}")
    assert 'id="placement-opens-in"' in form.text
    added = await post_form(
        zc,
        f"/console/polls/{poll['id']}/placements",
        {"label": "Nhóm Zalo tổ 3", "kind": "zalo", "opens_in": "zalo_mini_app"},
        from_page=f"/console/polls/{poll['id']}",
    )
    assert added.status_code == 303
    row = await t.Placement.select().first()
    assert row["opens_in"] == "zalo_mini_app"
    page = await zc.get(f"/console/polls/{poll['id']}")
    assert f'value="{BASE}/p/{row["code"]}"' in page.text
    assert f'value="{links.mini_app_link(MINI_APP_ID, row["code"])}"' in page.text
    assert "QR code and poster: open the web form" not in page.text  # Vietnamese page
    assert "Mã QR và áp phích: mở biểu mẫu web" in page.text


async def test_switching_in_the_console_needs_csrf_and_a_runner(
    zc: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(zc, world)
    made = await add_placement(zc, world, poll["id"])
    path = f"/console/placements/{made['id']}/opens-in"
    await login(zc, "officer")
    await zc.get("/console")
    for token in (None, "forged"):
        data = {"opens_in": "zalo_mini_app"} | ({"_csrf_token": token} if token else {})
        assert (await zc.post(path, data=data)).status_code == 403
    assert (await t.Placement.select(t.Placement.opens_in).first())["opens_in"] == "web"
    switched = await post_form(zc, path, {"opens_in": "zalo_mini_app"})
    assert switched.status_code == 303
    assert switched.headers["location"] == f"/console/polls/{poll['id']}#placements"
    assert (await t.Placement.select(t.Placement.opens_in).first())["opens_in"] == "zalo_mini_app"
    bad = await post_form(zc, path, {"opens_in": "sms"})
    assert bad.status_code == 303
    page = await zc.get(bad.headers["location"])
    assert "Điểm đăng chỉ mở bằng biểu mẫu web hoặc bằng Zalo Mini App." in page.text
    assert (await t.Placement.select(t.Placement.opens_in).first())["opens_in"] == "zalo_mini_app"

    viewer = await login(zc, "viewer")
    assert viewer.status_code == 303
    refused = await post_form(zc, path, {"opens_in": "web"})
    assert refused.status_code == 403
    await login(zc, "outsider")
    hidden = await post_form(zc, path, {"opens_in": "web"})
    assert hidden.status_code == 404
    assert (await t.Placement.select(t.Placement.opens_in).first())["opens_in"] == "zalo_mini_app"
