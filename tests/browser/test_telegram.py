"""The form as a Telegram Mini App in Chromium: a stand-in ``window.Telegram.WebApp`` carries
launch data signed with the server's test bot token. The answer is stored once, with the
channel ``telegram``; the same account's second try lands on the already-answered page;
outside Telegram the same page is the plain form."""

from __future__ import annotations

import json
import sqlite3
import time

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, expect

from polls.messengers import telegram
from tests.browser.conftest import TELEGRAM_BOT_TOKEN, Server, screenshot
from tests.conftest import SAMPLE_POLL

pytestmark = pytest.mark.browser

STAND_IN = """
window.Telegram = {WebApp: {
  initData: %(init_data)s,
  themeParams: {bg_color: "#17212b", secondary_bg_color: "#0e1621", text_color: "#f5f5f5",
                hint_color: "#aab3bd", button_color: "#5288c1", button_text_color: "#ffffff",
                section_bg_color: "#17212b", header_bg_color: "#17212b"},
  readied: false,
  ready: function () { this.readied = true; },
  expand: function () {},
  MainButton: {
    text: "", visible: false, progress: false, handler: null,
    setText: function (t) { this.text = t; return this; },
    show: function () { this.visible = true; return this; },
    hide: function () { this.visible = false; return this; },
    onClick: function (f) { this.handler = f; return this; },
    showProgress: function () { this.progress = true; return this; },
    hideProgress: function () { this.progress = false; return this; }
  }
}};
"""


def messenger_poll(server: Server) -> tuple[int, str, dict, int]:
    auth = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=auth) as api:
        poll = api.post(
            "/api/v1/polls",
            json={**SAMPLE_POLL, "title": "Khảo sát qua Telegram", "duplicate_policy": "messenger"},
        ).json()
        placement = api.post(
            f"/api/v1/polls/{poll['id']}/placements",
            json={"label": "Nhóm Telegram", "kind": "telegram", "chat_id": "-100123"},
        ).json()
        assert api.post(f"/api/v1/polls/{poll['id']}/open").status_code == 200
        form = api.get(f"/api/v1/forms/{placement['code']}").json()
    return poll["id"], placement["code"], form, placement["id"]


def launch_data(user_id: int, start_param: str) -> str:
    fields = {
        "user": json.dumps({"id": user_id, "first_name": "An", "language_code": "vi"}),
        "chat_instance": "-4417368920371012345",
        "chat_type": "supergroup",
        "start_param": start_param,
        "auth_date": str(int(time.time())),
    }
    return telegram.sign(fields, TELEGRAM_BOT_TOKEN)


async def fill(page: Page, form: dict) -> None:
    for q in form["questions"]:
        if q["kind"] in ("single", "multi"):
            await page.check(f"#q{q['id']}-{q['options'][0]['id']}")
        elif q["kind"] == "scale":
            await page.check(f"#q{q['id']}-4")
        elif q["kind"] == "yes_no":
            await page.check(f"#q{q['id']}-yes")


def stored(server: Server, poll_id: int) -> list[tuple[str, int]]:
    assert server.database is not None
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "SELECT channel, placement FROM response WHERE poll = ?", (poll_id,)
        ).fetchall()


async def test_the_mini_app_stores_one_answer_per_account(
    server: Server, phone: BrowserContext
) -> None:
    poll_id, code, form, placement = messenger_poll(server)
    await phone.add_init_script(STAND_IN % {"init_data": json.dumps(launch_data(5000000001, code))})
    page = await phone.new_page()
    await page.goto(f"{server.url}/tg?tgWebAppStartParam={code}")
    main = "Telegram.WebApp.MainButton"
    assert await page.evaluate("Telegram.WebApp.readied") is True
    assert await page.evaluate(f"{main}.visible") is True
    assert await page.evaluate(f"{main}.text") == "Gửi ý kiến"
    await expect(page.locator("button[type=submit]")).to_be_hidden()
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(14, 22, 33)"  # Telegram's secondary background, not ours
    await fill(page, form)
    await screenshot(page, "telegram-mini-app")
    await page.evaluate(f"{main}.handler()")
    await page.wait_for_url("**/thanks*")
    assert stored(server, poll_id) == [("telegram", placement)]

    # the same account again, through a fresh launch: the already-answered page
    again = await phone.new_page()
    await again.goto(f"{server.url}/tg/{code}")
    await fill(again, form)
    await again.evaluate(f"{main}.handler()")
    await again.wait_for_url(f"**/tg/{code}/answered")
    await expect(again.locator("h2")).to_have_text("Bạn đã trả lời khảo sát này rồi.")
    assert len(stored(server, poll_id)) == 1


async def test_outside_telegram_the_mini_app_page_is_the_plain_form(
    server: Server, phone: BrowserContext
) -> None:
    poll_id, code, form, _ = messenger_poll(server)
    page = await phone.new_page()
    await page.goto(f"{server.url}/tg/{code}")
    button = page.locator("button[type=submit]")
    await expect(button).to_be_visible()
    await fill(page, form)
    await button.click()
    status = page.locator("#send-status")
    await expect(status).to_contain_text("Telegram")
    await expect(button).to_be_enabled()
    assert stored(server, poll_id) == []
