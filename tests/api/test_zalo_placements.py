"""Placements that open in the union's Zalo Mini App: the choice is stored per placement,
offered only on a server with ``ZALO_MINI_APP_ID``, and the QR code, poster and table card
carry the Mini App's link (decoded with zbar), with the web link printed as the fallback."""

from __future__ import annotations

import httpx
import pytest

from polls import tables as t
from polls.sharing import links
from tests.conftest import World, add_placement, create_draft_poll, create_open_poll
from tests.sharing.tools import decode, pdf_pages, pdf_text, rasterize_svg

BASE = "https://thamdo.vinacomin.vn"
MINI_APP_ID = "3141592653589793238"


@pytest.fixture
async def zc(make_client) -> httpx.AsyncClient:
    return await make_client(base_url=BASE, zalo_mini_app_id=MINI_APP_ID)


async def test_a_placement_opens_in_the_web_form_unless_chosen(
    zc: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(zc, world)
    plain = await add_placement(zc, world, poll["id"])
    assert plain["opens_in"] == "web"
    assert plain["url"] == f"{BASE}/p/{plain['code']}"
    assert plain["mini_app_url"] == f"https://zalo.me/s/{MINI_APP_ID}/?k={plain['code']}"
    assert plain["scan_url"] == links.qr_link(BASE, plain["code"])
    zalo = await add_placement(zc, world, poll["id"], "Nhóm Zalo tổ 3", opens_in="zalo_mini_app")
    assert zalo["opens_in"] == "zalo_mini_app"
    assert zalo["scan_url"] == zalo["mini_app_url"]
    assert zalo["url"] == f"{BASE}/p/{zalo['code']}"  # the fallback is still there
    stored = await t.Placement.select(t.Placement.code, t.Placement.opens_in).order_by(
        t.Placement.id
    )
    assert [r["opens_in"] for r in stored] == ["web", "zalo_mini_app"]


async def test_the_poster_and_cards_open_zalo_and_print_the_web_link(
    zc: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(zc, world)
    made = await add_placement(zc, world, poll["id"], "Nhà ăn", opens_in="zalo_mini_app")
    mini_app = links.mini_app_link(MINI_APP_ID, made["code"])
    auth = world.auth("officer")
    poster = await zc.get(f"/api/v1/placements/{made['id']}/poster.pdf", headers=auth)
    assert poster.status_code == 200
    (page,) = pdf_pages(poster.content)
    assert decode(page) == [mini_app]
    text = " ".join(pdf_text(poster.content).split())
    assert "Mở bằng Zalo" in text
    assert "Không có Zalo? Nhập địa chỉ này vào trình duyệt trên điện thoại:" in text
    assert links.printed_link(BASE, made["code"]) in text
    cards = await zc.get(f"/api/v1/placements/{made['id']}/cards.pdf", headers=auth)
    (sheet,) = pdf_pages(cards.content)
    assert decode(sheet) == [mini_app] * 4
    assert pdf_text(cards.content).count("Mở bằng Zalo") == 4
    png = await zc.get(f"/api/v1/placements/{made['id']}/qr.png", headers=auth)
    svg = await zc.get(f"/api/v1/placements/{made['id']}/qr.svg", headers=auth)
    assert decode(png.content) == [mini_app]
    assert decode(rasterize_svg(svg.text)) == [mini_app]


async def test_the_batch_mixes_web_and_zalo_placements(zc: httpx.AsyncClient, world: World) -> None:
    poll = await create_draft_poll(zc, world)
    web = await add_placement(zc, world, poll["id"], "Bảng tin")
    zalo = await add_placement(zc, world, poll["id"], "Nhóm Zalo", opens_in="zalo_mini_app")
    batch = await zc.get(f"/api/v1/polls/{poll['id']}/posters.pdf", headers=world.auth("viewer"))
    pages = pdf_pages(batch.content)
    assert [decode(p) for p in pages] == [
        [links.qr_link(BASE, web["code"])],
        [links.mini_app_link(MINI_APP_ID, zalo["code"])],
    ]
    assert pdf_text(batch.content).count("Mở bằng Zalo") == 1


async def test_switching_a_placement_changes_its_qr_code(
    zc: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(zc, world)
    listed = await zc.get(f"/api/v1/polls/{poll.id}/placements", headers=world.auth("officer"))
    placement = listed.json()[0]
    url = f"/api/v1/placements/{placement['id']}"
    switched = await zc.patch(
        url, json={"opens_in": "zalo_mini_app"}, headers=world.auth("officer")
    )
    assert switched.status_code == 200, switched.text
    assert switched.json()["opens_in"] == "zalo_mini_app"
    png = await zc.get(f"{url}/qr.png", headers=world.auth("officer"))
    assert decode(png.content) == [links.mini_app_link(MINI_APP_ID, placement["code"])]
    back = await zc.patch(url, json={"opens_in": "web"}, headers=world.auth("officer"))
    assert back.json()["opens_in"] == "web"
    png = await zc.get(f"{url}/qr.png", headers=world.auth("officer"))
    assert decode(png.content) == [links.qr_link(BASE, placement["code"])]


async def test_without_a_mini_app_the_choice_is_refused_in_the_officers_language(
    make_client, world: World
) -> None:
    client = await make_client(base_url=BASE)
    poll = await create_draft_poll(client, world)
    refused = await client.post(
        f"/api/v1/polls/{poll['id']}/placements",
        json={"label": "Nhóm Zalo", "opens_in": "zalo_mini_app"},
        headers=world.auth("officer"),
    )
    assert refused.status_code == 422, refused.text
    assert "Zalo Mini App" in refused.text
    assert "ZALO_MINI_APP_ID" not in refused.text
    assert "biểu mẫu web" in refused.text
    assert await t.Placement.count() == 0  # nothing half-written
    made = await add_placement(client, world, poll["id"])
    assert made["mini_app_url"] is None
    assert made["opens_in"] == "web"
    patched = await client.patch(
        f"/api/v1/placements/{made['id']}",
        json={"opens_in": "zalo_mini_app"},
        headers=world.auth("officer"),
    )
    assert patched.status_code == 422
    assert "Zalo Mini App" in patched.json()["errors"]["opens_in"]
    assert (await t.Placement.select(t.Placement.opens_in))[0]["opens_in"] == "web"


async def test_a_placement_chosen_for_zalo_falls_back_to_the_web_without_the_setting(
    make_client, world: World
) -> None:
    with_app = await make_client(base_url=BASE, zalo_mini_app_id=MINI_APP_ID)
    poll = await create_draft_poll(with_app, world)
    made = await add_placement(with_app, world, poll["id"], opens_in="zalo_mini_app")
    without = await make_client(base_url=BASE)
    png = await without.get(
        f"/api/v1/placements/{made['id']}/qr.png", headers=world.auth("officer")
    )
    assert decode(png.content) == [links.qr_link(BASE, made["code"])]


@pytest.mark.parametrize(
    "body",
    [
        {"opens_in": "telegram"},
        {"opens_in": None},
        {"label": " "},
        {"opens_in": "web", "code": "x"},
        [],
    ],
)
async def test_a_bad_choice_is_a_clear_422_in_vietnamese(
    zc: httpx.AsyncClient, world: World, body
) -> None:
    poll = await create_draft_poll(zc, world)
    made = await add_placement(zc, world, poll["id"])
    refused = await zc.patch(
        f"/api/v1/placements/{made['id']}", json=body, headers=world.auth("officer")
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == "Một số mục cần sửa lại."
    bad_kind = await zc.post(
        f"/api/v1/polls/{poll['id']}/placements",
        json={"label": "x", "opens_in": "sms"},
        headers=world.auth("officer"),
    )
    assert bad_kind.status_code == 422
    assert (await t.Placement.select(t.Placement.opens_in)) == [{"opens_in": "web"}]


async def test_who_may_switch_a_placement(zc: httpx.AsyncClient, world: World) -> None:
    poll = await create_draft_poll(zc, world)
    made = await add_placement(zc, world, poll["id"])
    url = f"/api/v1/placements/{made['id']}"
    body = {"opens_in": "zalo_mini_app"}
    assert (await zc.patch(url, json=body)).status_code == 401
    assert (await zc.patch(url, json=body, headers=world.auth("viewer"))).status_code == 403
    assert (await zc.patch(url, json=body, headers=world.auth("outsider"))).status_code == 404
    assert (
        await zc.patch("/api/v1/placements/999999", json=body, headers=world.auth("admin"))
    ).status_code == 404
    assert (await t.Placement.select(t.Placement.opens_in))[0]["opens_in"] == "web"
    assert (await zc.patch(url, json=body, headers=world.auth("admin"))).status_code == 200
