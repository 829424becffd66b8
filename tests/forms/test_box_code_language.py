"""The question box's code page in the other language: its language switch shows the same
follow-up code in the language chosen, and only to the page that is showing it. A reload,
a page left and come back to, a grant past its ten minutes, another phone or another box
get the page without the code; the code is in no address, log line or stored value, and
the cookie that carries it stays sealed, for that page, and is cleared again."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from polls import privacy
from tests.conftest import World
from tests.forms.test_question_box import ask, code_of
from tests.traces import every_stored_value, everything_logged

SENT = "/hoi/mk-kt3/da-gui"
SWITCH = re.compile(
    r'<form class="lang" method="post" action="([^"]+)"><input type="hidden" name="sealed" '
    r'value="([^"]+)">'
)
WRITE_IT_DOWN = {"vi": "Hãy ghi lại mã này ngay", "en": "Write this code down now"}
SHOWN_ONCE = {
    "vi": "Mã theo dõi chỉ hiện một lần",
    "en": "Its follow-up code was shown once",
}


def switch_of(page: httpx.Response) -> tuple[str, str]:
    found = SWITCH.search(page.text)
    assert found, page.text[:800]
    return found.group(1), found.group(2)


async def switch(client: httpx.AsyncClient, page: httpx.Response) -> httpx.Response:
    """Tap the page's language switch as a browser does: its form posted, the redirect
    followed with the cookies it left."""
    action, sealed = switch_of(page)
    posted = await client.post(action, data={"sealed": sealed})
    assert posted.status_code == 303, posted.text[:300]
    return await client.get(posted.headers["location"])


def without_code(page: httpx.Response, code: str, locale: str = "vi") -> None:
    assert page.status_code == 200
    assert code not in page.text
    assert 'id="follow-code"' not in page.text
    assert 'name="sealed"' not in page.text  # and no grant to show it again
    assert SHOWN_ONCE[locale] in page.text


async def test_the_switch_shows_the_same_code_in_the_other_language_and_back(
    client: httpx.AsyncClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    shown = await ask(client)
    code = code_of(shown)
    assert WRITE_IT_DOWN["vi"] in shown.text
    action, sealed = switch_of(shown)
    assert action == f"{SENT}?lang=en"
    assert code not in sealed
    assert code.replace("-", "") not in sealed
    posted = await client.post(action, data={"sealed": sealed})
    assert posted.status_code == 303
    assert posted.headers["location"] == f"{SENT}?lang=en"
    # the cookie again: sealed, httponly, for that page only, with its own end
    cookie = posted.headers.get_list("set-cookie")
    [sent_cookie] = [c for c in cookie if c.startswith(f"{privacy.BOX_SENT_COOKIE}=")]
    assert code not in sent_cookie
    assert code.replace("-", "") not in sent_cookie
    assert f"path={SENT}" in sent_cookie.lower()
    assert "httponly" in sent_cookie.lower()
    assert f"max-age={privacy.BOX_SENT_FOR}" in sent_cookie.lower()
    english = await client.get(posted.headers["location"])
    assert english.status_code == 200
    assert code_of(english) == code
    assert WRITE_IT_DOWN["en"] in english.text
    assert WRITE_IT_DOWN["vi"] not in english.text
    assert 'lang="en"' in english.text
    assert "max-age=0" in english.headers["set-cookie"].lower()  # cleared again
    back = await switch(client, english)
    assert code_of(back) == code
    assert WRITE_IT_DOWN["vi"] in back.text
    # then the page is reloaded: the code is gone, in the language last chosen too
    without_code(await client.get(SENT), code)
    without_code(await client.get(f"{SENT}?lang=en"), code, "en")
    logs = everything_logged(caplog, capsys)
    assert code not in logs
    assert code.replace("-", "") not in logs
    for page in (shown, posted, english, back):
        assert code not in str(page.url)
        assert code not in page.headers.get("location", "")
    for table, column, value in await every_stored_value():
        assert code not in value, f"{table}.{column} holds the code"


async def test_a_page_left_shows_no_code_when_come_back_to(
    client: httpx.AsyncClient, world: World
) -> None:
    shown = await ask(client)
    code = code_of(shown)
    assert (await client.get("/hoi/mk-kt3")).status_code == 200  # the phone goes elsewhere
    back = await client.get(SENT)
    without_code(back, code)
    # its language link is a plain link: there is no grant left to post
    english = await client.get(f"{SENT}?lang=en")
    without_code(english, code, "en")


async def test_the_grant_ends_with_its_ten_minutes(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = await ask(client)
    code = code_of(shown)
    action, sealed = switch_of(shown)
    late = datetime.now(UTC) + timedelta(seconds=privacy.BOX_SENT_FOR + 1)
    monkeypatch.setattr("polls.forms.question_box.now", lambda: late)
    posted = await client.post(action, data={"sealed": sealed})
    assert posted.status_code == 303
    assert privacy.BOX_SENT_COOKIE not in posted.headers.get("set-cookie", "")
    without_code(await client.get(posted.headers["location"]), code, "en")


async def test_another_phone_or_box_or_a_forged_grant_gets_no_code(
    client: httpx.AsyncClient, world: World
) -> None:
    shown = await ask(client)
    code = code_of(shown)
    _, sealed = switch_of(shown)
    other = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
    async with other:
        without_code(await other.get(SENT), code)
        refused = await other.post(f"{SENT}?lang=en", data={})
        assert refused.status_code == 303
        without_code(await other.get(refused.headers["location"]), code, "en")
    # the grant is bound to its box; a broken or overlong one is no grant; none is a 500
    for path, grant in (
        ("/hoi/than-mao-khe/da-gui", sealed),
        (SENT, sealed[:-3] + "AAA"),
        (SENT, "không phải mã"),
        (SENT, sealed + "A" * 300),
    ):
        posted = await client.post(f"{path}?lang=en", data={"sealed": grant})
        assert posted.status_code == 303, (path, grant)
        assert privacy.BOX_SENT_COOKIE not in posted.headers.get("set-cookie", "")
        page = await client.get(posted.headers["location"])
        assert code not in page.text
    assert (await client.post("/hoi/khong-co/da-gui", data={"sealed": sealed})).status_code == 404
    crossed = await client.post(
        f"{SENT}?lang=en", data={"sealed": sealed}, headers={"Origin": "https://evil.example"}
    )
    assert crossed.status_code == 403
