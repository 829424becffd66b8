"""Issue 16, item 4, in Chromium at 360×640: answers never lost to a dead network. The
network is cut before send (``context.set_offline``), the answers wait on the phone
(timers run minutes ahead with Playwright's clock), and they go by themselves when the
network returns (``online``), when the page is shown again (``pageshow``,
``visibilitychange``) and at the next opening of the same link, after the tab was closed;
a retry racing its own slow first send counts once. And printed one-time codes typed and
scanned on a shared phone."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, Route, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import Server, screenshot
from tests.browser.test_form import fill_every_kind, send
from tests.sharing.tools import pdf_text

pytestmark = pytest.mark.browser

KEPT = "sẽ tự gửi khi có sóng"
RESPONSES = "**/api/v1/forms/*/responses"


@dataclass
class CodePoll:
    id: int
    code: str
    codes: list[str]
    questions: list[dict]

    def responses(self, server: Server) -> int:
        assert server.database is not None
        with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
            (count,) = db.execute(
                'SELECT COUNT(*) FROM "response" WHERE "poll" = ?', (self.id,)
            ).fetchone()
        return int(count)


@pytest.fixture(scope="module")
def code_poll(server: Server) -> Iterator[CodePoll]:
    """A poll of one answer per printed code, opened, with a sheet of ten codes."""
    auth = {"Authorization": f"Bearer {server.token}"}
    # the first PDF the server draws imports matplotlib: give it time on a busy machine
    with httpx.Client(base_url=server.url, headers=auth, timeout=60) as api:
        made = api.post(
            "/api/v1/polls",
            json={
                "unit": "than-mao-khe",
                "title": "Họp tổ ca 2: ý kiến về bữa ăn ca",
                "duplicate_policy": "code",
                "questions": [
                    {"kind": "yes_no", "text": "Bữa ăn ca có đủ no không?"},
                    {"kind": "text", "text": "Góp ý", "required": False},
                ],
            },
        )
        assert made.status_code == 201, made.text
        poll = made.json()
        placement = api.post(
            f"/api/v1/polls/{poll['id']}/placements", json={"label": "Họp tổ", "kind": "link"}
        ).json()
        assert api.post(f"/api/v1/polls/{poll['id']}/open").status_code == 200
        sheet = api.post(f"/api/v1/placements/{placement['id']}/codes.pdf", json={"count": 10})
        assert sheet.status_code == 201, sheet.text
        printed = re.findall(r"\b([2-9A-Z]{4})-([2-9A-Z]{4})\b", pdf_text(sheet.content))
        yield CodePoll(
            poll["id"], placement["code"], [a + b for a, b in printed], poll["questions"]
        )


async def _kept(page: Page) -> dict:
    return await page.evaluate(
        "Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith('polls:'))"
        ".map(k => [k, JSON.parse(localStorage.getItem(k))]))"
    )


async def _offline_send(page: Page, context: BrowserContext, server: Server) -> None:
    await page.clock.install()  # timers move only when the test says so
    await page.goto(f"{server.url}/p/{server.code}")
    await fill_every_kind(page, server)
    await context.set_offline(True)
    await send(page)
    await expect(page.locator("#send-status")).to_contain_text(KEPT)
    kept = await _kept(page)
    assert [state["pending"] for state in kept.values()] == [True]


async def test_cut_for_minutes_the_tab_closed_and_the_link_opened_again_stores_once(
    server: Server, phone: BrowserContext
) -> None:
    before = server.responses()
    page = await phone.new_page()
    await _offline_send(page, phone, server)
    await screenshot(page, "offline-kept-vi")
    await page.clock.run_for("05:00")  # five minutes without signal: the timer retries fail
    await expect(page.locator("#send-status")).to_contain_text(KEPT)
    assert server.responses() == before
    # The phone is still without signal as the tab closes. In about a third of the runs
    # the closing page's script sent once more and that send reached the server, past the
    # context's offline emulation and Playwright's routes (stored while the context was
    # still offline, no request reported; Chromium drops a closing page's emulation, and
    # its retry listeners, "online" among them, may then run). A phone without signal
    # sends nothing as its tab closes, so here the closing page's fetch fails to the end.
    await page.evaluate(
        "() => { window.fetch = () => Promise.reject(new TypeError('Failed to fetch')); }"
    )
    await page.close()
    assert server.responses() == before

    await phone.set_offline(False)
    again = await phone.new_page()
    seen: list[str] = []  # what the page was answered, for the message if it goes wrong
    again.on("response", lambda r: seen.append(f"{r.request.method} {r.url} {r.status}"))
    again.on("crash", lambda _: seen.append("the page crashed"))
    await again.goto(f"{server.url}/p/{server.code}")  # nothing tapped: it sends by itself
    try:
        # a busy server's 503 is retried by the page's own timers, which run in real time
        await again.wait_for_url("**/thanks", timeout=90_000)
    except PlaywrightTimeoutError:
        try:
            shown = await again.evaluate("document.body ? document.body.innerText : ''")
        except Exception as error:  # a crashed page says so here
            shown = repr(error)
        pytest.fail(
            f"the kept answers did not go: at {again.url}, showing {shown[:400]!r},"
            f" {server.responses() - before} stored; the page was answered: {seen}"
        )
    assert server.responses() == before + 1
    assert await _kept(again) == {}
    third = await phone.new_page()
    await third.goto(f"{server.url}/p/{server.code}")
    await expect(third.locator("h2")).to_have_text("Bạn đã trả lời khảo sát này rồi.")
    assert server.responses() == before + 1


async def test_a_phone_that_has_answered_lets_go_of_the_answers_it_kept(
    server: Server, phone: BrowserContext
) -> None:
    # Answers still kept for a poll this phone has answered (a reply lost on the way, a
    # second tab) can never count: the page saying so takes them off the phone, instead of
    # leaving them on it, perhaps a shared one, for good.
    page = await phone.new_page()
    await page.goto(f"{server.url}/p/{server.code}")
    await fill_every_kind(page, server)
    await send(page)
    await page.wait_for_url("**/thanks")
    await page.evaluate(
        "poll => localStorage.setItem('polls:' + poll, JSON.stringify("
        "{pending: true, submission: 'a-lost-reply', answers: {q1: 'Loa ở nhà ăn'}}))",
        server.poll_id,
    )
    before = server.responses()
    await page.goto(f"{server.url}/p/{server.code}")
    await expect(page.locator("h2")).to_have_text("Bạn đã trả lời khảo sát này rồi.")
    assert await _kept(page) == {}
    assert server.responses() == before


async def test_the_online_event_sends_what_was_kept(server: Server, phone: BrowserContext) -> None:
    before = server.responses()
    page = await phone.new_page()
    await _offline_send(page, phone, server)
    await phone.set_offline(False)  # Chromium fires "online"; no timer has run
    await page.wait_for_url("**/thanks")
    assert server.responses() == before + 1


@pytest.mark.parametrize(
    "event",
    [
        "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))",
        "document.dispatchEvent(new Event('visibilitychange'))",
    ],
    ids=["pageshow", "visibilitychange"],
)
async def test_the_page_shown_again_sends_what_was_kept(
    server: Server, phone: BrowserContext, event: str
) -> None:
    """Headless Chromium neither keeps a ``no-store`` page in its back-forward cache nor
    hides a tab, so the events it would fire on coming back are fired in the page; the
    network stays up and only the answers' request fails, so no ``online`` event helps."""
    before = server.responses()
    page = await phone.new_page()
    await page.clock.install()
    await page.goto(f"{server.url}/p/{server.code}")
    await fill_every_kind(page, server)

    async def cut(route: Route) -> None:
        await route.abort("internetdisconnected")

    await page.route(RESPONSES, cut)
    await send(page)
    await expect(page.locator("#send-status")).to_contain_text(KEPT)
    await page.unroute(RESPONSES)
    assert server.responses() == before
    await page.evaluate(event)
    await page.wait_for_url("**/thanks")
    assert server.responses() == before + 1


async def test_a_retry_racing_its_slow_first_send_counts_once(
    server: Server, phone: BrowserContext, code_poll: CodePoll
) -> None:
    """The first send reaches the server and is stored, but its reply is slow; meanwhile the
    worker opens the link again in another tab, which sends the kept answers (same
    submission id, same code) by itself. Both tabs end on "thanks", one response."""
    before = code_poll.responses(server)
    first = await phone.new_page()
    await first.goto(f"{server.url}/p/{code_poll.code}?c={code_poll.codes[0]}")
    await first.check(f"#q{code_poll.questions[0]['id']}-yes")
    reached = asyncio.Event()
    release = asyncio.Event()

    async def slow(route: Route) -> None:
        reply = await route.fetch()  # the server has it, stored
        reached.set()
        await release.wait()
        await route.fulfill(response=reply)

    await first.route(RESPONSES, slow)
    await send(first)
    await asyncio.wait_for(reached.wait(), 10)
    assert code_poll.responses(server) == before + 1
    second = await phone.new_page()
    replies: list[int] = []
    second.on("response", lambda r: replies.append(r.status) if "/responses" in r.url else None)
    await second.goto(f"{server.url}/p/{code_poll.code}")
    await second.wait_for_url("**/thanks")
    assert replies == [200]  # "already stored": the same submission, not a used code
    release.set()
    await first.wait_for_url("**/thanks")
    assert code_poll.responses(server) == before + 1


async def test_two_tabs_sending_the_same_kept_answers_at_once_count_once(
    server: Server, phone: BrowserContext, code_poll: CodePoll
) -> None:
    before = code_poll.responses(server)
    first = await phone.new_page()
    await first.clock.install()
    await first.goto(f"{server.url}/p/{code_poll.code}?c={code_poll.codes[1]}")
    await first.check(f"#q{code_poll.questions[0]['id']}-no")
    await phone.set_offline(True)
    await send(first)
    await expect(first.locator("#send-status")).to_contain_text(KEPT)
    held: list[Route] = []
    both = asyncio.Event()

    async def hold(route: Route) -> None:  # both pages' requests wait, then go at once
        held.append(route)
        if len(held) == 2:
            both.set()
        await both.wait()
        await route.continue_()

    await phone.route(RESPONSES, hold)
    await phone.set_offline(False)  # the first page sends on "online"
    second = await phone.new_page()
    await second.goto(f"{server.url}/p/{code_poll.code}")  # and this one at its opening
    await asyncio.wait_for(both.wait(), 10)
    await first.wait_for_url("**/thanks")
    await second.wait_for_url("**/thanks")
    await phone.unroute(RESPONSES)
    assert code_poll.responses(server) == before + 1


async def test_a_slip_scanned_and_a_code_typed_on_a_shared_phone(
    server: Server, phone: BrowserContext, code_poll: CodePoll
) -> None:
    before = code_poll.responses(server)
    page = await phone.new_page()
    await page.goto(f"{server.url}/p/{code_poll.code}?c={code_poll.codes[2]}")
    await expect(page.locator("#code")).to_have_value(code_poll.codes[2])
    assert "c=" not in page.url  # the code leaves the address and the history
    await page.check(f"#q{code_poll.questions[0]['id']}-yes")
    await screenshot(page, "code-form-vi")
    await send(page)
    await page.wait_for_url("**/thanks")
    # the next person on the same phone types a code, lower case with the dash
    page = await phone.new_page()
    await page.goto(f"{server.url}/p/{code_poll.code}")
    typed = code_poll.codes[3]
    await page.fill("#code", f"{typed[:4]}-{typed[4:]}".lower())
    await page.check(f"#q{code_poll.questions[0]['id']}-no")
    await send(page)
    await page.wait_for_url("**/thanks")
    assert code_poll.responses(server) == before + 2
    # a used slip: a clear message, nothing stored, nothing kept to resend
    page = await phone.new_page()
    await page.goto(f"{server.url}/p/{code_poll.code}")
    await page.fill("#code", typed)
    await page.check(f"#q{code_poll.questions[0]['id']}-no")
    await send(page)
    await expect(page.locator("#send-status")).to_contain_text("Mã này đã được dùng")
    await screenshot(page, "code-used-vi")
    assert await _kept(page) == {}
    assert code_poll.responses(server) == before + 2
