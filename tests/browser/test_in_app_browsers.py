"""The form inside Facebook's and Zalo's in-app browsers (Android WebView), as Chromium with
their user agents: answered and sent, with and without web storage (a WebView may have DOM
storage off), every request to our own server and none elsewhere, no script error; and the
page's link preview tags as those apps' crawlers get them."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import PHONE, Server, screenshot
from tests.browser.test_form import fill_every_kind, send

pytestmark = pytest.mark.browser

IN_APP = {
    "facebook": (
        "Mozilla/5.0 (Linux; Android 10; SM-A105F Build/QP1A.190711.020; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile "
        "Safari/537.36 [FB_IAB/FB4A;FBAV/446.0.0.35.109;]"
    ),
    "zalo": (
        "Mozilla/5.0 (Linux; Android 11; Redmi Note 8 Build/RKQ1.201004.002; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile "
        "Safari/537.36 Zalo android/12100692 ZaloTheme/light ZaloLanguage/vi"
    ),
}
NO_STORAGE = """
Object.defineProperty(window, 'localStorage', {
  get() { throw new DOMException('The operation is insecure.', 'SecurityError'); }
});
"""


@pytest.mark.parametrize("storage", [True, False], ids=["storage", "no-storage"])
@pytest.mark.parametrize("app", sorted(IN_APP))
async def test_the_form_in_an_in_app_browser(
    server: Server, browser: Browser, app: str, storage: bool
) -> None:
    context = await browser.new_context(
        viewport=PHONE,
        user_agent=IN_APP[app],
        locale="vi-VN",
        extra_http_headers={"Accept-Language": "vi-VN"},
        is_mobile=True,
        has_touch=True,
    )
    if not storage:
        await context.add_init_script(NO_STORAGE)
    page = await context.new_page()
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    before = server.responses()
    await page.goto(f"{server.url}/p/{server.code}")
    await expect(page.locator("button[type=submit]")).to_have_text("Gửi ý kiến")
    await fill_every_kind(page, server)
    if storage:
        await screenshot(page, f"in-app-{app}")
    await send(page)
    await page.wait_for_url("**/thanks*")
    await expect(page.locator("h2")).to_have_text("Cảm ơn bạn đã tham gia khảo sát!")
    await context.close()
    assert server.responses() == before + 1
    assert errors == []
    ours = urlsplit(server.url).netloc
    assert requested
    assert {urlsplit(url).netloc for url in requested if not url.startswith("data:")} == {ours}


def test_the_preview_as_those_apps_fetch_it(server: Server) -> None:
    for agent in (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        IN_APP["zalo"],
    ):
        page = httpx.get(f"{server.url}/p/{server.code}", headers={"User-Agent": agent})
        assert page.status_code == 200
        head = page.text.split("</head>", 1)[0]
        assert f'<meta property="og:url" content="{server.url}/p/{server.code}">' in head
        assert f'<meta property="og:image" content="{server.url}/p/{server.code}/card.png">' in head
        assert "<script" not in head
        # the first card of a process imports matplotlib: seconds on a loaded machine
        card = httpx.get(
            f"{server.url}/p/{server.code}/card.png", headers={"User-Agent": agent}, timeout=60
        )
        assert card.status_code == 200
        assert card.headers["content-type"] == "image/png"
