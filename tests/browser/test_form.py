"""The worker's form in Chromium at 360×640: every kind with and without JavaScript,
errors and their fix, a cut network and a lost reply, language, double taps."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, Route, expect

from tests.browser.conftest import Server, screenshot

pytestmark = pytest.mark.browser


async def fill_every_kind(page: Page, server: Server, *, skip_single: bool = False) -> None:
    multi = server.question("multi")
    single = server.question("single")
    scale = server.question("scale")
    yes_no = server.question("yes_no")
    text = server.question("text")
    await page.check(f"#q{multi['id']}-{multi['options'][0]['id']}")
    await page.check(f"#q{multi['id']}-{multi['options'][2]['id']}")
    if not skip_single:
        await page.check(f"#q{single['id']}-{single['options'][1]['id']}")
    await page.check(f"#q{scale['id']}-4")
    await page.check(f"#q{yes_no['id']}-yes")
    await page.fill(f"#q{text['id']}-t", "Loa ở nhà ăn cần to hơn, để công nhân nghe rõ.")


async def send(page: Page) -> None:
    await page.click("button[type=submit]")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_every_kind_answered_and_sent(
    server: Server, phone: BrowserContext, phone_without_js: BrowserContext, javascript: bool
) -> None:
    context = phone if javascript else phone_without_js
    page = await context.new_page()
    before = server.responses()
    await page.goto(f"{server.url}/p/{server.code}")
    await expect(page.locator("html")).to_have_attribute("lang", "vi")
    await expect(page.locator("button[type=submit]")).to_have_text("Gửi ý kiến")
    await fill_every_kind(page, server)
    await screenshot(page, f"form-vi-{'js' if javascript else 'nojs'}")
    await send(page)
    await page.wait_for_url("**/thanks*")
    await expect(page.locator("h2")).to_have_text("Cảm ơn bạn đã tham gia khảo sát!")
    await screenshot(page, f"thanks-vi-{'js' if javascript else 'nojs'}")
    assert server.responses() == before + 1


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_a_missing_answer_is_shown_and_fixed(
    server: Server, phone: BrowserContext, phone_without_js: BrowserContext, javascript: bool
) -> None:
    context = phone if javascript else phone_without_js
    page = await context.new_page()
    before = server.responses()
    await page.goto(f"{server.url}/p/{server.code}")
    await fill_every_kind(page, server, skip_single=True)
    await send(page)
    single = server.question("single")
    error = page.locator(f"#q{single['id']}-err")
    await expect(error).to_be_visible()
    await expect(page.locator(f"#q{single['id']}")).to_have_attribute(
        "aria-describedby", f"q{single['id']}-err"
    )
    await expect(page.locator("#errors")).to_be_focused()
    # what was answered is still there
    text = server.question("text")
    await expect(page.locator(f"#q{text['id']}-t")).to_have_value(
        "Loa ở nhà ăn cần to hơn, để công nhân nghe rõ."
    )
    await screenshot(page, f"error-vi-{'js' if javascript else 'nojs'}")
    assert server.responses() == before
    await page.check(f"#q{single['id']}-{single['options'][1]['id']}")
    await send(page)
    await page.wait_for_url("**/thanks*")
    assert server.responses() == before + 1


async def test_a_cut_network_keeps_the_answers_and_the_retry_counts_once(
    server: Server, phone: BrowserContext
) -> None:
    page = await phone.new_page()
    before = server.responses()
    await page.goto(f"{server.url}/p/{server.code}")
    await fill_every_kind(page, server)

    async def cut(route: Route) -> None:
        await route.abort("internetdisconnected")

    await page.route("**/api/v1/forms/*/responses", cut)
    await send(page)
    status = page.locator("#send-status")
    await expect(status).to_be_visible()
    await expect(status).to_contain_text("mất kết nối")
    await screenshot(page, "offline-vi")
    assert server.responses() == before

    # the phone reloads the page: the answers come back from the phone's storage
    await page.reload()
    text = server.question("text")
    await expect(page.locator(f"#q{text['id']}-t")).to_have_value(
        "Loa ở nhà ăn cần to hơn, để công nhân nghe rõ."
    )
    multi = server.question("multi")
    await expect(page.locator(f"#q{multi['id']}-{multi['options'][2]['id']}")).to_be_checked()

    await page.unroute("**/api/v1/forms/*/responses")
    await send(page)
    await page.wait_for_url("**/thanks*")
    assert server.responses() == before + 1
    # and the kept copy is gone
    kept = await page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('polls:'))")
    assert kept == []


async def test_a_lost_reply_is_retried_without_counting_twice(
    server: Server, phone: BrowserContext
) -> None:
    page = await phone.new_page()
    before = server.responses()
    await page.goto(f"{server.url}/p/{server.code}")
    await fill_every_kind(page, server)

    async def cut(route: Route) -> None:
        await route.abort("connectionreset")

    await page.route("**/api/v1/forms/*/responses", cut)
    await send(page)
    await expect(page.locator("#send-status")).to_be_visible()
    # What the phone sent did reach the server; only the reply was lost. Replay that very
    # request (same submission id, same answers, same device) as the server saw it.
    kept = await page.evaluate(f"JSON.parse(localStorage.getItem('polls:{server.poll_id}'))")
    device = next(c["value"] for c in await phone.cookies() if c["name"] == "polls_device")
    async with httpx.AsyncClient(cookies={"polls_device": device}) as client:
        stored = await client.post(
            f"{server.url}/api/v1/forms/{server.code}/responses",
            json={"answers": kept["answers"], "submission_id": kept["submission"]},
        )
    assert stored.status_code == 201, stored.text
    assert server.responses() == before + 1

    await page.unroute("**/api/v1/forms/*/responses")
    await send(page)  # the retry carries the same submission id
    await page.wait_for_url("**/thanks*")
    assert page.url.endswith("/thanks")  # the address carries nothing about the response
    assert server.responses() == before + 1


async def test_a_double_tap_sends_once(server: Server, phone: BrowserContext) -> None:
    page = await phone.new_page()
    before = server.responses()
    await page.goto(f"{server.url}/p/{server.code}")
    await fill_every_kind(page, server)
    posted: list[Request] = []
    settled: list[Request] = []
    page.on("request", lambda request: posted.append(request) if request.method == "POST" else None)
    page.on("requestfinished", lambda request: settled.append(request))
    page.on("requestfailed", lambda request: settled.append(request))
    await page.evaluate(
        "() => { const b = document.querySelector('button[type=submit]'); b.click(); b.click(); }"
    )
    await page.wait_for_url("**/thanks*")
    deadline = asyncio.get_running_loop().time() + 30
    while not all(request in settled for request in posted):  # every post has its answer
        assert asyncio.get_running_loop().time() < deadline, [r.url for r in posted]
        await asyncio.sleep(0.01)  # polling the condition above, not a fixed wait
    assert len(posted) == 1, [request.url for request in posted]
    assert server.responses() == before + 1


async def test_the_language_switch_is_visible_and_remembered(
    server: Server, phone: BrowserContext
) -> None:
    page = await phone.new_page()
    await page.goto(f"{server.url}/p/{server.code}")
    await page.click("a.lang")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("button[type=submit]")).to_have_text("Send my answers")
    await screenshot(page, "form-en-js")
    # remembered: the next visit without ?lang= stays in English
    await page.goto(f"{server.url}/p/{server.code}")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await fill_every_kind(page, server, skip_single=True)
    await send(page)
    await expect(page.locator("#errors")).to_be_visible()
    await screenshot(page, "error-en-js")
    single = server.question("single")
    await page.check(f"#q{single['id']}-{single['options'][0]['id']}")
    await send(page)
    await page.wait_for_url("**/thanks*")
    await expect(page.locator("h2")).to_have_text("Thank you for taking part in the poll!")
    await screenshot(page, "thanks-en-js")


async def test_tap_targets_and_no_sideways_scroll_on_a_small_phone(
    server: Server, phone: BrowserContext
) -> None:
    page = await phone.new_page()
    await page.goto(f"{server.url}/p/{server.code}")
    small = await page.evaluate(
        """() => [...document.querySelectorAll('label.choice, button, textarea, a.lang')]
            .map(e => e.getBoundingClientRect())
            .filter(r => r.height < 44 && !(r.width === 0 && r.height === 0)).length"""
    )
    assert small == 0
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow


async def test_the_form_works_at_200_percent_zoom(server: Server, browser: Browser) -> None:
    # 200% zoom on a 360 px phone leaves 180 CSS pixels of width
    context = await browser.new_context(
        viewport={"width": 180, "height": 320}, device_scale_factor=4, locale="vi-VN"
    )
    page = await context.new_page()
    await page.goto(f"{server.url}/p/{server.code}")
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    await fill_every_kind(page, server)
    await screenshot(page, "form-vi-zoom200")
    await context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_a_phone_without_its_device_cookie_answers_once_it_is_handed_one(
    server: Server, phone: BrowserContext, phone_without_js: BrowserContext, javascript: bool
) -> None:
    """The cookie the page gave is gone before sending (a phone that keeps none): the answer
    is not counted at once; the script sends it again with the token the 428 handed out,
    the plain form shows the answers again with the token inside, and a second tap counts.
    Chromium's own Origin and Sec-Fetch-Site headers pass the same-origin check."""
    context = phone if javascript else phone_without_js
    page = await context.new_page()
    before = server.responses()
    await page.goto(f"{server.url}/p/{server.code}")
    await fill_every_kind(page, server)
    await context.clear_cookies()
    await send(page)
    if not javascript:
        await expect(page.locator("#errors")).to_contain_text("chưa được ghi nhận")
        assert server.responses() == before
        await expect(page.locator(f"#q{server.question('scale')['id']}-4")).to_be_checked()
        await context.clear_cookies()
        await send(page)
    await page.wait_for_url("**/thanks*")
    assert server.responses() == before + 1
