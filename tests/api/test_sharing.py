"""The API's QR codes, posters and table cards: decoded with a real decoder, followed like a
phone would, and refused for bad input or another subtree."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from polls import tables as t
from polls.sharing import links
from tests.conftest import OpenPoll, World, add_placement, create_draft_poll
from tests.sharing.tools import decode, pdf_pages, pdf_text, rasterize_svg

BASE = "http://127.0.0.1:8000"  # the settings' default BASE_URL


async def _placement(client: httpx.AsyncClient, world: World, poll: OpenPoll) -> dict:
    listed = await client.get(f"/api/v1/polls/{poll.id}/placements", headers=world.auth("officer"))
    return listed.json()[0]


async def test_the_png_and_the_svg_decode_to_the_placement_and_lead_to_its_form(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    placement = await _placement(client, world, open_poll)
    expected = links.qr_link(BASE, open_poll.code)
    assert expected == f"HTTP://127.0.0.1:8000/P/{open_poll.code}"
    png = await client.get(
        f"/api/v1/placements/{placement['id']}/qr.png?size=300", headers=world.auth("viewer")
    )
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (300, 300)
    svg = await client.get(
        f"/api/v1/placements/{placement['id']}/qr.svg", headers=world.auth("officer")
    )
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert decode(png.content) == [expected]
    assert decode(rasterize_svg(svg.text)) == [expected]

    # a phone opens the decoded (uppercase) URL: it reaches the form and counts as a visit
    scanned = httpx.URL(expected)
    opened = await client.get(scanned.raw_path.decode())
    assert opened.status_code == 301
    assert opened.headers["location"] == f"/p/{open_poll.code}"
    assert "set-cookie" not in opened.headers
    form = await client.get(opened.headers["location"])
    assert form.status_code == 200
    assert "Kênh nhanh nhất?" in form.text
    listed = await client.get(
        f"/api/v1/polls/{open_poll.id}/placements", headers=world.auth("officer")
    )
    assert listed.json()[0]["visits"] is None  # counted, but released only from 10
    visits = await t.PlacementVisit.select(t.PlacementVisit.opens)
    assert [v["opens"] for v in visits] == [1]


async def test_an_uppercase_link_with_a_lowercase_or_unknown_code(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    lower = await client.get(f"/P/{open_poll.code.lower()}")
    assert lower.status_code == 301
    assert lower.headers["location"] == f"/p/{open_poll.code}"
    unknown = await client.get("/P/not-a-code")
    assert unknown.status_code == 404


async def test_the_png_size_is_bounded_with_a_localized_message(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    placement = await _placement(client, world, open_poll)
    url = f"/api/v1/placements/{placement['id']}/qr.png"
    for size in ("127", "2049", "0", "-5", "100000", "big", "٥١٢", "1_000", "512.0", "+512"):
        refused = await client.get(url, params={"size": size}, headers=world.auth("officer"))
        assert refused.status_code == 422, size
        assert refused.json()["errors"] == {"size": "Chọn kích thước từ 128 đến 2048 điểm ảnh."}
    english = await client.get(
        url, params={"size": "5000"}, headers={**world.auth("officer"), "Accept-Language": "en"}
    )
    assert english.json()["errors"] == {"size": "Choose a size from 128 to 2048 pixels."}
    for size in (128, 2048):
        fine = await client.get(url, params={"size": size}, headers=world.auth("officer"))
        assert Image.open(io.BytesIO(fine.content)).size == (size, size)


@pytest.mark.parametrize("suffix", ["qr.svg", "qr.png", "poster.pdf", "cards.pdf"])
async def test_an_unknown_placement_is_404(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll, suffix: str
) -> None:
    missing = await client.get(f"/api/v1/placements/999999/{suffix}", headers=world.auth("admin"))
    assert missing.status_code == 404
    assert missing.json()["status_code"] == 404


async def test_another_subtree_and_an_unknown_poll_are_404(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    placement = await _placement(client, world, open_poll)
    for url in (
        f"/api/v1/placements/{placement['id']}/qr.png?size=256",
        f"/api/v1/placements/{placement['id']}/poster.pdf",
        f"/api/v1/polls/{open_poll.id}/posters.pdf",
    ):
        assert (await client.get(url, headers=world.auth("outsider"))).status_code == 404
    unknown = await client.get("/api/v1/polls/999999/posters.pdf", headers=world.auth("admin"))
    assert unknown.status_code == 404


async def test_a_poster_in_the_polls_language(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    placement = await _placement(client, world, open_poll)
    poster = await client.get(
        f"/api/v1/placements/{placement['id']}/poster.pdf",
        headers={**world.auth("officer"), "Accept-Language": "en"},  # the poll's language wins
    )
    assert poster.status_code == 200
    assert poster.headers["content-type"] == "application/pdf"
    assert "attachment" in poster.headers["content-disposition"]
    text = " ".join(pdf_text(poster.content).split())
    for expected in (
        "Bạn nhận thông tin công đoàn qua kênh nào?",
        "Quét mã QR để trả lời",
        f"http://127.0.0.1:8000/p/{open_poll.code}",
        "Câu trả lời của bạn hoàn toàn ẩn danh.",
        "Nhà ăn Khai thác 3",
    ):
        assert expected in text
    (page,) = pdf_pages(poster.content)
    assert decode(page) == [links.qr_link(BASE, open_poll.code)]


async def test_the_batch_has_a_page_per_placement_each_decoding_to_its_own(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(client, world, language="en", title="Canteen food in 2026")
    made = [
        await add_placement(client, world, poll["id"], label, kind=kind)
        for label, kind in [
            ("Canteen, workshop 3", "canteen"),
            ("Notice board, gate", "notice_board"),
            ("Zalo OA", "zalo"),
        ]
    ]
    batch = await client.get(
        f"/api/v1/polls/{poll['id']}/posters.pdf", headers=world.auth("viewer")
    )
    assert batch.status_code == 200
    pages = pdf_pages(batch.content)
    assert [decode(page) for page in pages] == [[links.qr_link(BASE, p["code"])] for p in made]
    text = pdf_text(batch.content)
    assert text.count("Scan to answer") == 3
    cards = await client.get(
        f"/api/v1/placements/{made[1]['id']}/cards.pdf", headers=world.auth("officer")
    )
    (sheet,) = pdf_pages(cards.content)
    assert decode(sheet) == [links.qr_link(BASE, made[1]["code"])] * 4


async def test_a_poll_without_placements_has_no_batch(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(client, world)
    refused = await client.get(
        f"/api/v1/polls/{poll['id']}/posters.pdf", headers=world.auth("officer")
    )
    assert refused.status_code == 409
    assert "điểm đăng" in refused.json()["detail"]


async def test_qr_codes_follow_the_configured_base_url(make_client, world: World) -> None:
    client = await make_client(base_url="https://thamdo.vinacomin.vn")
    poll = await create_draft_poll(client, world)
    placement = await add_placement(client, world, poll["id"])
    png = await client.get(
        f"/api/v1/placements/{placement['id']}/qr.png", headers=world.auth("officer")
    )
    assert decode(png.content) == [f"HTTPS://THAMDO.VINACOMIN.VN/P/{placement['code']}"]
