"""A real server on the demo data, and Debian's Chromium driven by Playwright at 360×640.

Browser tests need ``/usr/bin/chromium`` (or ``POLLS_CHROMIUM``). Where it is missing they
are skipped, unless ``POLLS_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a failure.
Screenshots go to ``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.servers import Deployment

CHROMIUM = os.environ.get("POLLS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 360, "height": 640}
TELEGRAM_BOT_TOKEN = "123456789:AAHtest-ONLY-not-a-real-bot-token_xyz"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("POLLS_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"POLLS_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@dataclass
class Server:
    url: str
    token: str
    code: str
    poll_id: int
    form: dict[str, Any]
    database: Path | None = None

    def responses(self) -> int:
        """Responses stored for the poll, read from the server's database: the API releases
        counts only in steps of at least k (``polls.disclosure``), never one answer."""
        assert self.database is not None
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            (count,) = db.execute(
                'SELECT COUNT(*) FROM "response" WHERE "poll" = ?', (self.poll_id,)
            ).fetchone()
        return int(count)

    def question(self, kind: str) -> dict[str, Any]:
        return next(q for q in self.form["questions"] if q["kind"] == kind)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("browser")
    site = Deployment(
        workdir,
        f"sqlite:///{workdir / 'polls.sqlite3'}",
        extra_env={
            # the Mini App tests sign launch data with this token; the Bot API is never called
            "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
            "TELEGRAM_BOT_USERNAME": "congdoan_test_bot",
            "TELEGRAM_APP_NAME": "phieu",
            "TELEGRAM_WEBHOOK_SECRET": "browser-webhook-secret",
            "TELEGRAM_API_BASE": "http://127.0.0.1:9",
        },
    )
    site.run("demo")
    site.start()
    try:
        token = site.run("issue-token", "maokhe")
        auth = {"Authorization": f"Bearer {token}"}
        polls = httpx.get(f"{site.url}/api/v1/polls", headers=auth).json()
        poll = next(p for p in polls if p["status"] == "open")
        placements = httpx.get(f"{site.url}/api/v1/polls/{poll['id']}/placements", headers=auth)
        code = placements.json()[0]["code"]
        form = httpx.get(f"{site.url}/api/v1/forms/{code}").json()
        yield Server(site.url, token, code, poll["id"], form, workdir / "polls.sqlite3")
    finally:
        site.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        await launched.close()


async def new_phone(
    browser: Browser, *, javascript: bool = True, locale: str = "vi-VN"
) -> BrowserContext:
    return await browser.new_context(
        viewport=PHONE,
        java_script_enabled=javascript,
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
    )


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await new_phone(browser)
    yield context
    await context.close()


@pytest.fixture
async def phone_without_js(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await new_phone(browser, javascript=False)
    yield context
    await context.close()


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
