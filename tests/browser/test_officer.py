"""An officer's everyday in Chromium: preview a draft (phone frame, both languages, every
state, nothing stored), a safe edit of an open poll, close behind its confirmation page and
reopen once (without JavaScript), the copy-link button (with JavaScript only), delete a draft
and archive a closed poll. Each poll here is made through the API, so the demo's own polls
that other browser tests answer stay as they were."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, screenshot

DESKTOP = {"width": 1366, "height": 900}
POLL = {
    "unit": "than-mao-khe",
    "title": "Ý kiến về bữa ăn giữa ca",
    "description": "Khảo sát ngắn về nhà ăn",
    "questions": [
        {"kind": "single", "text": "Bữa ăn có đủ no không?", "options": ["Đủ", "Chưa đủ"]},
        {"kind": "scale", "text": "Mức hài lòng?", "min": 1, "max": 5},
        {"kind": "text", "text": "Góp ý thêm", "required": False},
    ],
}


def make_poll(server: Server, *, open_it: bool) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {server.token}"}
    poll = httpx.post(f"{server.url}/api/v1/polls", json=POLL, headers=auth).json()
    placement = httpx.post(
        f"{server.url}/api/v1/polls/{poll['id']}/placements",
        json={"label": "Nhà ăn PX3", "kind": "canteen"},
        headers=auth,
    ).json()
    if open_it:
        assert httpx.post(f"{server.url}/api/v1/polls/{poll['id']}/open", headers=auth).is_success
    return {**poll, "placement": placement}


def stored(server: Server, poll_id: int) -> dict[str, int]:
    assert server.database is not None
    with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
        return {
            table: db.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE "poll" = ?',  # noqa: S608
                (poll_id,),
            ).fetchone()[0]
            for table in ("response", "answer", "duplicate_key", "idempotency_key")
        }


def api(server: Server, method: str, path: str) -> int:
    auth = {"Authorization": f"Bearer {server.token}"}
    return httpx.request(method, f"{server.url}{path}", headers=auth).status_code


async def desktop(browser: Browser, *, javascript: bool = True) -> BrowserContext:
    return await browser.new_context(
        viewport=DESKTOP, java_script_enabled=javascript, locale="vi-VN"
    )


async def signed_in(context: BrowserContext, server: Server) -> Page:
    page = await context.new_page()
    await page.goto(f"{server.url}/console/login?lang=vi")
    await page.fill("input[name=username]", "maokhe")
    await page.fill("input[name=password]", "thomo-1211")
    await page.click("main button[type=submit]")
    await expect(page.locator("h1")).to_have_text("Khảo sát")
    return page


@pytest.fixture
async def officer(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await desktop(browser)
    yield context
    await context.close()


@pytest.fixture
async def officer_without_js(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await desktop(browser, javascript=False)
    yield context
    await context.close()


async def test_preview_a_draft_in_both_languages_and_every_state(
    server: Server, officer: BrowserContext
) -> None:
    poll = make_poll(server, open_it=False)
    page = await signed_in(officer, server)
    await page.goto(f"{server.url}/console/polls/{poll['id']}")
    await page.click("text=Xem trước như người lao động")
    frame_box = await page.locator(".preview-frame iframe").bounding_box()
    assert frame_box is not None
    assert 350 <= frame_box["width"] <= 420  # 360 px of phone, and its bezel
    frame = page.frame_locator(".preview-frame iframe")
    await expect(frame.locator("h1")).to_have_text(POLL["title"])
    await expect(frame.locator(".preview")).to_contain_text("không bao giờ được lưu")
    await screenshot(page, "officer-preview-phone-vi")
    await frame.locator("button[type=submit]").click()  # nothing chosen: the form's errors
    await expect(frame.locator("#errors")).to_be_visible()
    await expect(frame.locator(".error")).to_have_count(2)
    await screenshot(page, "officer-preview-errors-vi")
    await page.click(".tabs >> text=English")  # the previewed language
    await page.click(".tabs >> text=Toàn màn hình")
    frame = page.frame_locator(".preview-frame iframe")
    await expect(frame.locator("html")).to_have_attribute("lang", "en")
    await expect(frame.locator("button[type=submit]")).to_have_text("Send my answers")
    await frame.locator("label.choice", has_text="Đủ").first.click()
    await frame.locator("label.choice", has_text="4").click()
    await frame.locator("button[type=submit]").click()
    await expect(frame.locator("h2")).to_have_text("Thank you for taking part in the poll!")
    await screenshot(page, "officer-preview-thanks-en")
    assert stored(server, poll["id"]) == {
        "response": 0,
        "answer": 0,
        "duplicate_key": 0,
        "idempotency_key": 0,
    }
    # the console itself stayed in Vietnamese
    await expect(page.locator("header .brand")).to_have_text("Thăm dò ý kiến Công đoàn")


async def test_safe_edit_then_close_with_confirmation_then_reopen_without_javascript(
    server: Server, officer_without_js: BrowserContext
) -> None:
    poll = make_poll(server, open_it=True)
    page = await signed_in(officer_without_js, server)
    await page.goto(f"{server.url}/console/polls/{poll['id']}")
    await page.click("text=Sửa (những thay đổi an toàn)")
    await expect(page.locator("h1")).to_have_text("Sửa khảo sát đang mở")
    await page.fill(f"#t{poll['questions'][0]['id']}", "Bữa ăn có đủ no không ?")
    await page.fill("#title", "Ý kiến về bữa ăn giữa ca (quý IV)")
    await screenshot(page, "officer-amend-vi")
    await page.click("main button[type=submit]")
    await expect(page.locator("h1")).to_have_text("Ý kiến về bữa ăn giữa ca (quý IV)")
    await expect(page.locator(".edits")).to_contain_text("Sửa lúc")
    await page.click("text=Đóng khảo sát")
    await expect(page.locator("h1")).to_have_text("Đóng khảo sát?")
    await screenshot(page, "officer-close-confirm-vi")
    await page.click("text=Đồng ý, đóng khảo sát")
    await expect(page.locator(".pill.closed")).to_be_visible()
    await page.click("text=Mở lại khảo sát")
    await expect(page.locator(".warn")).to_contain_text("trả lời thêm một lần")
    await screenshot(page, "officer-reopen-confirm-vi")
    await page.click("text=Đồng ý, mở lại khảo sát")
    await expect(page.locator(".pill.open")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("không thể kiểm tra trả lời trùng")
    await expect(page.locator("text=Mở lại khảo sát")).to_have_count(0)
    # without JavaScript the copy buttons stay hidden; the link field is there to copy
    await expect(page.locator("button[data-copy]")).to_be_hidden()
    await expect(page.locator("input.link")).to_have_count(1)


async def test_copy_link_button_and_the_placements_table_at_1366(
    server: Server, officer: BrowserContext
) -> None:
    poll = make_poll(server, open_it=True)
    await officer.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = await signed_in(officer, server)
    await page.goto(f"{server.url}/console/polls/{server.poll_id}")
    table = await page.locator("#placements table").bounding_box()
    card = await page.locator("#placements").bounding_box()
    assert table is not None
    assert card is not None
    assert table["width"] <= card["width"]  # no sideways scrolling at 1366 px
    await screenshot(page, "officer-placements-1366-vi")
    await page.goto(f"{server.url}/console/polls/{poll['id']}")
    button = page.locator("button[data-copy]")
    await expect(button).to_be_visible()
    await button.click()
    await expect(button).to_have_text("Đã sao chép")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{server.url}/p/{poll['placement']['code']}"


async def test_delete_a_draft_and_archive_a_closed_poll(
    server: Server, officer: BrowserContext
) -> None:
    draft = make_poll(server, open_it=False)
    closed = make_poll(server, open_it=True)
    assert api(server, "POST", f"/api/v1/polls/{closed['id']}/close") == 200
    page = await signed_in(officer, server)
    await page.goto(f"{server.url}/console/polls/{draft['id']}")
    await page.click("text=Xóa bản nháp")
    await expect(page.locator("h1")).to_have_text("Xóa bản nháp?")
    await page.click("text=Đồng ý, xóa bản nháp")
    # the action's own message (the list may also flag the box's overdue questions)
    await expect(page.locator(".flash[role=status]")).to_have_text("Đã xóa bản nháp.")
    assert api(server, "GET", f"/api/v1/polls/{draft['id']}") == 404
    await page.goto(f"{server.url}/console/polls/{closed['id']}")
    await page.click("main button:has-text('Lưu trữ')")
    await expect(page.locator("main")).to_contain_text("Đã lưu trữ")
    await page.goto(f"{server.url}/console")
    await expect(page.locator(f'a[href="/console/polls/{closed["id"]}"]')).to_have_count(0)
    await page.click("text=Khảo sát đã lưu trữ")
    await expect(page.locator(f'a[href="/console/polls/{closed["id"]}"]')).to_have_count(1)
    await screenshot(page, "officer-archived-vi")
