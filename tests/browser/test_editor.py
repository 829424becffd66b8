"""The fuller editor in Chromium: add, remove, move and copy questions with JavaScript (no
request until Save) and without it (each button a round trip that keeps everything typed),
the stored poll matching what was built; a template filling the editor; and the worker's
form with help text and an "other (please specify)" option at 360×640, with JavaScript on
(the text field shows once "other" is chosen) and off (always shown)."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PHONE, Server, new_phone, screenshot
from tests.browser.test_officer import desktop, signed_in

OTHER_POLL = {
    "unit": "than-mao-khe",
    "title": "Bữa ăn ca",
    "questions": [
        {
            "kind": "single",
            "text": "Bữa ăn có đủ no không?",
            "options": ["Đủ", "Chưa đủ"],
            "help": "Nghĩ đến tuần vừa qua.",
            "other": "Khác (ghi rõ)",
        },
        {
            "kind": "multi",
            "text": "Cần cải thiện gì?",
            "options": ["Khẩu phần", "Vệ sinh"],
            "other": "Khác (ghi rõ)",
            "required": False,
        },
    ],
}


SAVE = "form[data-editor] .row button.btn[type=submit]:not([name])"
"""The editor's Save button (the buttons that change the form have a name)."""
SAVED = re.compile(r"/console/polls/\d+$")


def stored_questions(server: Server, poll_id: int) -> list[tuple[Any, ...]]:
    """The poll's questions as stored: kind, text, help, and its options (label, other)."""
    assert server.database is not None
    with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
        questions = db.execute(
            'SELECT "id", "kind", "text", "help" FROM "question" WHERE "poll" = ? '
            'ORDER BY "position"',
            (poll_id,),
        ).fetchall()
        return [
            (
                kind,
                text,
                help,
                db.execute(
                    'SELECT "label", "other" FROM "option" WHERE "question" = ? '
                    'ORDER BY "position"',
                    (qid,),
                ).fetchall(),
            )
            for qid, kind, text, help in questions
        ]


def other_rows(server: Server, poll_id: int) -> list[tuple[Any, ...]]:
    """Answers with a text on the poll's choice questions: (option label, other, text)."""
    assert server.database is not None
    with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
        return db.execute(
            'SELECT o."label", o."other", a."value_text" FROM "answer" a '
            'JOIN "option" o ON o."id" = a."option" WHERE a."poll" = ? '
            'AND a."value_text" IS NOT NULL',
            (poll_id,),
        ).fetchall()


def poll_count(server: Server) -> int:
    assert server.database is not None
    with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
        return int(db.execute('SELECT COUNT(*) FROM "poll"').fetchone()[0])


def block(page: Page, n: int) -> Any:
    return page.locator("section.qblock").nth(n)


async def build(page: Page, *, javascript: bool) -> None:
    """The same editing session either way: two questions typed, one copied, one moved,
    one added and removed again."""
    await page.fill("#title", "Bữa ăn giữa ca")
    await page.fill("[name='q0.text']", "Bữa ăn có đủ no không?")
    await page.fill("[name='q0.help']", "Nghĩ đến tuần vừa qua.")
    await page.fill("[name='q0.options']", "Đủ\nChưa đủ")
    await page.check("[name='q0.other']")
    await page.click("button[data-act=add]")
    await expect(page.locator("section.qblock")).to_have_count(2)
    await page.select_option("[name='q1.kind']", "scale")
    await page.fill("[name='q1.text']", "Mức hài lòng?")
    await block(page, 0).locator("button[data-act=copy]").click()
    await expect(page.locator("section.qblock")).to_have_count(3)
    # the copy comes right after its original, with everything typed in it
    await expect(page.locator("[name='q1.text']")).to_have_value("Bữa ăn có đủ no không?")
    await expect(page.locator("[name='q1.help']")).to_have_value("Nghĩ đến tuần vừa qua.")
    await expect(page.locator("[name='q1.other']")).to_be_checked()
    await expect(page.locator("[name='q2.kind']")).to_have_value("scale")
    await page.fill("[name='q1.text']", "Bữa ăn có nóng không?")
    await block(page, 2).locator("button[data-act=up]").click()
    await expect(page.locator("[name='q1.text']")).to_have_value("Mức hài lòng?")
    await expect(page.locator("[name='q1.kind']")).to_have_value("scale")
    await expect(page.locator("[name='q2.text']")).to_have_value("Bữa ăn có nóng không?")
    await page.click("button[data-act=add]")
    await page.fill("[name='q3.text']", "Câu này sẽ bị xóa")
    await block(page, 3).locator("button[data-act=remove]").click()
    await expect(page.locator("section.qblock")).to_have_count(3)
    headings = await page.locator("section.qblock h3").all_text_contents()
    assert headings == ["Câu hỏi 1", "Câu hỏi 2", "Câu hỏi 3"]
    assert await page.input_value("#title") == "Bữa ăn giữa ca"
    if javascript:
        assert await page.input_value("[name=blocks]") == "3"


EXPECTED = [
    (
        "single",
        "Bữa ăn có đủ no không?",
        "Nghĩ đến tuần vừa qua.",
        [("Đủ", 0), ("Chưa đủ", 0), ("Khác (ghi rõ)", 1)],
    ),
    ("scale", "Mức hài lòng?", "", []),
    (
        "single",
        "Bữa ăn có nóng không?",
        "Nghĩ đến tuần vừa qua.",
        [("Đủ", 0), ("Chưa đủ", 0), ("Khác (ghi rõ)", 1)],
    ),
]


async def test_the_editor_with_javascript_changes_the_page_without_a_request(
    browser: Browser, server: Server
) -> None:
    context = await desktop(browser)
    page = await signed_in(context, server)
    await page.goto(f"{server.url}/console/polls/new")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    await build(page, javascript=True)
    assert posts == []  # every change happened in the page
    await screenshot(page, "editor-js-vi")
    await page.click(SAVE)
    await page.wait_for_url(SAVED)
    poll_id = int(page.url.rsplit("/", 1)[-1])
    assert stored_questions(server, poll_id) == EXPECTED
    await context.close()


async def test_the_editor_without_javascript_keeps_everything_typed(
    browser: Browser, server: Server
) -> None:
    context = await desktop(browser, javascript=False)
    page = await signed_in(context, server)
    await page.goto(f"{server.url}/console/polls/new")
    before = poll_count(server)
    await build(page, javascript=False)
    assert poll_count(server) == before  # the buttons change the form, never store it
    await screenshot(page, "editor-nojs-vi")
    await page.click(SAVE)
    await page.wait_for_url(SAVED)
    poll_id = int(page.url.rsplit("/", 1)[-1])
    assert stored_questions(server, poll_id) == EXPECTED
    await context.close()


async def test_a_template_fills_the_editor_and_stores_nothing_until_saved(
    browser: Browser, server: Server
) -> None:
    for javascript, language in ((True, "en"), (False, "vi")):
        context = await desktop(browser, javascript=javascript)
        page = await signed_in(context, server)
        if language == "en":
            await page.goto(f"{server.url}/console?lang=en")
        await page.goto(f"{server.url}/console/polls/new")
        await screenshot(page, f"editor-templates-{language}")
        before = poll_count(server)
        await page.locator(".starters li").nth(1).locator(f"a[lang={language}]").click()
        await expect(page.locator("#title")).to_have_value(
            "Action Month for occupational safety and health"
            if language == "en"
            else "Tháng hành động về an toàn, vệ sinh lao động"
        )
        assert poll_count(server) == before
        await expect(page.locator("section.qblock")).to_have_count(5)
        await screenshot(page, f"editor-template-filled-{language}")
        await page.fill("#title", "ATVSLĐ 2027" if language == "vi" else "Safety 2027")
        await page.click(SAVE)
        await page.wait_for_url(SAVED)
        poll_id = int(page.url.rsplit("/", 1)[-1])
        stored = stored_questions(server, poll_id)
        assert [q[0] for q in stored] == ["yes_no", "scale", "multi", "single", "text"]
        assert stored[2][3][-1][1] == 1  # the hazards question keeps its "other" option
        await context.close()


def open_other_poll(server: Server) -> tuple[int, str]:
    auth = {"Authorization": f"Bearer {server.token}"}
    poll = httpx.post(f"{server.url}/api/v1/polls", json=OTHER_POLL, headers=auth)
    assert poll.status_code == 201, poll.text
    poll_id = poll.json()["id"]
    placement = httpx.post(
        f"{server.url}/api/v1/polls/{poll_id}/placements",
        json={"label": "Nhà ăn PX5", "kind": "canteen"},
        headers=auth,
    ).json()
    assert httpx.post(f"{server.url}/api/v1/polls/{poll_id}/open", headers=auth).is_success
    return poll_id, placement["code"]


async def test_the_form_with_help_and_other_with_javascript(
    browser: Browser, server: Server
) -> None:
    poll_id, code = open_other_poll(server)
    for locale in ("vi-VN", "en-US"):
        context = await new_phone(browser, locale=locale)
        page = await context.new_page()
        await page.goto(f"{server.url}/p/{code}")
        assert page.viewport_size == PHONE
        await expect(page.locator("p.help").first).to_have_text("Nghĩ đến tuần vừa qua.")
        other = page.locator("input.other-text").first
        await expect(other).to_be_hidden()  # until "other" is chosen
        await screenshot(page, f"form-other-js-{locale[:2]}")
        await page.locator("label.choice", has_text="Khác (ghi rõ)").first.click()
        await expect(other).to_be_visible()
        await other.fill("Cơm nguội" if locale == "vi-VN" else "Cold rice")
        await screenshot(page, f"form-other-js-chosen-{locale[:2]}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        await page.click("button[type=submit]")
        await expect(page.locator("h1, h2").first).to_be_visible()
        await expect(page.locator("body")).to_contain_text(
            "Cảm ơn" if locale == "vi-VN" else "Thank you"
        )
        await context.close()
    assert sorted(other_rows(server, poll_id)) == [
        ("Khác (ghi rõ)", 1, "Cold rice"),
        ("Khác (ghi rõ)", 1, "Cơm nguội"),
    ]


async def test_the_form_with_help_and_other_without_javascript(
    browser: Browser, server: Server
) -> None:
    poll_id, code = open_other_poll(server)
    context = await new_phone(browser, javascript=False)
    page = await context.new_page()
    await page.goto(f"{server.url}/p/{code}")
    await expect(page.locator("p.help").first).to_have_text("Nghĩ đến tuần vừa qua.")
    fields = page.locator("input.other-text")
    await expect(fields).to_have_count(2)
    await expect(fields.first).to_be_visible()  # always there without JavaScript
    await expect(fields.nth(1)).to_be_visible()
    # writing beside "other" without ticking it chooses it
    await fields.first.fill("Thiếu canh")
    await page.locator("label.choice", has_text="Vệ sinh").click()
    await fields.nth(1).fill("Ghế ngồi")
    await screenshot(page, "form-other-nojs-vi")
    await page.click("button[type=submit]")
    await expect(page.locator("body")).to_contain_text("Cảm ơn")
    assert sorted(other_rows(server, poll_id)) == [
        ("Khác (ghi rõ)", 1, "Ghế ngồi"),
        ("Khác (ghi rõ)", 1, "Thiếu canh"),
    ]
    # and the error case: text beside another single choice comes back with its message
    await page.goto(f"{server.url}/p/{code}")
    await context.clear_cookies()
    await page.goto(f"{server.url}/p/{code}")
    await page.locator("label.choice", has_text="Chưa đủ").click()
    await page.locator("input.other-text").first.fill("Thiếu canh")
    await page.click("button[type=submit]")
    await expect(page.locator("p.error").first).to_contain_text("Khác (ghi rõ)")
    await expect(page.locator("input.other-text").first).to_have_value("Thiếu canh")
    await screenshot(page, "form-other-nojs-error-vi")
    await context.close()


async def test_the_editor_fits_a_phone_in_both_languages(browser: Browser, server: Server) -> None:
    for language in ("vi", "en"):
        context = await new_phone(browser, locale="vi-VN" if language == "vi" else "en-US")
        page = await signed_in(context, server)
        await page.goto(
            f"{server.url}/console/polls/new?template=meals&language={language}&lang={language}"
        )
        await expect(page.locator("section.qblock")).to_have_count(5)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        await screenshot(page, f"editor-phone-{language}")
        await context.close()
