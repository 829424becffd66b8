"""The console's Telegram actions against the fake Bot API: publishing a Telegram placement
from the poll page, sharing the charts from the results page; each a CSRF-protected POST
that comes back with a localized message, and a plain note where Telegram is not set up."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest

from tests.conftest import World, create_open_poll
from tests.console.conftest import answer, csrf_token, login, post_form
from tests.messengers.conftest import BOT_TOKEN
from tests.messengers.fake_telegram import FakeTelegram, serve

FLASH = re.compile(r'<p class="flash (ok|error)" role="(?:status|alert)">([^<]*)</p>')


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    yield from serve(FakeTelegram(BOT_TOKEN))


@pytest.fixture
async def tg(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], fake_telegram: FakeTelegram
) -> httpx.AsyncClient:
    return await make_client(
        base_url="https://polls.example.vn",
        telegram_bot_token=BOT_TOKEN,
        telegram_bot_username="congdoan_test_bot",
        telegram_app_name="phieu",
        telegram_api_base=fake_telegram.url,
    )


def flash_of(page: httpx.Response) -> tuple[str, str]:
    found = FLASH.search(page.text)
    assert found, "no message on the page"
    return found.group(1), found.group(2)


async def telegram_group(client: httpx.AsyncClient, poll_id: int, chat: str) -> int:
    """A Telegram placement added through the console's own form."""
    added = await post_form(
        client,
        f"/console/polls/{poll_id}/placements",
        {"label": "Nhóm Telegram KT3", "kind": "telegram", "unit": "", "chat_id": chat},
        from_page=f"/console/polls/{poll_id}",
    )
    assert added.status_code == 303, added.text
    page = await client.get(f"/console/polls/{poll_id}")
    ids = re.findall(r'action="/console/placements/(\d+)/publish"', page.text)
    assert ids, "no publish button"
    return int(ids[-1])


async def test_publish_from_the_poll_page(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await create_open_poll(tg, world)
    await login(tg, "officer")
    tg.headers["accept-language"] = "vi"
    placement = await telegram_group(tg, poll.id, "-1001234567890")
    page = f"/console/polls/{poll.id}"
    published = await post_form(tg, f"/console/placements/{placement}/publish", from_page=page)
    assert published.status_code == 303
    assert published.headers["location"] == f"{page}#placements"
    after = await tg.get(page)
    assert flash_of(after) == ("ok", "Đã đăng vào nhóm Telegram -1001234567890.")
    (sent,) = fake_telegram.sent()
    assert sent["chat_id"] == -1001234567890
    # the message shows once
    assert FLASH.search((await tg.get(page)).text) is None

    fake_telegram.blocked.add(-1001234567890)
    await post_form(tg, f"/console/placements/{placement}/publish", from_page=page)
    kind, text = flash_of(await tg.get(page))
    assert kind == "error"
    assert "bị xoá hoặc bị chặn" in text
    assert "Lần trước bot đã bị xoá hoặc bị chặn ở đó" in (await tg.get(page)).text


async def test_publish_needs_the_csrf_token_and_a_role_that_runs_polls(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await create_open_poll(tg, world)
    await login(tg, "officer")
    placement = await telegram_group(tg, poll.id, "-100555")
    forged = await tg.post(f"/console/placements/{placement}/publish", data={})
    assert forged.status_code == 403
    await tg.post("/console/logout", data={"_csrf_token": csrf_token(await tg.get("/console"))})
    await login(tg, "mk-viewer")
    page = await tg.get(f"/console/polls/{poll.id}")
    assert "/publish" not in page.text
    refused = await post_form(tg, f"/console/placements/{placement}/publish")
    assert refused.status_code == 403
    assert fake_telegram.sent() == []


async def test_without_telegram_the_pages_say_so(client: httpx.AsyncClient, world: World) -> None:
    client.headers["accept-language"] = "en"
    poll = await create_open_poll(client, world)
    await login(client, "officer")
    added = await post_form(
        client,
        f"/console/polls/{poll.id}/placements",
        {"label": "Nhóm", "kind": "telegram", "chat_id": "@congdoan_kenh"},
        from_page=f"/console/polls/{poll.id}",
    )
    assert added.status_code == 303
    page = await client.get(f"/console/polls/{poll.id}")
    assert "Chat: @congdoan_kenh" in page.text
    assert "Telegram is not set up on this server, so the bot cannot post." in page.text
    assert "/publish" not in page.text
    results = await client.get(f"/console/polls/{poll.id}/results")
    assert "Telegram is not set up on this server" in results.text
    assert "/share-results" not in results.text
    # a form posted anyway gets the same words, not a failure
    shared = await post_form(
        client,
        f"/console/polls/{poll.id}/share-results",
        {"chat_id": "-100555"},
        from_page=f"/console/polls/{poll.id}/results",
    )
    assert shared.status_code == 303
    kind, text = flash_of(await client.get(f"/console/polls/{poll.id}/results"))
    assert kind == "error"
    assert "administrator" in text
    assert "TELEGRAM_BOT_TOKEN" not in text  # an operator's word, not a leader's


async def test_a_bad_chat_id_in_the_placement_form(tg: httpx.AsyncClient, world: World) -> None:
    tg.headers["accept-language"] = "en"
    poll = await create_open_poll(tg, world)
    await login(tg, "officer")
    refused = await post_form(
        tg,
        f"/console/polls/{poll.id}/placements",
        {"label": "Nhóm", "kind": "telegram", "chat_id": "our group"},
        from_page=f"/console/polls/{poll.id}",
    )
    assert refused.status_code == 422
    assert 'id="placement-chat_id-err"' in refused.text
    assert 'value="our group"' in refused.text


async def test_leadership_shares_the_charts_from_the_results_page(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await create_open_poll(tg, world, min_group_size=3)
    for _ in range(3):
        await answer(tg, poll.code, poll.answers())
    await login(tg, "mk-viewer")
    tg.headers["accept-language"] = "vi"
    results = f"/console/polls/{poll.id}/results"
    form = await tg.get(results)
    assert f'action="/console/polls/{poll.id}/share-results"' in form.text
    shared = await post_form(
        tg,
        f"/console/polls/{poll.id}/share-results",
        {"chat_id": "@lanhdao_kenh", "lang": "en"},
        from_page=results,
    )
    assert shared.status_code == 303
    assert shared.headers["location"] == f"{results}#share"
    assert flash_of(await tg.get(results)) == (
        "ok",
        "Đã gửi 4 biểu đồ vào nhóm Telegram @lanhdao_kenh.",
    )
    photos = fake_telegram.sent("sendphoto")
    assert [p["chat_id"] for p in photos] == ["@lanhdao_kenh"] * 4
    assert all("\nn = 3 · " in p["caption"] for p in photos)  # English, as asked

    await post_form(
        tg,
        f"/console/polls/{poll.id}/share-results",
        {"chat_id": "nhóm lãnh đạo"},
        from_page=results,
    )
    kind, text = flash_of(await tg.get(results))
    assert kind == "error"
    assert "@tên của kênh" in text
    assert len(fake_telegram.sent("sendphoto")) == 4


async def test_results_below_the_minimum_send_a_notice(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await create_open_poll(tg, world)
    await answer(tg, poll.code, poll.answers())
    await login(tg, "officer")
    tg.headers["accept-language"] = "en"
    results = f"/console/polls/{poll.id}/results"
    await post_form(
        tg, f"/console/polls/{poll.id}/share-results", {"chat_id": "-100777"}, from_page=results
    )
    kind, text = flash_of(await tg.get(results))
    assert kind == "ok"
    assert text.startswith("Results are not shown yet, so no chart was sent")
    assert fake_telegram.sent("sendphoto") == []
    assert len(fake_telegram.sent()) == 1
