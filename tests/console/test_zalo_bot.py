"""The console's Zalo Bot actions against the fake Zalo Bot API: posting a Zalo placement's
poll to its group from the poll page, sending the charts to leadership's Zalo group from the
results page; each a CSRF-protected POST that comes back with a localized message that
says group chats are a beta, and a plain note where the bot is not set up."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest

from tests.conftest import World, create_open_poll
from tests.console.conftest import answer, csrf_token, login, post_form
from tests.messengers.fake_zalo_bot import FakeZaloBot, serve

TOKEN = "1459232241454765289:test-ONLY-not-a-real-zalo-bot-token"
GROUP = "7b1c0de2a9f4413388aa"
LEADERS = "5a5a0c0ffee0ddba11ab"
FLASH = re.compile(r'<p class="flash (ok|error)" role="(?:status|alert)">([^<]*)</p>')


@pytest.fixture
def fake_bot() -> Iterator[FakeZaloBot]:
    yield from serve(FakeZaloBot(TOKEN, groups={GROUP, LEADERS}))


@pytest.fixture
async def zb(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], fake_bot: FakeZaloBot
) -> httpx.AsyncClient:
    return await make_client(
        base_url="https://polls.example.vn", zalo_bot_token=TOKEN, zalo_bot_api_base=fake_bot.url
    )


def flash_of(page: httpx.Response) -> tuple[str, str]:
    found = FLASH.search(page.text)
    assert found, "no message on the page"
    return found.group(1), found.group(2)


async def zalo_group(client: httpx.AsyncClient, poll_id: int, chat: str = GROUP) -> int:
    added = await post_form(
        client,
        f"/console/polls/{poll_id}/placements",
        {"label": "Nhóm Zalo KT3", "kind": "zalo", "unit": "", "chat_id": chat},
        from_page=f"/console/polls/{poll_id}",
    )
    assert added.status_code == 303, added.text
    page = await client.get(f"/console/polls/{poll_id}")
    ids = re.findall(r'action="/console/placements/(\d+)/zalo-post"', page.text)
    assert ids, "no post button"
    return int(ids[-1])


async def test_post_from_the_poll_page(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    poll = await create_open_poll(zb, world)
    await login(zb, "officer")
    zb.headers["accept-language"] = "vi"
    placement = await zalo_group(zb, poll.id)
    page = f"/console/polls/{poll.id}"
    shown = await zb.get(page)
    assert f"Nhóm Zalo: {GROUP}" in shown.text
    assert "beta" in shown.text
    posted = await post_form(zb, f"/console/placements/{placement}/zalo-post", from_page=page)
    assert posted.status_code == 303
    assert posted.headers["location"] == f"{page}#placements"
    kind, text = flash_of(await zb.get(page))
    assert kind == "ok"
    assert text.startswith(f"Đã đăng vào nhóm Zalo {GROUP}.")
    assert "beta" in text
    (sent,) = fake_bot.sent()
    assert sent["chat_id"] == GROUP
    fake_bot.groups.discard(GROUP)
    await post_form(zb, f"/console/placements/{placement}/zalo-post", from_page=page)
    kind, text = flash_of(await zb.get(page))
    assert kind == "error"
    assert "chưa là thành viên" in text
    assert "Bot Zalo không phải là thành viên của nhóm" in (await zb.get(page)).text


async def test_post_needs_the_csrf_token_and_a_role_that_runs_polls(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    poll = await create_open_poll(zb, world)
    await login(zb, "officer")
    placement = await zalo_group(zb, poll.id)
    forged = await zb.post(f"/console/placements/{placement}/zalo-post", data={})
    assert forged.status_code == 403
    shared = await zb.post(f"/console/polls/{poll.id}/zalo-share-results", data={"chat_id": GROUP})
    assert shared.status_code == 403
    await zb.post("/console/logout", data={"_csrf_token": csrf_token(await zb.get("/console"))})
    await login(zb, "mk-viewer")
    page = await zb.get(f"/console/polls/{poll.id}")
    assert "/zalo-post" not in page.text
    refused = await post_form(zb, f"/console/placements/{placement}/zalo-post")
    assert refused.status_code == 403
    await zb.post("/console/logout", data={"_csrf_token": csrf_token(await zb.get("/console"))})
    await login(zb, "outsider")
    hidden = await post_form(zb, f"/console/placements/{placement}/zalo-post")
    assert hidden.status_code == 404
    elsewhere = await post_form(
        zb, f"/console/polls/{poll.id}/zalo-share-results", {"chat_id": LEADERS}
    )
    assert elsewhere.status_code == 404
    assert fake_bot.sent() == []


async def test_leadership_sends_the_charts_to_its_zalo_group(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    poll = await create_open_poll(zb, world, min_group_size=3)
    for _ in range(3):
        await answer(zb, poll.code, poll.answers())
    await login(zb, "mk-viewer")
    zb.headers["accept-language"] = "vi"
    results = f"/console/polls/{poll.id}/results"
    form = await zb.get(results)
    assert f'action="/console/polls/{poll.id}/zalo-share-results"' in form.text
    assert "beta" in form.text
    shared = await post_form(
        zb, f"/console/polls/{poll.id}/zalo-share-results", {"chat_id": LEADERS}, from_page=results
    )
    assert shared.status_code == 303
    assert shared.headers["location"] == f"{results}#zalo-share"
    after = await zb.get(results)
    assert flash_of(after) == ("ok", f"Đã gửi 4 biểu đồ vào nhóm Zalo {LEADERS}.")
    assert len(FLASH.findall(after.text)) == 1  # on the Zalo card only
    assert [p["chat_id"] for p in fake_bot.sent("sendphoto")] == [LEADERS] * 4
    await post_form(
        zb, f"/console/polls/{poll.id}/zalo-share-results", {"chat_id": "nhóm lãnh đạo"}
    )
    kind, text = flash_of(await zb.get(results))
    assert kind == "error"
    assert "/id" in text


async def test_without_the_bot_the_pages_say_so(client: httpx.AsyncClient, world: World) -> None:
    client.headers["accept-language"] = "en"
    poll = await create_open_poll(client, world)
    await login(client, "officer")
    added = await post_form(
        client,
        f"/console/polls/{poll.id}/placements",
        {"label": "Nhóm", "kind": "zalo", "chat_id": GROUP},
        from_page=f"/console/polls/{poll.id}",
    )
    assert added.status_code == 303
    page = await client.get(f"/console/polls/{poll.id}")
    assert f"Zalo group: {GROUP}" in page.text
    assert "The Zalo Bot is not set up on this server, so it cannot post." in page.text
    assert "/zalo-post" not in page.text
    results = await client.get(f"/console/polls/{poll.id}/results")
    assert "ask the server's administrator" in results.text.replace("&#39;", "'")
    assert "ZALO_BOT_TOKEN" not in results.text  # only an administrator reads it
    assert "/zalo-share-results" not in results.text
