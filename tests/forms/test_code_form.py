"""The printed one-time code on the worker's plain HTML form (no JavaScript) and in the
console: the field, its prefill from the slip's QR (``?c=``), its errors in the worker's
language with the answers kept, and the officer's print button behind the session, the
role and the CSRF token."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable

import httpx
import pytest

from polls import tables as t
from polls.sharing import codes
from tests.api.test_codes import SLIP_CODE, code_poll, print_codes
from tests.conftest import World, snapshot
from tests.console.conftest import csrf_token, login, post_form
from tests.forms.test_pages import form_data
from tests.sharing.tools import pdf_text


@pytest.fixture
async def site(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_ip=0, rate_limit_per_device=0)


def _code_value(page: httpx.Response) -> str:
    found = re.search(r'<input type="text" id="code" name="code" value="([^"]*)"', page.text)
    assert found, "no code field"
    return html.unescape(found.group(1))


async def test_the_form_asks_for_the_code_and_takes_it_from_the_slips_qr(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, placement = await code_poll(site, world)
    _, printed = await print_codes(site, world, placement, 2)
    blank = await site.get(f"/p/{poll.code}", headers={"Accept-Language": "vi"})
    assert blank.status_code == 200
    assert "Mã dùng một lần của bạn" in blank.text
    assert _code_value(blank) == ""
    scanned = await site.get(f"/p/{poll.code}?c={printed[0]}")
    assert _code_value(scanned) == printed[0]
    assert scanned.headers["cache-control"] == "no-store"
    assert scanned.headers["referrer-policy"] == "no-referrer"
    hostile = await site.get(f"/p/{poll.code}", params={"c": '"><script>x</script>'})
    assert "<script>x" not in hostile.text


async def test_a_shared_phone_answers_once_per_code_without_javascript(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, placement = await code_poll(site, world)
    _, printed = await print_codes(site, world, placement, 2)
    headers = {"Accept-Language": "vi"}
    for code in printed:  # the same phone (same cookies), two people, two slips
        sent = await site.post(
            f"/p/{poll.code}", data={**form_data(poll), "code": code.lower()}, headers=headers
        )
        assert sent.status_code == 303, sent.text
        again = await site.get(f"/p/{poll.code}", headers=headers)
        assert "Mã dùng một lần của bạn" in again.text  # never "this phone has answered"
    assert await t.Response.count().where(t.Response.poll == poll.id) == 2

    before = await snapshot()
    used = await site.post(
        f"/p/{poll.code}", data={**form_data(poll), "code": printed[0]}, headers=headers
    )
    assert used.status_code == 409
    assert "Mã này đã được dùng" in used.text
    assert 'id="code-err"' in used.text
    assert "Cần thêm loa ở nhà ăn" in used.text  # the answers are kept to send with another
    assert await snapshot() == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the code printed on your slip."),
        ("ABCD", "This code is mistyped"),
        ("unknown", "This code is not one of this poll's codes."),
    ],
)
async def test_a_wrong_code_comes_back_with_the_answers_and_an_english_message(
    site: httpx.AsyncClient, world: World, typed: str, message: str
) -> None:
    poll, placement = await code_poll(site, world)
    await print_codes(site, world, placement, 1)
    if typed == "unknown":
        typed = codes.new_slip_code()
    before = await snapshot()
    refused = await site.post(
        f"/p/{poll.code}",
        data={**form_data(poll, q0=None), "code": typed},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 422
    assert message in html.unescape(refused.text)
    assert 'aria-invalid="true"' in refused.text
    single = poll.questions[0]["id"]
    assert f'id="q{single}-err"' in refused.text  # the answers' errors come together
    assert _code_value(refused) == typed
    assert await snapshot() == before


async def test_the_console_prints_codes_for_runners_with_the_csrf_token(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, placement = await code_poll(site, world)
    site.headers["accept-language"] = "vi"
    await login(site, "officer")
    page = await site.get(f"/console/polls/{poll.id}")
    assert f'action="/console/placements/{placement}/codes.pdf"' in page.text
    assert "In mã (PDF A4, 16 phiếu một trang)" in page.text
    forged = await site.post(f"/console/placements/{placement}/codes.pdf", data={"count": "3"})
    assert forged.status_code == 403
    assert await t.PrintedCode.count() == 0
    sheet = await post_form(
        site,
        f"/console/placements/{placement}/codes.pdf",
        {"count": "3"},
        from_page=f"/console/polls/{poll.id}",
    )
    assert sheet.status_code == 201 or sheet.status_code == 200
    assert sheet.headers["content-type"] == "application/pdf"
    assert sheet.headers["cache-control"] == "no-store"
    assert len(SLIP_CODE.findall(pdf_text(sheet.content))) == 3
    assert await t.PrintedCode.count() == 3
    too_many = await post_form(
        site,
        f"/console/placements/{placement}/codes.pdf",
        {"count": "9999"},
        from_page=f"/console/polls/{poll.id}",
    )
    assert too_many.status_code == 303
    shown = await site.get(too_many.headers["location"])
    assert "Chọn từ 1 đến 500 mã cho một lần in." in shown.text
    assert await t.PrintedCode.count() == 3

    await site.post("/console/logout", data={"_csrf_token": csrf_token(await site.get("/console"))})
    await login(site, "mk-viewer")
    page = await site.get(f"/console/polls/{poll.id}")
    assert "/codes.pdf" not in page.text
    refused = await post_form(site, f"/console/placements/{placement}/codes.pdf", {"count": "3"})
    assert refused.status_code == 403
    await site.post("/console/logout", data={"_csrf_token": csrf_token(await site.get("/console"))})
    await login(site, "outsider")
    hidden = await post_form(site, f"/console/placements/{placement}/codes.pdf", {"count": "3"})
    assert hidden.status_code == 404
    assert await t.PrintedCode.count() == 3
