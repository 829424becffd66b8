"""The admin's screens in Chromium, signed in as the demo's national admin: create an officer,
change their role and unit, reset their password, deactivate and reactivate them (each
time with the officer's own browser signed in and an API token of theirs, both stopping at
once), then add, rename, move and count a unit, with a cycle refused on the page, and read
it all back in the audit list. The demo's own officers are left as they were (other browser
tests sign in as them); everything here acts on accounts and units it creates."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PHONE, Server, screenshot
from tests.servers import Deployment

DESKTOP = {"width": 1366, "height": 900}
FIRST_PASSWORD = "mat-khau-ban-dau-1"


def issue_token(server: Server, username: str) -> str:
    """A token for the officer, from the command line on the server's database."""
    assert server.database is not None
    site = Deployment(server.database.parent, f"sqlite:///{server.database}")
    return site.run("issue-token", username).strip()


def api_status(server: Server, token: str) -> int:
    auth = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{server.url}/api/v1/polls", headers=auth).status_code


async def sign_in(context: BrowserContext, server: Server, username: str, password: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{server.url}/console/login?lang=vi")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("main button[type=submit]")
    await expect(page.locator("h1")).to_have_text("Khảo sát")
    return page


@pytest.fixture
async def admin(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport=DESKTOP, locale="vi-VN")
    yield context
    await context.close()


@pytest.fixture
async def officer_phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport=PHONE, locale="vi-VN")
    yield context
    await context.close()


async def still_signed_in(page: Page, server: Server) -> bool:
    await page.goto(f"{server.url}/console")
    return "/console/login" not in page.url


async def test_each_officer_action_and_its_effect_on_live_sessions_and_tokens(
    server: Server, admin: BrowserContext, officer_phone: BrowserContext
) -> None:
    username = f"bt-{secrets.token_hex(3)}"
    page = await sign_in(admin, server, "admin", "thomo-1211")
    await page.click("header >> text=Quản trị")
    await expect(page.locator("h1")).to_have_text("Cán bộ")
    await page.fill("#username", username)
    await page.fill("#display_name", "Phạm Văn Thử")
    await page.select_option("#unit", "mao-khe-khai-thac-3")
    await page.select_option("#role", "officer")
    await page.fill("#password", FIRST_PASSWORD)
    await page.click("#new-officer button[type=submit]")
    await expect(page.locator("h1")).to_contain_text("Phạm Văn Thử")
    await expect(page.locator(".flash")).to_contain_text(f"Đã tạo tài khoản cán bộ {username}")

    officer = await sign_in(officer_phone, server, username, FIRST_PASSWORD)
    token = issue_token(server, username)
    assert api_status(server, token) == 200

    # role and unit: the officer's next page shows them, the session carries on
    await page.select_option("#role", "viewer")
    await page.select_option("#unit", "mao-khe-co-dien")
    await page.click("#change button[type=submit]")
    await expect(page.locator(".flash")).to_contain_text("Đã lưu")
    await officer.goto(f"{server.url}/console")
    await expect(officer.locator("header .who")).to_contain_text("Lãnh đạo (chỉ xem)")
    await expect(officer.locator("header .who")).to_contain_text("Phân xưởng Cơ điện")

    # a generated password: shown once; the officer's session and token stop at once
    await page.check("input[name=how][value=generate]")
    await page.click("#reset button[type=submit]")
    await expect(page.locator("#new-password")).to_be_visible()
    password = (await page.locator("#new-password code").inner_text()).strip()
    await screenshot(page, "admin-password-shown-vi")
    assert not await still_signed_in(officer, server)
    assert api_status(server, token) == 401
    officer = await sign_in(officer_phone, server, username, password)
    token = issue_token(server, username)
    assert api_status(server, token) == 200

    # deactivate: the same; then reactivate, and the new password works again
    await page.goto(f"{server.url}/console/admin/officers/{username}")
    await page.click("#access button[type=submit]")
    await expect(page.locator(".flash")).to_contain_text("Đã vô hiệu hóa")
    await expect(page.locator("h1 .pill")).to_have_text("Đã vô hiệu hóa")
    assert not await still_signed_in(officer, server)
    assert api_status(server, token) == 401
    await page.click("#access button[type=submit]")
    await expect(page.locator(".flash")).to_contain_text("đã có thể đăng nhập lại")
    await sign_in(officer_phone, server, username, password)
    assert api_status(server, token) == 401  # ended tokens stay ended

    await page.click("text=← Cán bộ")
    await page.click("text=Nhật ký quản trị")
    rows = page.locator("tbody tr", has_text=username)
    await expect(rows).to_have_count(6)  # created, role, unit, reset, deactivated, reactivated
    await expect(page.locator("main")).not_to_contain_text(password)


async def test_each_unit_action_with_a_cycle_refused(server: Server, admin: BrowserContext) -> None:
    slug = f"to-{secrets.token_hex(3)}"
    page = await sign_in(admin, server, "admin", "thomo-1211")
    await page.goto(f"{server.url}/console/admin/units")
    await expect(page.locator("h1")).to_have_text("Đơn vị")
    await page.select_option("#parent", "mao-khe-khai-thac-5")
    await page.fill("#name", "Tổ Khai thác số 1")
    await page.fill("#slug", slug)
    await page.select_option("#kind", "workshop")
    await page.fill("#headcount", "35")
    await page.click("#new-unit button[type=submit]")
    await expect(page.locator(".flash")).to_contain_text("Đã thêm đơn vị Tổ Khai thác số 1")
    await page.click(f"a[href='/console/admin/units/{slug}']")
    await expect(page.locator("h1")).to_have_text("Tổ Khai thác số 1")
    await page.fill("#name", "Tổ KT số 1")
    await page.fill("#headcount", "36")
    await page.select_option("#parent", "mao-khe-van-tai")
    await page.click("#change button[type=submit]")
    await expect(page.locator(".flash")).to_have_text("Đã lưu.")
    await expect(page.locator("h1")).to_have_text("Tổ KT số 1")
    await expect(page.locator("#parent")).to_have_value("mao-khe-van-tai")

    # Vận tải lò under its own new team: not offered, and refused when forged
    await page.goto(f"{server.url}/console/admin/units/mao-khe-van-tai")
    await expect(page.locator(f"#parent option[value='{slug}']")).to_have_count(0)
    await page.evaluate(
        "slug => { const o = document.createElement('option'); o.value = slug;"
        " o.textContent = slug; document.querySelector('#parent').append(o); }",
        slug,
    )
    await page.select_option("#parent", slug)
    await page.fill("#name", "Không được đổi")
    await page.click("#change button[type=submit]")
    await expect(page.locator(".summary.error")).to_contain_text("Không có gì được lưu")
    await expect(page.locator("#parent-err")).to_contain_text("dưới chính nó")
    await screenshot(page, "admin-unit-cycle-refused-vi")
    await page.goto(f"{server.url}/console/admin/units/mao-khe-van-tai")
    await expect(page.locator("h1")).to_have_text("Công đoàn Phân xưởng Vận tải lò")

    await page.goto(f"{server.url}/console/admin/audit")
    for action in ("Thêm đơn vị", "Đổi tên đơn vị", "Chuyển đơn vị", "Đổi số người lao động"):
        await expect(page.locator("tbody tr", has_text=action).first).to_be_visible()


ADMIN_SCREENS = {
    "officers": "/console/admin/officers",
    "officer": "/console/admin/officers/maokhe",
    "units": "/console/admin/units",
    "unit": "/console/admin/units/than-mao-khe",
    "audit": "/console/admin/audit",
}


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_screens_on_desktop_and_phone(
    server: Server, browser: Browser, language: str
) -> None:
    """Every admin screen at 1366 and 360 px: one h1, nothing wider than the screen."""
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = await browser.new_context(viewport=viewport, locale="vi-VN")
        try:
            page = await sign_in(context, server, "admin", "thomo-1211")
            for screen, path in ADMIN_SCREENS.items():
                await page.goto(f"{server.url}{path}?lang={language}")
                await expect(page.locator("html")).to_have_attribute("lang", language)
                await expect(page.locator("h1")).to_have_count(1)
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], (screen, name, width)
                await screenshot(page, f"admin-{screen}-{name}-{language}")
        finally:
            await context.close()
