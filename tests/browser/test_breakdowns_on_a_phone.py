"""A leader reads a breakdown on a 360 px phone (Chromium): the page never scrolls sideways;
the heatmap keeps a readable size and scrolls in its own box, as does the cross table, whose
answer column stays in view; in both languages."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import Server, new_phone, screenshot


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_a_breakdown_reads_on_a_360_px_phone(
    browser: Browser, server: Server, language: str
) -> None:
    context = await new_phone(browser, locale="vi-VN" if language == "vi" else "en-US")
    page = await context.new_page()
    await page.goto(f"{server.url}/console/login?lang={language}")
    await page.fill("input[name=username]", "maokhe")
    await page.fill("input[name=password]", "thomo-1211")
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/console**")
    await page.goto(f"{server.url}/console/polls/{server.poll_id}/results?by=placement")
    assert await page.evaluate("innerWidth") == 360
    heatmap = page.locator("figure.chart.wide").first
    await heatmap.scroll_into_view_if_needed()
    await page.wait_for_function(
        "f => { const i = f.querySelector('img'); return i.complete && i.naturalWidth > 0 }",
        arg=await heatmap.element_handle(),
    )
    await expect(page.locator(".swipe").first).to_be_visible()
    # the page itself does not overflow: the wide things scroll inside their own boxes
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    box = await heatmap.evaluate(
        "f => [f.clientWidth, f.scrollWidth, f.querySelector('img').width]"
    )
    assert box[0] <= 360
    assert box[2] >= 700  # drawn near its own size (about 9 pt text), not shrunk to a third
    assert box[1] > box[0]  # it scrolls sideways in its box
    table = page.locator("table.cross").first
    await table.scroll_into_view_if_needed()
    scroller = table.locator("xpath=..")
    first = table.locator("tbody td").first
    before = await first.bounding_box()
    await scroller.evaluate("s => { s.scrollLeft = 400 }")
    after = await first.bounding_box()
    assert before is not None
    assert after is not None
    assert abs(after["x"] - before["x"]) < 1  # the answer column stays in view
    await screenshot(page, f"breakdown-phone-{language}")
    await context.close()
