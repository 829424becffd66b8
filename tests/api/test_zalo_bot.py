"""The Zalo Bot end to end through the app, against the fake Zalo Bot API on 127.0.0.1: a
poll's invitation posted to a Zalo group, "khảo sát" answered in a private chat, released
charts sent to leadership's group (their photos fetched back by their signed URLs), 429 and
5xx waited out, the webhook's secret, an event handled once across two app instances, and a
scan that no person's Zalo id reached a table or a log line."""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from itertools import pairwise
from typing import Any

import httpx
import pytest

from polls import tables as t
from tests.conftest import (
    OpenPoll,
    World,
    add_placement,
    answer_as_new_device,
    create_draft_poll,
    create_open_poll,
)
from tests.messengers.conftest import FakeClock
from tests.messengers.fake_zalo_bot import FakeZaloBot, flood, serve, trouble
from tests.traces import every_stored_value, everything_logged

BOT_TOKEN = "1459232241454765289:test-ONLY-not-a-real-zalo-bot-token"
WEBHOOK_SECRET = "zalo-bot-secret_0123456789"
PERSON_CHAT = "e4ea2cd5189df1c3a88c"
"""A private chat's id: its person's Zalo id."""
GROUP_CHAT = "7b1c0de2a9f4413388aa"
LEADERS_CHAT = "5a5a0c0ffee0ddba11ab"
BASE_URL = "https://polls.example.vn"
MINI_APP_ID = "3141592653589793238"
MESSAGE_IDS = itertools.count(1)


@pytest.fixture
def fake_bot() -> Iterator[FakeZaloBot]:
    fake = FakeZaloBot(BOT_TOKEN, groups={GROUP_CHAT, LEADERS_CHAT}, people={PERSON_CHAT})
    yield from serve(fake)


def bot_settings(fake: FakeZaloBot, **changes: Any) -> dict[str, Any]:
    return {
        "base_url": BASE_URL,
        "zalo_bot_token": BOT_TOKEN,
        "zalo_bot_webhook_secret": WEBHOOK_SECRET,
        "zalo_bot_api_base": fake.url,
        **changes,
    }


@pytest.fixture
async def zb(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], fake_bot: FakeZaloBot
) -> httpx.AsyncClient:
    return await make_client(**bot_settings(fake_bot))


def event(
    text: str,
    chat_id: str = PERSON_CHAT,
    chat_type: str = "PRIVATE",
    message_id: str | None = None,
    wrapped: bool = False,
    date: int | None = None,
) -> dict[str, Any]:
    body = {
        "event_name": "message.text.received",
        "message": {
            "message_id": message_id or f"{next(MESSAGE_IDS):020x}",
            "date": int(time.time() * 1000) if date is None else date,
            "text": text,
            "chat": {"id": chat_id, "chat_type": chat_type},
            "from": {"id": PERSON_CHAT, "display_name": "Nguyễn Văn An", "is_bot": False},
        },
    }
    return {"ok": True, "result": body} if wrapped else body


def hook(secret: str | None = WEBHOOK_SECRET) -> dict[str, str]:
    return {"X-Bot-Api-Secret-Token": secret} if secret is not None else {}


async def zalo_group(client: httpx.AsyncClient, world: World, poll_id: int) -> dict[str, Any]:
    return await add_placement(
        client, world, poll_id, "Nhóm Zalo PX Khai thác 3", kind="zalo", chat_id=GROUP_CHAT
    )


# --- the invitation ------------------------------------------------------------------------


async def test_an_invitation_is_posted_to_the_group_with_the_polls_link(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    poll = await create_open_poll(zb, world)
    group = await zalo_group(zb, world, poll.id)
    posted = await zb.post(
        f"/api/v1/placements/{group['id']}/zalo-post",
        headers={**world.auth("officer"), "Accept-Language": "en"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["chat_id"] == GROUP_CHAT
    assert "beta" in posted.json()["beta"]
    assert fake_bot.paths == [f"/bot{BOT_TOKEN}/sendMessage"]
    (params,) = fake_bot.sent()
    assert params["chat_id"] == GROUP_CHAT
    text = params["text"]
    assert text.startswith("Bạn nhận thông tin công đoàn qua kênh nào?")
    assert "Công đoàn Công ty Than Mạo Khê" in text
    assert "ẩn danh" in text  # in the poll's language, whatever the officer's
    assert text.endswith(f"{BASE_URL}/p/{group['code']}")


async def test_with_a_mini_app_the_invitation_opens_it(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
    world: World,
    fake_bot: FakeZaloBot,
) -> None:
    client = await make_client(**bot_settings(fake_bot, zalo_mini_app_id=MINI_APP_ID))
    poll = await create_open_poll(client, world)
    group = await zalo_group(client, world, poll.id)
    posted = await client.post(
        f"/api/v1/placements/{group['id']}/zalo-post", headers=world.auth("officer")
    )
    assert posted.status_code == 201, posted.text
    (params,) = fake_bot.sent()
    assert params["text"].endswith(f"https://zalo.me/s/{MINI_APP_ID}/?k={group['code']}")


async def test_invitation_refusals(
    zb: httpx.AsyncClient,
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
    world: World,
    fake_bot: FakeZaloBot,
) -> None:
    auth = {**world.auth("officer"), "Accept-Language": "vi"}
    poll = await create_open_poll(zb, world)
    canteen = await zb.get(f"/api/v1/polls/{poll.id}/placements", headers=auth)
    not_zalo = await zb.post(
        f"/api/v1/placements/{canteen.json()[0]['id']}/zalo-post", headers=auth
    )
    assert not_zalo.status_code == 422
    assert "Zalo" in not_zalo.json()["errors"]["chat_id"]
    bad = await zb.post(
        f"/api/v1/polls/{poll.id}/placements",
        json={"label": "x", "kind": "zalo", "chat_id": "không phải mã"},
        headers=auth,
    )
    assert bad.status_code == 422
    assert "/id" in bad.json()["errors"]["chat_id"]
    # a group the bot is not a member of: marked, and a clear 409
    stranger = await add_placement(zb, world, poll.id, "Nhóm lạ", kind="zalo", chat_id="0ddc0ffee")
    refused = await zb.post(f"/api/v1/placements/{stranger['id']}/zalo-post", headers=auth)
    assert refused.status_code == 409
    assert "thành viên" in refused.json()["detail"]
    row = await t.Placement.select(t.Placement.chat_unreachable).where(
        t.Placement.id == stranger["id"]
    )
    assert row == [{"chat_unreachable": True}]
    # a viewer may not post; an officer of another unit does not see the placement
    group = await zalo_group(zb, world, poll.id)
    viewer = await zb.post(
        f"/api/v1/placements/{group['id']}/zalo-post", headers=world.auth("mk_viewer")
    )
    assert viewer.status_code == 403
    outsider = await zb.post(
        f"/api/v1/placements/{group['id']}/zalo-post", headers=world.auth("outsider")
    )
    assert outsider.status_code == 404
    # a poll answered only in a messenger's app, without a Mini App to open: its web link
    # would lead nowhere
    only_app = await create_open_poll(zb, world, duplicate_policy="messenger")
    app_group = await zalo_group(zb, world, only_app.id)
    no_app = await zb.post(f"/api/v1/placements/{app_group['id']}/zalo-post", headers=auth)
    assert no_app.status_code == 409
    assert "Zalo Mini App" in no_app.json()["detail"]
    assert "ZALO_MINI_APP_ID" not in no_app.json()["detail"]  # an operator's word
    # a closed poll is not posted
    await zb.post(f"/api/v1/polls/{poll.id}/close", headers=auth)
    closed = await zb.post(f"/api/v1/placements/{group['id']}/zalo-post", headers=auth)
    assert closed.status_code == 409
    # without the bot's token: a clear 503 naming the setting
    client = await make_client(base_url=BASE_URL)
    poll2 = await create_open_poll(client, world)
    group2 = await zalo_group(client, world, poll2.id)
    off = await client.post(f"/api/v1/placements/{group2['id']}/zalo-post", headers=auth)
    assert off.status_code == 503
    assert "quản trị viên" in off.json()["detail"]  # the administrator, in the words of a leader
    assert "ZALO_BOT_TOKEN" not in off.json()["detail"]
    assert [p for p in fake_bot.sent() if p["chat_id"] == GROUP_CHAT] == []


# --- flood control and server trouble ------------------------------------------------------


async def test_429_and_5xx_are_waited_out_then_sent_once(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = await create_open_poll(zb, world)
    group = await zalo_group(zb, world, poll.id)
    fake_bot.fail_next += [flood(1), trouble(502)]
    # the scheduler's clock is the test's: waiting advances it, nothing really sleeps (the
    # wall clock it reads by default could step, or a real sleep end a hair early)
    scheduler = zb.app.state.zalo_bot.bot.scheduler  # type: ignore[attr-defined]
    clock = FakeClock(time.time())
    monkeypatch.setattr(scheduler, "_clock", clock)
    monkeypatch.setattr(scheduler, "_sleep", clock.sleep)
    started = clock.now
    posted = await zb.post(
        f"/api/v1/placements/{group['id']}/zalo-post", headers=world.auth("officer")
    )
    assert posted.status_code == 201, posted.text
    assert clock.now - started >= 1 + 2, clock.waits  # Retry-After: 1, then 2 s after the 502
    assert [name for name, _ in fake_bot.calls] == ["sendmessage"] * 3
    assert fake_bot.messages == 1


async def test_a_server_that_keeps_failing_is_a_503(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    poll = await create_open_poll(zb, world)
    group = await zalo_group(zb, world, poll.id)
    fake_bot.fail_next += [trouble(500), trouble(503), trouble(502)]
    posted = await zb.post(
        f"/api/v1/placements/{group['id']}/zalo-post",
        headers={**world.auth("officer"), "Accept-Language": "en"},
    )
    assert posted.status_code == 503, posted.text
    assert "Zalo could not be reached" in posted.json()["detail"]
    assert fake_bot.messages == 0


async def test_a_long_retry_after_is_not_waited(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    poll = await create_open_poll(zb, world)
    group = await zalo_group(zb, world, poll.id)
    fake_bot.fail_next.append(flood(3600))
    started = time.monotonic()
    posted = await zb.post(
        f"/api/v1/placements/{group['id']}/zalo-post", headers=world.auth("officer")
    )
    assert time.monotonic() - started < 10
    assert posted.status_code == 409, posted.text
    assert len(fake_bot.calls) == 1


# --- "khảo sát" ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["khảo sát", "KHẢO SÁT", "Khao sat", "kha\u0309o sa\u0301t", "cho tôi xem khảo sát"]
)
async def test_khao_sat_in_a_private_chat_gets_the_open_polls(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot, text: str
) -> None:
    poll = await create_open_poll(zb, world)
    await create_open_poll(zb, world, title="Bữa ăn giữa ca", duplicate_policy="messenger")
    sent = await zb.post("/webhooks/zalo-bot", json=event(text), headers=hook())
    assert sent.status_code == 200, sent.text
    (reply,) = fake_bot.sent()
    assert reply["chat_id"] == PERSON_CHAT
    assert "Bạn nhận thông tin công đoàn qua kênh nào?" in reply["text"]
    assert "ẩn danh" in reply["text"]
    # a poll answered only in a messenger's app is not offered as a web link
    assert "Bữa ăn giữa ca" not in reply["text"]
    zalo_placement = await t.Placement.select(t.Placement.code).where(
        t.Placement.poll == poll.id, t.Placement.kind == "zalo"
    )
    assert f"{BASE_URL}/p/{zalo_placement[0]['code']}" in reply["text"]


async def test_other_messages_and_groups_get_no_poll_list(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    await create_open_poll(zb, world)
    for body in (
        event("xin chào"),
        event("khảo sát", chat_id=GROUP_CHAT, chat_type="GROUP"),
        {**event("khảo sát"), "event_name": "message.sticker.received"},
    ):
        assert (await zb.post("/webhooks/zalo-bot", json=body, headers=hook())).status_code == 200
    assert fake_bot.sent() == []
    # /id in a group tells the group's id, for the console
    told = await zb.post(
        "/webhooks/zalo-bot",
        json=event("/id", chat_id=GROUP_CHAT, chat_type="GROUP", wrapped=True),
        headers=hook(),
    )
    assert told.status_code == 200
    (reply,) = fake_bot.sent()
    assert reply["chat_id"] == GROUP_CHAT
    assert GROUP_CHAT in reply["text"]
    # ... but not in a private chat: a person's id is never echoed
    await zb.post("/webhooks/zalo-bot", json=event("/id"), headers=hook())
    assert len(fake_bot.sent()) == 1


# --- the webhook -----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET[:-1]])
async def test_the_webhook_refuses_a_missing_or_wrong_secret(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot, secret: str | None
) -> None:
    await create_open_poll(zb, world)
    sent = await zb.post("/webhooks/zalo-bot", json=event("khảo sát"), headers=hook(secret))
    assert sent.status_code == 401
    assert sent.json()["detail"]
    assert fake_bot.sent() == []
    assert await t.ZaloEvent.count() == 0


async def test_the_webhook_without_settings_is_503(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], fake_bot: FakeZaloBot
) -> None:
    for settings in ({}, bot_settings(fake_bot, zalo_bot_webhook_secret="")):
        client = await make_client(**settings)
        sent = await client.post("/webhooks/zalo-bot", json=event("khảo sát"), headers=hook())
        assert sent.status_code == 503


async def test_an_unreadable_or_stale_event_is_acknowledged_and_ignored(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    await create_open_poll(zb, world)
    day_old = int((time.time() - 2 * 24 * 3600) * 1000)
    for body in (b"{", b"[]", b'{"event_name": 1}', json.dumps(event("khảo sát", date=day_old))):
        sent = await zb.post(
            "/webhooks/zalo-bot",
            content=body,
            headers={**hook(), "Content-Type": "application/json"},
        )
        assert sent.status_code == 200, sent.text
    assert fake_bot.sent() == []


async def test_the_same_event_twice_is_handled_once_across_two_app_instances(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
    world: World,
    fake_bot: FakeZaloBot,
) -> None:
    first = await make_client(**bot_settings(fake_bot))
    second = await make_client(**bot_settings(fake_bot))
    await create_open_poll(first, world)
    again = event("khảo sát", message_id="16f6366b3f02645a3d15")
    for app, body in ((first, again), (second, again), (first, {"ok": True, "result": again})):
        sent = await app.post("/webhooks/zalo-bot", json=body, headers=hook())
        assert sent.status_code == 200, sent.text
    assert len(fake_bot.sent()) == 1
    await second.post("/webhooks/zalo-bot", json=event("khảo sát"), headers=hook())
    assert len(fake_bot.sent()) == 2
    assert await t.ZaloEvent.count() == 2


# --- results to leadership's group ---------------------------------------------------------


async def answered_poll(client: httpx.AsyncClient, world: World, responses: int) -> OpenPoll:
    poll = await create_open_poll(client, world, min_group_size=3)
    for i in range(responses):
        sent = await answer_as_new_device(client, poll.code, poll.answers(f"Ý kiến {i}"))
        assert sent.status_code == 201, sent.text
    return poll


def share(poll_id: int, chat_id: str = LEADERS_CHAT, **fields: Any) -> dict[str, Any]:
    return {
        "url": f"/api/v1/polls/{poll_id}/zalo-share-results",
        "json": {"chat_id": chat_id, **fields},
    }


async def test_results_go_to_the_group_as_the_released_charts(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    poll = await answered_poll(zb, world, 3)
    auth = {**world.auth("viewer"), "Accept-Language": "vi"}
    shared = await zb.post(**share(poll.id), headers=auth)
    assert shared.status_code == 200, shared.text
    body = shared.json()
    assert (body["charts"], body["notice"], body["complete"]) == (4, False, True)
    photos = fake_bot.sent("sendphoto")
    charted = [q for q in poll.questions if q["kind"] != "text"]
    assert len(photos) == len(charted) == 4
    for params, question in zip(photos, charted, strict=True):
        assert params["chat_id"] == LEADERS_CHAT
        title, asked, facts = params["caption"].split("\n")
        assert title == "Bạn nhận thông tin công đoàn qua kênh nào?"
        assert asked == f"{question['position'] + 1}. {question['text']}"
        assert facts.startswith("n = 3 · ")
        assert params["photo"].startswith(f"{BASE_URL}/shared/charts/")
        # what Zalo fetches is the released chart the results page shows
        photo = await zb.get(params["photo"].removeprefix(BASE_URL))
        assert photo.status_code == 200
        assert photo.headers["content-type"] == "image/png"
        page_chart = await zb.get(
            f"/api/v1/polls/{poll.id}/charts/{question['id']}.png?lang=vi",
            headers=world.auth("viewer"),
        )
        assert photo.content == page_chart.content
    assert not any("Ý kiến" in p["caption"] for p in photos)  # free text never
    moments = [moment for moment, _ in fake_bot.arrivals]
    assert all(b - a >= 0.9 for a, b in pairwise(moments))  # one a second to one chat


async def test_below_the_minimum_only_a_notice_is_sent(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot
) -> None:
    poll = await answered_poll(zb, world, 2)
    shared = await zb.post(**share(poll.id, lang="en"), headers=world.auth("officer"))
    assert shared.status_code == 200, shared.text
    assert (shared.json()["charts"], shared.json()["notice"]) == (0, True)
    assert fake_bot.sent("sendphoto") == []
    (notice,) = fake_bot.sent()
    assert "3" in notice["text"]


async def test_a_chart_url_is_signed_and_expires(
    zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from polls.services import zalo_bot

    poll = await answered_poll(zb, world, 3)
    assert (await zb.post(**share(poll.id), headers=world.auth("officer"))).status_code == 200
    url = fake_bot.sent("sendphoto")[0]["photo"].removeprefix(BASE_URL)
    token = url.removeprefix("/shared/charts/").removesuffix(".png")
    poll_id, question_id, lang, expires, signature = token.split(".")
    other_question = poll.questions[1]["id"]
    for bad in (
        f"{poll_id}.{other_question}.{lang}.{expires}.{signature}",
        f"{poll_id}.{question_id}.en.{expires}.{signature}",
        f"{poll_id}.{question_id}.{lang}.{int(expires) + 1}.{signature}",
        f"{poll_id}.{question_id}.{lang}.{expires}.{'0' * 32}",
        f"{poll_id}.{question_id}.{lang}.{expires}",
        "x",
    ):
        assert (await zb.get(f"/shared/charts/{bad}.png")).status_code == 404, bad
    assert (await zb.get(f"/shared/charts/{token}.svg")).status_code == 404
    later = time.time() + zalo_bot.PHOTO_LIFETIME + 1
    monkeypatch.setattr(zalo_bot.time, "time", lambda: later)
    assert (await zb.get(url)).status_code == 404


async def test_share_refusals(zb: httpx.AsyncClient, world: World, fake_bot: FakeZaloBot) -> None:
    poll = await answered_poll(zb, world, 3)
    auth = {**world.auth("officer"), "Accept-Language": "vi"}
    bad = await zb.post(**share(poll.id, "có dấu cách", lang="fr"), headers=auth)
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"chat_id", "lang"}
    outsider = await zb.post(**share(poll.id), headers=world.auth("outsider"))
    assert outsider.status_code == 404
    stranger = await zb.post(**share(poll.id, "0ddc0ffee"), headers=auth)
    assert stranger.status_code == 409
    # refused after the first chart: what was sent is the answer, with why the rest was not
    fake_bot.fail_next += [None, (400, {"ok": False, "error_code": 400, "description": "x"})]
    partial = await zb.post(**share(poll.id), headers=auth)
    assert partial.status_code == 200, partial.text
    assert (partial.json()["charts"], partial.json()["complete"]) == (1, False)
    assert partial.json()["detail"]
    draft = await create_draft_poll(zb, world)
    nothing = await zb.post(**share(draft["id"]), headers=auth)
    assert nothing.status_code == 409
    assert "nháp" in nothing.json()["detail"]


# --- anonymity -----------------------------------------------------------------------------


async def test_no_persons_zalo_id_in_any_table_or_log_line(
    zb: httpx.AsyncClient,
    world: World,
    fake_bot: FakeZaloBot,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    poll = await answered_poll(zb, world, 3)
    group = await zalo_group(zb, world, poll.id)
    auth = world.auth("officer")
    assert (
        await zb.post(f"/api/v1/placements/{group['id']}/zalo-post", headers=auth)
    ).status_code == 201
    assert (await zb.post(**share(poll.id), headers=auth)).status_code == 200
    for text in ("khảo sát", "xin chào", "/id"):
        assert (
            await zb.post("/webhooks/zalo-bot", json=event(text), headers=hook())
        ).status_code == 200
    fake_bot.people.discard(PERSON_CHAT)  # the reply is refused: its failure is logged
    await zb.post("/webhooks/zalo-bot", json=event("khảo sát"), headers=hook())
    # the invitation, one reply, and the refused one (logged without the chat)
    assert len(fake_bot.sent()) == 3
    assert fake_bot.messages == 2 + 4

    secrets = {PERSON_CHAT, BOT_TOKEN, BOT_TOKEN.split(":")[1], WEBHOOK_SECRET}
    for table, column, value in await every_stored_value():
        for secret in secrets:
            assert secret not in value, f"{table}.{column}"
    logs = everything_logged(caplog, capsys)
    assert "sendMessage" in logs
    for secret in secrets | {LEADERS_CHAT}:
        assert secret not in logs
    # the group an officer configured is the only chat id kept
    assert {row["chat_id"] for row in await t.Placement.select(t.Placement.chat_id)} <= {
        None,
        GROUP_CHAT,
    }
