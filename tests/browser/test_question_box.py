"""The question box in a phone's browser (Chromium at 360×640), with JavaScript and
without: asking, the code shown once (and kept on the phone where script runs), following
up by the link or the typed code, the officer's reply read back, one more message."""

from __future__ import annotations

import contextlib
import re
import sqlite3

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, new_phone, screenshot

BOX = "/hoi/than-mao-khe"
QUESTION = "Nhà tắm phân xưởng Khai thác 3 hết nước nóng từ tuần trước, đề nghị công đoàn kiểm tra."


async def ask(page: Page, server: Server, text: str = QUESTION) -> str:
    await page.goto(server.url + BOX)
    await page.get_by_label("Bữa ăn, nhà ở").check()
    await page.locator("#text").fill(text)
    await page.get_by_role("button", name="Gửi công đoàn").click()
    code = page.locator("#follow-code")
    await expect(code).to_be_visible()
    found = re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", (await code.inner_text()).strip())
    assert found
    return found.group(0)


async def officer_replies(browser: Browser, server: Server, question: str, reply: str) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = await context.new_page()
    await page.goto(server.url + "/console/login")
    await page.locator("#username").fill("maokhe")
    await page.locator("#password").fill("thomo-1211")
    await page.locator("form button[type=submit]").last.click()
    await page.goto(server.url + "/console/hoi")
    await page.get_by_role("link", name=re.compile(re.escape(question[:30]))).first.click()
    await page.locator("#reply").fill(reply)
    await page.get_by_role("button", name="Gửi câu trả lời").click()
    await expect(page.locator(".flash")).to_contain_text("Câu trả lời đã được gửi")
    await context.close()


async def test_asking_and_following_up_with_javascript(
    browser: Browser, phone: BrowserContext, server: Server
) -> None:
    page = await phone.new_page()
    code = await ask(page, server)
    await expect(page.locator("#kept-note")).to_be_visible()  # kept on this phone
    await screenshot(page, "box-sent-phone-vi")
    kept = await page.evaluate("localStorage.getItem('polls_box_codes')")
    assert code in kept
    # the follow-up link: the code after '#', read by the script, never sent in the address
    await page.get_by_role("link", name="Theo dõi câu hỏi của tôi").click()
    await expect(page.locator("#no-reply")).to_be_visible()
    assert "#" not in page.url
    await officer_replies(browser, server, QUESTION, "Đã sửa bình nóng lạnh ngày 3/12.")
    # later: the follow-up page fills the code kept on the phone
    await page.goto(server.url + BOX + "/theo-doi")
    await expect(page.locator("#code")).to_have_value(code)
    await expect(page.locator("#kept-codes")).to_be_visible()
    await page.get_by_role("button", name="Đọc câu trả lời").click()
    await expect(page.locator("#thread")).to_contain_text("Đã sửa bình nóng lạnh ngày 3/12.")
    await page.locator("#text").fill("Cảm ơn công đoàn, đã có nước nóng.")
    await page.get_by_role("button", name="Gửi tin nhắn").click()
    await expect(page.locator("#thread")).to_contain_text("Cảm ơn công đoàn")
    await expect(page.locator("#text")).to_have_count(0)  # no third message
    await screenshot(page, "box-thread-phone-vi")
    # forgetting the code on a shared phone
    await page.goto(server.url + BOX + "/theo-doi")
    await page.get_by_role("button", name="Xoá mã khỏi điện thoại này").click()
    await expect(page.locator("#code")).to_have_value("")
    kept = await page.evaluate("localStorage.getItem('polls_box_codes')")
    assert code not in (kept or "")


async def test_asking_and_following_up_without_javascript(
    browser: Browser, phone_without_js: BrowserContext, server: Server
) -> None:
    page = await phone_without_js.new_page()
    await page.goto(server.url + BOX)
    await screenshot(page, "box-ask-phone-vi-nojs")
    # a question too short: the form comes back with the message and the text kept
    await page.get_by_label("An toàn, vệ sinh lao động").check()
    await page.locator("#text").fill("nước")
    await page.get_by_role("button", name="Gửi công đoàn").click()
    await expect(page.locator("#errors")).to_contain_text("Xin viết thêm một chút.")
    await expect(page.locator("#text")).to_have_value("nước")
    question = "Lò chợ 5 thiếu quạt gió cục bộ ca ba, đề nghị công đoàn kiến nghị."
    code = await ask(page, server, question)
    await expect(page.locator("#kept-note")).to_be_hidden()  # nothing kept without script
    await page.goto(server.url + BOX + "/theo-doi")
    await page.locator("#code").fill(code.lower().replace("-", " "))
    await page.get_by_role("button", name="Đọc câu trả lời").click()
    await expect(page.locator("#thread")).to_contain_text("thiếu quạt gió")
    await officer_replies(browser, server, question, "Đã báo phòng thông gió, lắp trong ca hai.")
    await page.goto(server.url + BOX + "/theo-doi")
    await page.locator("#code").fill(code)
    await page.get_by_role("button", name="Đọc câu trả lời").click()
    await expect(page.locator("#thread")).to_contain_text("Đã báo phòng thông gió")
    # a wrong code: the same refusal as any code of nothing
    await page.goto(server.url + BOX + "/theo-doi")
    await page.locator("#code").fill("AAAA-BBBB-CCCC")
    await page.get_by_role("button", name="Đọc câu trả lời").click()
    await expect(page.locator("#errors")).to_contain_text("Không có câu hỏi nào ứng với mã này.")


async def test_the_pages_in_english(browser: Browser, server: Server) -> None:
    context = await new_phone(browser, locale="en")
    page = await context.new_page()
    await page.goto(server.url + BOX + "?lang=en")
    await expect(page.locator("h1")).to_have_text("Ask the union")
    await screenshot(page, "box-ask-phone-en")
    await page.get_by_label("Safety at work").check()
    await page.locator("#text").fill("The lamp room opens too late for the first shift.")
    await page.get_by_role("button", name="Send to the union").click()
    await expect(page.locator("#follow-code")).to_be_visible()
    await screenshot(page, "box-sent-phone-en")
    await context.close()


def _asked(server: Server, text: str) -> int:
    """How many questions of ``text`` the server's database holds."""
    assert server.database is not None
    with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
        (count,) = db.execute(
            'SELECT COUNT(*) FROM "box_message" WHERE "body" = ? AND "position" = 0', (text,)
        ).fetchone()
    return int(count)


async def test_reloading_the_code_page_sends_nothing_again(
    phone_without_js: BrowserContext, server: Server
) -> None:
    page = await phone_without_js.new_page()
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    question = "Đèn lò ở cửa giếng phụ hay tắt, đề nghị công đoàn báo phòng cơ điện."
    code = await ask(page, server, question)
    assert page.url == server.url + BOX + "/da-gui"  # a page of its own, no code in it
    assert len(posted) == 1
    await page.reload()
    await expect(page.locator("h2")).to_have_text("Câu hỏi của bạn đã được gửi")
    await expect(page.locator("#follow-code")).to_have_count(0)  # shown once
    await screenshot(page, "box-sent-reloaded-phone-vi")
    assert code not in await page.content()
    assert len(posted) == 1  # the reload posted nothing
    assert _asked(server, question) == 1
    for url in [*posted, page.url]:
        assert code not in url


@pytest.mark.parametrize("script", [True, False], ids=["js", "nojs"])
async def test_the_code_page_in_the_other_language_keeps_the_code(
    browser: Browser, server: Server, script: bool
) -> None:
    """The worker who switches the code page to English still sees the code, in English
    words, and the page shows it no more once reloaded or come back to."""
    context = await new_phone(browser, javascript=script)
    page = await context.new_page()
    question = "Xe đưa đón ca một hay đến muộn, đề nghị công đoàn làm việc với đội xe" + (
        " (có script)." if script else " (không script)."
    )
    code = await ask(page, server, question)
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("h2")).to_have_text("Your question was sent")
    await expect(page.locator("#follow-code")).to_have_text(code)
    await expect(page.locator(".card")).to_contain_text("Write this code down now.")
    await screenshot(page, f"box-sent-switched-phone-en-{'js' if script else 'nojs'}")
    await page.get_by_role("button", name="Tiếng Việt").click()
    await expect(page.locator("#follow-code")).to_have_text(code)
    await expect(page.locator(".card")).to_contain_text("Hãy ghi lại mã này ngay.")
    await page.reload()
    await expect(page.locator("#follow-code")).to_have_count(0)
    await page.goto(server.url + BOX)
    await page.go_back()
    await expect(page.locator("h2")).to_have_text("Câu hỏi của bạn đã được gửi")
    await expect(page.locator("#follow-code")).to_have_count(0)
    assert code not in await page.content()
    assert code not in page.url
    assert _asked(server, question) == 1
    await context.close()
