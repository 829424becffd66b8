"""The Zalo Mini App (``polls/forms/zalo_app/``), built with its own tool chain and opened in
Chromium as Zalo would show it: from an origin of its own (named in ``ZALO_MINI_APP_ORIGINS``),
calling a real ``polls serve`` whose Graph API is the fake Zalo, which checks
``access_token`` and ``appsecret_proof``. The page is built twice from the same sources and
config: as shipped (the real ``zmp-sdk``, checked for what it names and weighs) and with
``tests/browser/zalo_sdk_stub.js`` in place of the SDK module (a fixed token, the launch
link's parameters, nativeStorage over localStorage, network events on demand), since the
real SDK only works inside the Zalo app.

Needs Node and npm with ``npm ci`` done in ``polls/forms/zalo_app`` (``.ci/run`` does it);
skipped without them unless ``POLLS_REQUIRE_TOOLS=1``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.conftest import PHONE, screenshot
from tests.messengers.fake_zalo import APP_ID, APP_SECRET, FakeZalo, proof, serve
from tests.servers import Deployment

APP_DIR = Path(__file__).resolve().parents[2] / "polls" / "forms" / "zalo_app"
STUB = Path(__file__).resolve().parent / "zalo_sdk_stub.js"
MINI_APP_ID = "3141592653589793238"
ZALO_USER = "7766554433221100998"
OTHER_ZALO_USER = "7766554433221100999"
TOKEN = "zalo-user-token-AAAA-1"
OTHER_TOKEN = "zalo-user-token-BBBB-2"
FORBIDDEN = ("authorize", "getUserInfo", "getPhoneNumber", "getLocation", "getUserID")
ANSWERED = "Bạn đã trả lời khảo sát này rồi."


def _vite(out: Path, api: str, *, stub: bool) -> None:
    if not (shutil.which("npm") and (APP_DIR / "node_modules" / ".bin" / "vite").exists()):
        if os.environ.get("POLLS_REQUIRE_TOOLS") == "1":
            pytest.fail("the Mini App needs node, npm and `npm ci` in polls/forms/zalo_app")
        pytest.skip("node/npm or polls/forms/zalo_app/node_modules missing (run npm ci there)")
    env = {**os.environ, "VITE_POLLS_API": api}
    if stub:
        env["POLLS_ZMP_SDK_STUB"] = str(STUB)
    subprocess.run(
        [str(APP_DIR / "node_modules" / ".bin" / "vite"), "build", "--outDir", str(out)],
        cwd=APP_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextlib.contextmanager
def _static(root: Path) -> Iterator[str]:
    """The built Mini App on an origin of its own, as Zalo serves it from its own host."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class MiniApp:
    page_url: str
    api: str
    officer: dict[str, str]
    fake: FakeZalo
    database: Path
    log: Path
    shipped: Path

    def responses(self, poll_id: int) -> int:
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            (count,) = db.execute(
                'SELECT COUNT(*) FROM "response" WHERE "poll" = ?', (poll_id,)
            ).fetchone()
        return int(count)

    def other_texts(self, poll_id: int) -> list[str]:
        """The texts stored beside the poll's "other" options (read from the database: the
        API releases free text only past its threshold)."""
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            rows = db.execute(
                'SELECT a."value_text" FROM "answer" a JOIN "option" o ON o."id" = a."option" '
                'WHERE a."poll" = ? AND o."other"',
                (poll_id,),
            ).fetchall()
        return [r[0] for r in rows]

    def new_poll(
        self, policy: str = "messenger", questions: list[dict] | None = None
    ) -> tuple[int, str]:
        poll = httpx.post(
            f"{self.api}/api/v1/polls",
            json={
                "unit": "than-mao-khe",
                "title": "Bữa ăn giữa ca có đủ no không?",
                "duplicate_policy": policy,
                "questions": questions
                or [
                    {"kind": "single", "text": "Suất ăn hôm nay?", "options": ["Đủ", "Thiếu"]},
                    {"kind": "scale", "text": "Mức hài lòng?", "min": 1, "max": 5},
                    {"kind": "yes_no", "text": "Muốn thêm rau?"},
                    {"kind": "text", "text": "Góp ý", "required": False},
                ],
            },
            headers=self.officer,
        ).json()
        placement = httpx.post(
            f"{self.api}/api/v1/polls/{poll['id']}/placements",
            json={"label": "Nhóm Zalo tổ 3", "kind": "zalo", "opens_in": "zalo_mini_app"},
            headers=self.officer,
        ).json()
        opened = httpx.post(f"{self.api}/api/v1/polls/{poll['id']}/open", headers=self.officer)
        assert opened.status_code == 200, opened.text
        assert placement["scan_url"] == f"https://zalo.me/s/{MINI_APP_ID}/?k={placement['code']}"
        return poll["id"], placement["code"]


@pytest.fixture(scope="module")
def mini_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MiniApp]:
    workdir = tmp_path_factory.mktemp("zalo-mini-app")
    fake = FakeZalo()
    fake.mini_app_users.update({TOKEN: ZALO_USER, OTHER_TOKEN: OTHER_ZALO_USER})
    for _ in serve(fake):
        with _static(workdir / "stubbed") as origin:
            site = Deployment(
                workdir,
                f"sqlite:///{workdir / 'polls.sqlite3'}",
                log=workdir / "server.log",
                extra_env={
                    "ZALO_APP_ID": APP_ID,
                    "ZALO_APP_SECRET": APP_SECRET,
                    "ZALO_GRAPH_BASE": fake.url,
                    "ZALO_MINI_APP_ID": MINI_APP_ID,
                    "ZALO_MINI_APP_ORIGINS": origin,
                },
            )
            _vite(workdir / "stubbed", site.url, stub=True)
            _vite(workdir / "shipped", "https://thamdo.example.vn", stub=False)
            site.run("demo")
            site.start()
            try:
                token = site.run("issue-token", "maokhe")
                yield MiniApp(
                    f"{origin}/index.html",
                    site.url,
                    {"Authorization": f"Bearer {token}"},
                    fake,
                    workdir / "polls.sqlite3",
                    workdir / "server.log",
                    workdir / "shipped",
                )
            finally:
                site.stop()


async def _zalo_phone(browser: Browser, token: str, code: str) -> BrowserContext:
    context = await browser.new_context(
        viewport=PHONE, locale="vi-VN", extra_http_headers={"Accept-Language": "vi"}
    )
    launch = json.dumps({"token": token, "routeParams": {"k": code}})
    await context.add_init_script(f"window.__zalo = {launch};")
    return context


async def _open(context: BrowserContext, app: MiniApp, code: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{app.page_url}?k={code}")
    await page.wait_for_selector("form button[type=submit], .card[role=status]")
    return page


async def _answer(page: Page) -> None:
    await page.get_by_label("Đủ").check()
    await page.locator("label.choice", has_text="4").check()
    await page.get_by_label("Có").check()
    await page.locator("textarea").fill("Cần thêm canh")


async def _outbox(page: Page) -> list[dict]:
    kept = await page.evaluate("localStorage.getItem('zmp-native:polls:outbox') || '[]'")
    return json.loads(kept)


async def test_one_answer_per_zalo_account_and_the_second_refused_in_vietnamese(
    browser: Browser, mini_app: MiniApp
) -> None:
    poll_id, code = mini_app.new_poll()
    first = await _zalo_phone(browser, TOKEN, code)
    page = await _open(first, mini_app, code)
    assert await page.locator("h1").inner_text() == "Bữa ăn giữa ca có đủ no không?"
    assert "ẩn danh" in await page.locator("p.note").first.inner_text()
    await screenshot(page, "zalo-mini-app-form")
    await _answer(page)
    await page.get_by_role("button", name="Gửi ý kiến").click()
    await page.get_by_text("Cảm ơn bạn đã tham gia khảo sát!").wait_for()
    await screenshot(page, "zalo-mini-app-thanks")
    assert mini_app.responses(poll_id) == 1
    assert await _outbox(page) == []
    calls = await page.evaluate("window.__zalo.calls")
    assert set(calls) == {"getAccessToken", "getRouteParams", "onNetworkStatusChange"}

    again = await _open(first, mini_app, code)  # the same Zalo account, opened again
    await _answer(again)
    await again.get_by_role("button", name="Gửi ý kiến").click()
    await again.get_by_text(ANSWERED).wait_for()
    await screenshot(again, "zalo-mini-app-answered")
    assert mini_app.responses(poll_id) == 1
    await first.close()

    second = await _zalo_phone(browser, OTHER_TOKEN, code)
    page = await _open(second, mini_app, code)
    await _answer(page)
    await page.get_by_role("button", name="Gửi ý kiến").click()
    await page.get_by_text("Cảm ơn bạn đã tham gia khảo sát!").wait_for()
    assert mini_app.responses(poll_id) == 2
    await second.close()
    me = [r for r in mini_app.fake.requests if r[1].startswith("/v2.0/me")]
    assert me, "the server asked Zalo who the user is"
    for _, _, headers, _ in me:
        assert headers["appsecret_proof"] == proof(headers["access_token"])


async def test_answers_kept_without_network_and_sent_when_it_returns(
    browser: Browser, mini_app: MiniApp
) -> None:
    poll_id, code = mini_app.new_poll()
    context = await _zalo_phone(browser, TOKEN, code)
    page = await _open(context, mini_app, code)
    await _answer(page)
    await context.set_offline(True)
    await page.get_by_role("button", name="Gửi ý kiến").click()
    await page.get_by_text("câu trả lời của bạn được giữ trên điện thoại này").wait_for()
    await screenshot(page, "zalo-mini-app-offline")
    kept = await _outbox(page)
    assert [entry["code"] for entry in kept] == [code]
    assert TOKEN not in json.dumps(kept), "the access token is never kept on the phone"
    assert mini_app.responses(poll_id) == 0

    await context.set_offline(False)
    await page.evaluate("window.__zalo.network(true)")
    await page.get_by_text("Cảm ơn bạn đã tham gia khảo sát!").wait_for()
    assert mini_app.responses(poll_id) == 1
    assert await _outbox(page) == []
    await page.evaluate("window.__zalo.network(true)")  # a second event sends nothing twice
    assert mini_app.responses(poll_id) == 1
    await context.close()


async def test_answers_kept_are_sent_at_the_next_open(browser: Browser, mini_app: MiniApp) -> None:
    poll_id, code = mini_app.new_poll(policy="device")
    context = await _zalo_phone(browser, OTHER_TOKEN, code)
    page = await _open(context, mini_app, code)
    await _answer(page)
    await context.set_offline(True)
    await page.get_by_role("button", name="Gửi ý kiến").click()
    await page.get_by_text("câu trả lời của bạn được giữ trên điện thoại này").wait_for()
    await page.close()  # the worker closes Zalo while still underground
    await context.set_offline(False)
    reopened = await _open(context, mini_app, code)
    await reopened.get_by_text("Cảm ơn bạn đã tham gia khảo sát!").wait_for()
    assert mini_app.responses(poll_id) == 1
    assert await _outbox(reopened) == []
    await context.close()


async def test_a_tampered_or_expired_token_is_refused(browser: Browser, mini_app: MiniApp) -> None:
    poll_id, code = mini_app.new_poll()
    tampered = await _zalo_phone(browser, TOKEN[:-1] + "X", code)
    page = await _open(tampered, mini_app, code)
    await _answer(page)
    await page.get_by_role("button", name="Gửi ý kiến").click()
    status = page.locator("#send-status")
    await status.filter(has_text="Zalo").wait_for()
    refused = await status.inner_text()
    assert "Zalo" in refused
    assert "ẩn danh" not in refused
    assert mini_app.responses(poll_id) == 0
    await tampered.close()

    mini_app.fake.mini_app_users["zalo-token-expires"] = "7766554433221100997"
    expiring = await _zalo_phone(browser, "zalo-token-expires", code)
    page = await _open(expiring, mini_app, code)
    del mini_app.fake.mini_app_users["zalo-token-expires"]  # Zalo no longer vouches for it
    await _answer(page)
    await page.get_by_role("button", name="Gửi ý kiến").click()
    await page.locator("#send-status").filter(has_text="Zalo").wait_for()
    assert mini_app.responses(poll_id) == 0
    await expiring.close()


HELP = "Tính cả suất ăn ca đêm"
OTHER_TEXT = "Mang cơm từ nhà"


async def test_help_text_other_answer_and_the_unit_s_question_box(
    browser: Browser, mini_app: MiniApp
) -> None:
    poll_id, code = mini_app.new_poll(
        questions=[
            {
                "kind": "single",
                "text": "Bạn ăn giữa ca ở đâu?",
                "help": HELP,
                "options": ["Nhà ăn", "Tại lò"],
                "other": "Nơi khác",
            },
            {"kind": "yes_no", "text": "Muốn thêm rau?"},
        ]
    )
    box = f"{mini_app.api}/hoi/than-mao-khe"
    context = await _zalo_phone(browser, TOKEN, code)
    page = await _open(context, mini_app, code)
    question = page.locator("fieldset").first
    assert await question.locator("p.help").inner_text() == HELP
    assert await question.get_attribute("aria-describedby") == (
        await question.locator("p.help").get_attribute("id")
    )
    other_field = question.locator("input.other-text")
    assert await other_field.get_attribute("aria-label") == "Nơi khác"
    assert not await other_field.is_visible()  # shown once "other" is chosen
    link = page.locator("#box-link")
    assert await link.inner_text() == "Hỏi công đoàn"
    assert await link.get_attribute("href") == box  # the poll's unit's box, nothing more
    await question.locator("label.choice", has_text="Nơi khác").locator("input").check()
    await other_field.fill(OTHER_TEXT)
    await page.get_by_label("Có").check()
    await screenshot(page, "zalo-mini-app-help-and-other")
    await page.get_by_role("button", name="Gửi ý kiến").click()
    await page.get_by_text("Cảm ơn bạn đã tham gia khảo sát!").wait_for()
    await screenshot(page, "zalo-mini-app-thanks-box-link")
    assert mini_app.responses(poll_id) == 1
    assert mini_app.other_texts(poll_id) == [OTHER_TEXT]

    thanks_link = page.locator("#box-link")
    assert await thanks_link.get_attribute("href") == box
    await thanks_link.click()
    opened = await page.evaluate("window.__zalo.opened")
    assert opened == [{"url": box, "style": "normal"}]  # in Zalo's webview, not away
    assert page.url.startswith(mini_app.page_url)

    # the page it opens is the unit's question box, in Vietnamese
    async with httpx.AsyncClient() as client:
        asked = await client.get(box, headers={"Accept-Language": "vi"})
    assert asked.status_code == 200
    assert "Công đoàn Công ty Than Mạo Khê" in asked.text
    await context.close()


def test_no_zalo_id_or_token_in_any_table_or_log_line(mini_app: MiniApp) -> None:
    """Runs after the answers above (pytest keeps the file's order)."""
    assert mini_app.fake.requests, "the tests above reached the fake Graph API"
    secrets = (ZALO_USER, OTHER_ZALO_USER, TOKEN, OTHER_TOKEN, "7766554433221100997")
    with contextlib.closing(sqlite3.connect(f"file:{mini_app.database}?mode=ro", uri=True)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 (names from the schema)
                text = " ".join(str(v) for v in row)
                for secret in secrets:
                    assert secret not in text, f"{secret} stored in {table}"
    logged = mini_app.log.read_text(errors="replace")
    for secret in secrets:
        assert secret not in logged


def test_the_shipped_bundle_names_no_consent_api_and_is_small(mini_app: MiniApp) -> None:
    """The build as deployed (the real SDK): our script imports exactly five SDK calls and
    names none that asks the worker for consent or personal data."""
    assets = sorted((mini_app.shipped / "assets").glob("*.js"))
    ours = [a for a in assets if a.name.startswith("index-")]
    sdk = [a for a in assets if a.name.startswith("zmp-sdk-")]
    assert len(ours) == 1
    assert len(sdk) == 1
    script = ours[0].read_text()
    for name in FORBIDDEN:
        assert name not in script
    (imported,) = re.findall(r'import\{([^}]*)\}from"\./zmp-sdk-[^"]+\.js"', script)
    # getAccessToken, getRouteParams, nativeStorage, onNetworkStatusChange, openWebview
    assert len(imported.split(",")) == 5
    assert re.findall(r"https?://[^\"'`\s)]+", script) == ["https://thamdo.example.vn"]
    html = (mini_app.shipped / "index.html").read_text()
    assert "--brand:#0b4f8a" in html  # the web form's stylesheet, inlined
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert [s.split("/")[-1].split("-")[0] for s in scripts] == ["index"]
    total = sum(p.stat().st_size for p in [mini_app.shipped / "index.html", *assets])
    print(f"\nZalo Mini App: {len(assets) + 1} files, {total} bytes")
    assert total < 200_000
