"""The results poster's console form in Chromium, on a phone (360×640) and a desk
(1366×768), with JavaScript and without: the officer picks the questions, writes what the
union will do and saves; the poster's files carry a draft mark and its public link shows
nothing until the unit's leadership approves it; then the PDF prints clean and the public
page offers it. Each case runs on a poll of its own, made and answered through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, screenshot
from tests.servers import new_device
from tests.sharing.tools import pdf_text

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desk": {"width": 1366, "height": 768}}
POLL = {
    "unit": "than-mao-khe",
    "title": "Nước uống ở lò chợ",
    "questions": [
        {"kind": "single", "text": "Ca ba có đủ nước uống không?", "options": ["Đủ", "Thiếu"]},
        {"kind": "yes_no", "text": "Muốn đặt thêm bình nước ở cửa lò?"},
        {"kind": "scale", "text": "Mức hài lòng?", "min": 1, "max": 5},
        {"kind": "text", "text": "Góp ý thêm", "required": False},
    ],
}
RESPONSE_TEXT = "Công đoàn đề nghị Công ty đặt thêm bình nước ở cửa lò từ tháng sau."
DRAFT_MARK = "BẢN NHÁP"


def released_poll(server: Server) -> dict[str, Any]:
    """A closed poll of Mạo Khê with six answers: its results are released."""
    auth = {"Authorization": f"Bearer {server.token}"}
    poll = httpx.post(f"{server.url}/api/v1/polls", json=POLL, headers=auth).json()
    placement = httpx.post(
        f"{server.url}/api/v1/polls/{poll['id']}/placements",
        json={"label": "Cửa lò +30", "kind": "notice_board"},
        headers=auth,
    ).json()
    assert httpx.post(f"{server.url}/api/v1/polls/{poll['id']}/open", headers=auth).is_success
    q = poll["questions"]
    for n in range(6):
        answers = {
            str(q[0]["id"]): q[0]["options"][n % 2]["id"],
            str(q[1]["id"]): True,
            str(q[2]["id"]): 4,
            str(q[3]["id"]): "Quản đốc tên Hùng",  # free text: never on a poster
        }
        sent = httpx.post(
            f"{server.url}/api/v1/forms/{placement['code']}/responses",
            json={"answers": answers},
            headers=new_device(),
        )
        assert sent.status_code == 201, sent.text
    assert httpx.post(f"{server.url}/api/v1/polls/{poll['id']}/close", headers=auth).is_success
    return poll


async def signed_in(context: BrowserContext, server: Server, username: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{server.url}/console/login?lang=vi")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", "thomo-1211")
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/console")
    return page


async def poster_pdf(page: Page, poll_id: int, server: Server) -> str:
    """The poster's A4 PDF as the console hands it to this signed-in browser, as text."""
    pdf = await page.request.get(f"{server.url}/console/polls/{poll_id}/results-poster/poster.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    return pdf_text(await pdf.body())


async def wider_than_the_screen(page: Page) -> list[str]:
    """The elements that stick out past the right edge of the screen (a phone would have
    to scroll sideways to read them)."""
    return list(
        await page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .map(e => e.tagName + ': ' + (e.textContent || '').trim().slice(0, 40))"""
        )
    )


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(params=list(VIEWPORTS))
async def contexts(
    browser: Browser, javascript: bool, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[BrowserContext, BrowserContext, BrowserContext, str]]:
    """The officer's, the leader's and a worker's browsers, and the case's name."""
    made = [
        await browser.new_context(
            viewport=VIEWPORTS[request.param],  # type: ignore[arg-type]
            java_script_enabled=javascript,
            locale="vi-VN",
            extra_http_headers={"Accept-Language": "vi"},
        )
        for _ in range(3)
    ]
    yield made[0], made[1], made[2], f"{request.param}-{'js' if javascript else 'nojs'}"
    for context in made:
        await context.close()


async def test_the_officer_drafts_the_leader_approves_and_only_then_it_prints(
    server: Server,
    contexts: tuple[BrowserContext, BrowserContext, BrowserContext, str],
) -> None:
    officer_context, leader_context, worker_context, case = contexts
    poll = released_poll(server)
    q = poll["questions"]
    url = f"{server.url}/console/polls/{poll['id']}/results-poster"

    officer = await signed_in(officer_context, server, "maokhe")
    await officer.goto(url)
    await expect(officer.locator("h1")).to_contain_text("Bạn nói – Công đoàn làm")
    await expect(officer.locator(f"#show_{q[3]['id']}")).to_have_count(0)  # free text
    await expect(officer.locator("a[href$='/results-poster/poster.pdf']")).to_have_count(0)
    await officer.select_option(f"#show_{q[0]['id']}", "chart")
    await officer.select_option(f"#show_{q[1]['id']}", "sentence")
    await officer.fill("#response_text", RESPONSE_TEXT)
    await officer.select_option("#qr", "none")
    await screenshot(officer, f"results-poster-form-{case}")
    await officer.click("text=Lưu áp phích")
    await officer.wait_for_url(url)
    await expect(officer.locator(".flash").first).to_contain_text("Cần được duyệt")
    await expect(officer.locator("#response_text")).to_have_value(RESPONSE_TEXT)
    await expect(officer.locator(f"#show_{q[1]['id']}")).to_have_value("sentence")
    await expect(officer.locator("form[action$='/approve']")).to_have_count(0)  # not hers
    draft = await poster_pdf(officer, poll["id"], server)
    assert DRAFT_MARK in draft
    assert "Quản đốc" not in draft
    await officer.click("button[value=publish]")
    await officer.wait_for_url(url)
    public = await officer.locator("#link code").inner_text()
    await screenshot(officer, f"results-poster-saved-{case}")
    assert await wider_than_the_screen(officer) == []

    worker = await worker_context.new_page()
    shown = await worker.goto(public)
    assert shown is not None
    assert shown.status == 404
    await expect(worker.locator("a[href$='/poster.pdf']")).to_have_count(0)

    leader = await signed_in(leader_context, server, "lanhdao")
    await leader.goto(url)
    await expect(leader.locator("select")).to_have_count(0)  # leadership reads, never drafts
    await leader.click("text=Duyệt để in")
    await leader.wait_for_url(url)
    await expect(leader.locator(".flash").first).to_contain_text("đã được duyệt")
    await expect(leader.locator("form[action$='/approve']")).to_have_count(0)
    await screenshot(leader, f"results-poster-approved-{case}")
    assert await wider_than_the_screen(leader) == []
    clean = await poster_pdf(leader, poll["id"], server)
    assert DRAFT_MARK not in clean
    assert "Lãnh đạo CĐTKV" in clean  # approved by, said on the poster

    shown = await worker.goto(public)
    assert shown is not None
    assert shown.status == 200
    link = worker.locator("a[href$='/poster.pdf']")
    await expect(link).to_have_count(1)
    await screenshot(worker, f"results-poster-public-{case}")
    assert await wider_than_the_screen(worker) == []
    printed = await worker.request.get(public + "/poster.pdf")
    assert printed.status == 200
    assert DRAFT_MARK not in pdf_text(await printed.body())
