"""Meeting mode in Chromium: a projector at 1920×1080 and the officer's phone as its remote,
two browsers signed in as the same officer. The remote opens, closes and reveals; the screen
follows through its event stream, and its keyboard drives it too. The QR code on screen is
decoded with zbar from a screenshot. Screenshots: ``tests/artifacts/meeting-*.png``."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.conftest import ARTIFACTS, PHONE, Server, screenshot
from tests.servers import new_device
from tests.tools import require

PROJECTOR = {"width": 1920, "height": 1080}
PASSWORD = "thomo-1211"


async def signed_in(browser: Browser, viewport: dict[str, int], url: str) -> BrowserContext:
    context = await browser.new_context(
        viewport=viewport, locale="vi-VN", extra_http_headers={"Accept-Language": "vi"}
    )
    page = await context.new_page()
    await page.goto(f"{url}/console/login")
    await page.fill("#username", "maokhe")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{url}/console")
    await page.close()
    return context


def meeting_poll(server: Server) -> dict[str, Any]:
    """A poll of its own (the other browser tests count the demo poll's answers), opened,
    with a meeting placement."""
    auth = {"Authorization": f"Bearer {server.token}"}
    unit = httpx.get(f"{server.url}/api/v1/units", headers=auth).json()[0]["slug"]
    created = httpx.post(
        f"{server.url}/api/v1/polls",
        headers=auth,
        json={
            "unit": unit,
            "title": "Hội nghị người lao động: bữa ăn ca",
            "duplicate_policy": "device",
            "questions": [
                {"kind": "single", "text": "Bữa ăn ca hiện nay thế nào?",
                 "options": ["Tốt", "Tạm được", "Chưa tốt"]},
                {"kind": "yes_no", "text": "Có nên thêm suất ăn đêm cho ca 3?"},
            ],
        },
    )  # fmt: skip
    assert created.status_code == 201, created.text
    poll = created.json()
    made = httpx.post(
        f"{server.url}/api/v1/polls/{poll['id']}/placements",
        headers=auth,
        json={"label": "Hội trường Mạo Khê", "kind": "meeting"},
    )
    assert made.status_code == 201, made.text
    opened = httpx.post(f"{server.url}/api/v1/polls/{poll['id']}/open", headers=auth)
    assert opened.status_code == 200, opened.text
    return {"poll": poll, "placement": made.json()}


def hands(server: Server, code: str, poll: dict[str, Any], good: int, bad: int) -> None:
    """Workers in the hall answer from their phones (one device each)."""
    single, yes_no = poll["questions"]
    for n in range(good + bad):
        choice = single["options"][0 if n < good else 2]["id"]
        sent = httpx.post(
            f"{server.url}/api/v1/forms/{code}/responses",
            json={"answers": {str(single["id"]): choice, str(yes_no["id"]): True}},
            headers=new_device(),
        )
        assert sent.status_code == 201, sent.text


def decode_qr(path: str) -> str:
    require("zbarimg")
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", path], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


async def text_of(page: Page, selector: str, wanted: str) -> None:
    await page.wait_for_function(
        "([s, w]) => (document.querySelector(s).textContent || '').includes(w)",
        arg=[selector, wanted],
        timeout=15_000,
    )


async def test_a_meeting_run_from_a_phone_on_a_projector(browser: Browser, server: Server) -> None:
    made = meeting_poll(server)
    poll, placement = made["poll"], made["placement"]
    projector = await signed_in(browser, PROJECTOR, server.url)
    phone = await signed_in(browser, PHONE, server.url)
    try:
        screen = await projector.new_page()
        await screen.goto(f"{server.url}/console/meetings/{placement['id']}")
        await screen.wait_for_selector("#meeting.connected")
        await text_of(screen, "#m-status", "Đang chờ câu hỏi đầu tiên")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = str(ARTIFACTS / "meeting-1-waiting.png")
        await screen.screenshot(path=shot)
        decoded = decode_qr(shot)
        assert decoded.endswith(f"/P/{placement['code']}"), decoded
        assert decoded == decoded.upper(), "compact alphanumeric QR"
        code_box = await screen.locator("#m-code").bounding_box()
        assert code_box is not None
        assert code_box["height"] >= 120, "the code is read from the back of the hall"
        assert await screen.locator("#m-code").text_content() == placement["code"]

        remote = await phone.new_page()
        await remote.goto(f"{server.url}/console/meetings/{placement['id']}/remote")
        await remote.click("#remote-next")
        await text_of(screen, "#m-label", "Câu 1/2")
        await text_of(screen, "#m-question", "Bữa ăn ca hiện nay thế nào?")
        await text_of(screen, "#m-status", "Mời trả lời câu này")
        await text_of(screen, "#m-count", "Số người trả lời sẽ hiện khi có ít nhất 5")
        await screenshot(remote, "meeting-2-remote")

        hands(server, placement["code"], poll, good=9, bad=3)
        await screen.wait_for_function(
            "() => /^khoảng \\d+ người trả lời$/.test(document.querySelector('#m-count')"
            ".textContent)",
            timeout=15_000,
        )  # 12 people, a perturbed figure near it
        shown = int((await screen.locator("#m-count").text_content() or "").split()[1])
        assert abs(shown - 12) <= 10
        await remote.click("#remote-close")
        await text_of(screen, "#m-status", "Đã kết thúc câu này")
        await screen.screenshot(path=str(ARTIFACTS / "meeting-3-closed.png"))
        assert await screen.locator("#m-result .opt").count() == 0, "nothing before the reveal"

        await remote.click("#remote-reveal")
        await screen.wait_for_selector("#m-result .opt")
        labels = await screen.locator("#m-result .label").all_text_contents()
        assert labels == ["Tốt", "Tạm được", "Chưa tốt"]
        percents = await screen.locator("#m-result .pct").all_text_contents()
        assert all(p.endswith("%") for p in percents)
        assert all(c.startswith("khoảng") or c.startswith("≈") for c in
                   await screen.locator("#m-result .count").all_text_contents())  # fmt: skip
        await screen.screenshot(path=str(ARTIFACTS / "meeting-4-revealed.png"))

        # the projector's own keyboard: the next question, opened, then its result
        await screen.keyboard.press("ArrowRight")
        await text_of(screen, "#m-label", "Câu 2/2")
        await text_of(screen, "#m-status", "Mời trả lời câu này")
        assert await screen.locator("#m-result .opt").count() == 0
        await screen.keyboard.press("r")
        await screen.wait_for_selector("#m-result .opt")
        assert await screen.locator("#m-result .label").all_text_contents() == ["Có", "Không"]
        await screen.keyboard.press("Space")
        await text_of(screen, "#m-status", "Đã kết thúc câu này")
        await screen.screenshot(path=str(ARTIFACTS / "meeting-5-keyboard.png"))
        await remote.reload()
        assert "Câu 2/2" in await remote.content()
        await asyncio.sleep(0)
    finally:
        await projector.close()
        await phone.close()


async def test_the_loudspeaker_page_prints_its_announcement(
    browser: Browser, server: Server
) -> None:
    made = meeting_poll(server)
    context = await signed_in(browser, {"width": 1280, "height": 900}, server.url)
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/console/polls/{made['poll']['id']}/announcement")
        text = await page.locator(".spoken").inner_text()
        assert "Thông báo trên loa truyền thanh" in text
        assert "Đọc từng chữ:" in text
        await screenshot(page, "announcement")
        pdf = await page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        (ARTIFACTS / "announcement.pdf").write_bytes(pdf)
    finally:
        await context.close()
