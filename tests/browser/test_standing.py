"""A standing placement in Chromium at 360×640: the officer keeps a canteen's poster for
every wave in the console; the poster's QR code, decoded, leads a phone to wave 1; between
waves the same code says when the next wave opens; wave 2 opens and the very same poster
leads to it. Answers are counted per wave and placement."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, new_phone, screenshot
from tests.browser.test_officer import desktop, signed_in
from tests.sharing.tools import decode, pdf_pages
from tests.tools import require

POLL = {
    "unit": "than-mao-khe",
    "title": "Ý kiến về bữa ăn giữa ca, quý I",
    "publish_results": True,
    "questions": [
        {"kind": "single", "text": "Bữa ăn có đủ no không?", "options": ["Đủ", "Chưa đủ"]},
        {"kind": "yes_no", "text": "Nhà ăn có sạch sẽ không?"},
    ],
}


def _api(server: Server, method: str, path: str, **kwargs: Any) -> httpx.Response:
    auth = {"Authorization": f"Bearer {server.token}"}
    return httpx.request(method, f"{server.url}{path}", headers=auth, timeout=60, **kwargs)


def _scanned(server: Server, placement_id: int, name: str) -> str:
    """The link the placement's printed poster carries, read by zbar from the PDF's page."""
    poster = _api(server, "GET", f"/api/v1/placements/{placement_id}/poster.pdf")
    assert poster.status_code == 200
    (page,) = pdf_pages(poster.content)
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.png").write_bytes(page)
    (link,) = decode(page)
    return link


def _responses(server: Server) -> list[tuple[int, int]]:
    assert server.database is not None
    with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
        return sorted(db.execute('SELECT "poll", "placement" FROM "response"').fetchall())


async def _answer(page: Page, wave: dict) -> None:
    single, yes_no = wave["questions"]
    await page.check(f"#q{single['id']}-{single['options'][0]['id']}")
    await page.check(f"#q{yes_no['id']}-yes")
    await page.click("button[type=submit]")
    await expect(page.locator("h2")).to_have_text("Cảm ơn bạn đã tham gia khảo sát!")


async def test_one_poster_leads_to_wave_1_then_says_when_wave_2_opens_then_leads_to_it(
    server: Server, browser: Browser
) -> None:
    require("zbarimg")
    require("pdftoppm")
    wave1 = _api(server, "POST", "/api/v1/polls", json=POLL).json()
    placement = _api(
        server,
        "POST",
        f"/api/v1/polls/{wave1['id']}/placements",
        json={"label": "Nhà ăn trung tâm", "kind": "canteen"},
    ).json()
    assert _api(server, "POST", f"/api/v1/polls/{wave1['id']}/open").status_code == 200

    # the officer keeps the canteen's poster for every wave, in the console
    officer: BrowserContext = await desktop(browser)
    try:
        console = await signed_in(officer, server)
        await console.goto(f"{server.url}/console/polls/{wave1['id']}")
        await console.click(f"form[action='/console/placements/{placement['id']}/standing'] button")
        card = console.locator("#standing")
        await expect(card.locator(".flash")).to_have_text(
            "Nhà ăn trung tâm giờ dùng một áp phích cho mọi đợt khảo sát."
        )
        await expect(card.locator("input.link")).to_have_value(
            f"{server.url}/p/{placement['code']}"
        )
        await expect(console.locator(".standing-mark")).to_have_text("Một áp phích cho mọi đợt")
        await screenshot(console, "standing-console-desktop-vi")
        await console.goto(f"{server.url}/console/polls/{wave1['id']}?lang=en")
        await expect(console.locator("#standing h3")).to_have_text("Posters for every wave")
        await screenshot(console, "standing-console-desktop-en")
        await console.set_viewport_size({"width": 360, "height": 640})
        await console.goto(f"{server.url}/console/polls/{wave1['id']}?lang=vi")
        await console.locator("#standing").scroll_into_view_if_needed()
        await screenshot(console, "standing-console-phone-vi")
    finally:
        await officer.close()

    printed = _scanned(server, placement["id"], "standing-poster-wave1")
    assert printed.endswith(f"/P/{placement['code']}")
    phone = await new_phone(browser)
    english = await new_phone(browser, locale="en-US")
    try:
        page = await phone.new_page()
        await page.goto(printed)
        await expect(page.locator("h1")).to_have_text(POLL["title"])
        await expect(page.locator("form[data-poll]")).to_have_attribute(
            "data-poll", str(wave1["id"])
        )
        await screenshot(page, "standing-wave1-phone-vi")
        await _answer(page, wave1)

        # between waves: wave 1 closed, wave 2 made by "duplicate" and due in a week
        assert _api(server, "POST", f"/api/v1/polls/{wave1['id']}/close").status_code == 200
        wave2 = _api(server, "POST", f"/api/v1/polls/{wave1['id']}/duplicate").json()
        opens = datetime.now(UTC) + timedelta(days=7)
        renamed = _api(
            server,
            "PATCH",
            f"/api/v1/polls/{wave2['id']}",
            json={"title": "Ý kiến về bữa ăn giữa ca, quý II", "opens_at": opens.isoformat()},
        )
        assert renamed.status_code == 200, renamed.text
        await page.goto(printed)
        await expect(page.locator("#between-waves h2")).to_contain_text("Khảo sát tiếp theo mở lúc")
        await expect(page.locator("main")).to_contain_text("Khảo sát gần nhất: " + POLL["title"])
        await screenshot(page, "standing-between-phone-vi")
        other = await english.new_page()
        await other.goto(printed + "?lang=en")
        await expect(other.locator("#between-waves h2")).to_contain_text("The next survey opens on")
        await screenshot(other, "standing-between-phone-en")
        _api(server, "PATCH", f"/api/v1/polls/{wave2['id']}", json={"opens_at": None})
        await page.goto(printed)
        await expect(page.locator("#between-waves h2")).to_have_text(
            "Hiện chưa có khảo sát nào đang mở tại đây."
        )
        await screenshot(page, "standing-none-open-phone-vi")

        # wave 2 opens: the same printed poster leads to it
        assert _api(server, "POST", f"/api/v1/polls/{wave2['id']}/open").status_code == 200
        await page.goto(printed)
        await expect(page.locator("h1")).to_have_text("Ý kiến về bữa ăn giữa ca, quý II")
        await expect(page.locator("form[data-poll]")).to_have_attribute(
            "data-poll", str(wave2["id"])
        )
        await screenshot(page, "standing-wave2-phone-vi")
        await _answer(page, wave2)
    finally:
        await phone.close()
        await english.close()

    listed = _api(server, "GET", f"/api/v1/polls/{wave2['id']}/placements").json()
    (second,) = listed
    assert second["code"] == placement["code"]
    assert _scanned(server, second["id"], "standing-poster-wave2") == printed
    waves = {wave1["id"], wave2["id"]}
    mine = [r for r in _responses(server) if r[0] in waves]
    assert mine == sorted([(wave1["id"], placement["id"]), (wave2["id"], second["id"])])
