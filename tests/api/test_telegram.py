"""Telegram end to end through the app: answers from the Mini App (signed launch data, the
``messenger`` policy, the placement from the signed start parameter), publishing a placement
to its chat, and the bot's webhook, all against the fake Bot API on 127.0.0.1. Then a scan
that no Telegram user id reached a table or a log line."""

from __future__ import annotations

import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from itertools import count, pairwise
from typing import Any

import httpx
import pytest

from polls import tables as t
from polls.i18n import using_locale
from polls.messengers import telegram
from polls.models import Poll, Question
from polls.services.telegram import share_caption
from tests.conftest import OpenPoll, World, add_placement, answer_as_new_device, create_open_poll
from tests.messengers.conftest import FakeClock
from tests.messengers.fake_telegram import FakeTelegram, serve
from tests.traces import every_stored_value, everything_logged

BOT_TOKEN = "123456789:AAHtest-ONLY-not-a-real-bot-token_xyz"
WEBHOOK_SECRET = "webhook-secret_0123456789"
USER_ID = 5000000001
OTHER_USER_ID = 5000000777
PRIVATE_CHAT_ID = 5000000123
BASE_URL = "https://polls.example.vn"


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    yield from serve(FakeTelegram(BOT_TOKEN))


@pytest.fixture
async def tg(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], fake_telegram: FakeTelegram
) -> httpx.AsyncClient:
    return await make_client(
        base_url=BASE_URL,
        telegram_bot_token=BOT_TOKEN,
        telegram_bot_username="congdoan_test_bot",
        telegram_app_name="phieu",
        telegram_webhook_secret=WEBHOOK_SECRET,
        telegram_api_base=fake_telegram.url,
        debug=True,
    )


def init_data(
    user_id: int = USER_ID,
    start_param: str | None = None,
    auth_date: int | None = None,
    token: str = BOT_TOKEN,
) -> str:
    fields = {
        "user": json.dumps({"id": user_id, "first_name": "An", "language_code": "vi"}),
        "auth_date": str(auth_date or int(time.time())),
        "chat_type": "supergroup",
        "chat_instance": "-4417368920371012345",
    }
    if start_param:
        fields["start_param"] = start_param
    return telegram.sign(fields, token)


def tma(data: str) -> dict[str, str]:
    return {"Authorization": f"tma {data}"}


async def send(
    client: httpx.AsyncClient, code: str, answers: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    client.cookies.clear()
    return await client.post(
        f"/api/v1/forms/{code}/responses", json={"answers": answers}, headers=headers
    )


# --- answers from the Mini App --------------------------------------------------------------


async def test_one_answer_per_account_on_a_messenger_poll(
    tg: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(tg, world, duplicate_policy="messenger")
    group = await add_placement(
        tg, world, poll.id, "Nhóm Telegram KT3", kind="telegram", chat_id="-1001234567890"
    )
    first = await send(tg, poll.code, poll.answers(), tma(init_data(start_param=group["code"])))
    assert first.status_code == 201, first.text
    row = await t.Response.select().first()
    assert row is not None
    assert (row["channel"], row["placement"]) == ("telegram", group["id"])

    again = await send(tg, poll.code, poll.answers(), tma(init_data(start_param=group["code"])))
    assert again.status_code == 409, again.text
    assert again.json()["detail"]
    # the same account through another placement, or without a start parameter: still once
    again = await send(tg, group["code"], poll.answers(), tma(init_data()))
    assert again.status_code == 409
    other = await send(tg, poll.code, poll.answers(), tma(init_data(OTHER_USER_ID)))
    assert other.status_code == 201, other.text
    assert await t.Response.count() == 2
    assert await t.DuplicateKey.count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        tma(init_data(token=BOT_TOKEN[:-1] + "Z")),
        tma(init_data(auth_date=int(time.time()) - 7200)),
        tma(init_data() + "&auth_date=1"),
        tma("user=x&hash=00"),
        {"Authorization": "tma "},
    ],
    ids=["missing", "wrong-token", "expired", "duplicate-key", "garbage", "empty"],
)
async def test_a_messenger_poll_refuses_answers_without_valid_launch_data(
    tg: httpx.AsyncClient, world: World, headers: dict[str, str]
) -> None:
    poll = await create_open_poll(tg, world, duplicate_policy="messenger")
    refused = await send(tg, poll.code, poll.answers(), {**headers, "Accept-Language": "vi"})
    assert refused.status_code == 401, refused.text
    assert "Telegram" in refused.json()["detail"]
    assert await t.Response.count() == 0


async def test_bad_launch_data_is_refused_on_any_poll(tg: httpx.AsyncClient, world: World) -> None:
    poll = await create_open_poll(tg, world)
    bad = await send(tg, poll.code, poll.answers(), tma(init_data(token="1:other")))
    assert bad.status_code == 401
    good = await send(tg, poll.code, poll.answers(), tma(init_data()))
    assert good.status_code == 201
    row = await t.Response.select(t.Response.channel).first()
    assert row == {"channel": "telegram"}


async def test_the_start_parameter_must_name_a_placement_of_the_poll(
    tg: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(tg, world, duplicate_policy="messenger")
    other = await create_open_poll(tg, world, title="Một phiếu khác")
    for start, status in [(other.code, 400), ("ZZZZZZZ", 404), ("poll_42", 404)]:
        sent = await send(tg, poll.code, poll.answers(), tma(init_data(start_param=start)))
        assert sent.status_code == status, (start, sent.text)
        assert sent.json()["detail"]
    assert await t.Response.count() == 0


async def test_without_telegram_settings_launch_data_gets_a_clear_503(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    sent = await send(client, poll.code, poll.answers(), tma(init_data()))
    assert sent.status_code == 503
    assert "Telegram" in sent.json()["detail"]


async def test_the_mini_app_page(tg: httpx.AsyncClient, world: World) -> None:
    poll = await create_open_poll(tg, world, duplicate_policy="messenger")
    for url in (f"/tg/{poll.code}", f"/tg?tgWebAppStartParam={poll.code}"):
        page = await tg.get(url, headers={"Accept-Language": "vi"})
        assert page.status_code == 200, page.text
        assert 'data-channel="telegram"' in page.text
        assert "--tg-theme-bg-color" in page.text
        assert "telegram.org" not in page.text
    plain = await tg.get(f"/p/{poll.code}", headers={"Accept-Language": "en"})
    assert plain.status_code == 200
    assert "answered in Telegram" in plain.text
    assert 'data-channel="telegram"' not in plain.text
    answered = await tg.get(f"/tg/{poll.code}/answered", headers={"Accept-Language": "en"})
    assert "Each Telegram account answers once" in answered.text
    assert (await tg.get("/tg")).status_code == 404


# --- publishing -----------------------------------------------------------------------------


async def test_publish_posts_the_poll_with_a_direct_link(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await create_open_poll(tg, world)
    group = await add_placement(
        tg, world, poll.id, "Nhóm Telegram", kind="telegram", chat_id="@congdoan_kenh"
    )
    published = await tg.post(
        f"/api/v1/placements/{group['id']}/publish", headers=world.auth("officer")
    )
    assert published.status_code == 201, published.text
    assert published.json() == {"chat_id": "@congdoan_kenh", "message_id": 1}
    (params,) = fake_telegram.sent()
    assert params["chat_id"] == "@congdoan_kenh"
    assert "<b>Bạn nhận thông tin công đoàn qua kênh nào?</b>" in params["text"]
    assert params["reply_markup"] == {
        "inline_keyboard": [
            [
                {
                    "text": "Trả lời khảo sát",
                    "url": f"https://t.me/congdoan_test_bot/phieu?startapp={group['code']}",
                }
            ]
        ]
    }


async def test_publish_follows_a_migration_and_marks_a_blocked_chat(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await create_open_poll(tg, world)
    moved = await add_placement(tg, world, poll.id, "Nhóm cũ", kind="telegram", chat_id="-4001")
    gone = await add_placement(tg, world, poll.id, "Nhóm bị xoá", kind="telegram", chat_id="-4002")
    fake_telegram.migrated[-4001] = -1004001
    fake_telegram.blocked.add(-4002)
    auth = world.auth("officer")
    first = await tg.post(f"/api/v1/placements/{moved['id']}/publish", headers=auth)
    assert first.status_code == 201, first.text
    assert first.json()["chat_id"] == "-1004001"
    shown = (await tg.get(f"/api/v1/placements/{moved['id']}", headers=auth)).json()
    assert (shown["chat_id"], shown["chat_unreachable"]) == ("-1004001", False)

    refused = await tg.post(f"/api/v1/placements/{gone['id']}/publish", headers=auth)
    assert refused.status_code == 409
    assert refused.json()["detail"]
    shown = (await tg.get(f"/api/v1/placements/{gone['id']}", headers=auth)).json()
    assert shown["chat_unreachable"] is True


async def test_publish_waits_out_flood_control(
    tg: httpx.AsyncClient,
    world: World,
    fake_telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    poll = await create_open_poll(tg, world)
    group = await add_placement(tg, world, poll.id, "Nhóm", kind="telegram", chat_id="-100555")
    fake_telegram.fail_next.append(
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            },
        )
    )
    # the scheduler's clock is the test's: waiting advances it, nothing really sleeps (a
    # real 1 s sleep measured by another clock could end a hair early under load)
    scheduler = tg.app.state.telegram.scheduler  # type: ignore[attr-defined]
    clock = FakeClock(time.time())
    monkeypatch.setattr(scheduler, "_clock", clock)
    monkeypatch.setattr(scheduler, "_sleep", clock.sleep)
    started = clock.now
    sent = await tg.post(f"/api/v1/placements/{group['id']}/publish", headers=world.auth("admin"))
    assert sent.status_code == 201, sent.text
    assert clock.now - started >= 1, clock.waits  # the second attempt waited out retry_after
    assert len(fake_telegram.sent()) == 2


async def test_publish_refusals(
    tg: httpx.AsyncClient, client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(tg, world)
    placements = await tg.get(f"/api/v1/polls/{poll.id}/placements", headers=world.auth("officer"))
    canteen = placements.json()[0]["id"]
    auth = world.auth("officer")
    not_telegram = await tg.post(f"/api/v1/placements/{canteen}/publish", headers=auth)
    assert not_telegram.status_code == 422
    bad_chat = await tg.post(
        f"/api/v1/polls/{poll.id}/placements",
        json={"label": "x", "kind": "telegram", "chat_id": "not a chat"},
        headers=auth,
    )
    assert bad_chat.status_code == 422
    assert set(bad_chat.json()["errors"]) == {"chat_id"}
    group = await add_placement(tg, world, poll.id, "Nhóm", kind="telegram", chat_id="-100555")
    unconfigured = await client.post(f"/api/v1/placements/{group['id']}/publish", headers=auth)
    assert unconfigured.status_code == 503
    assert "quản trị viên máy chủ" in unconfigured.json()["detail"]  # the officer's language
    assert "TELEGRAM_BOT_TOKEN" not in unconfigured.json()["detail"]


# --- sharing results -----------------------------------------------------------------------


async def answered_poll(client: httpx.AsyncClient, world: World, responses: int) -> OpenPoll:
    poll = await create_open_poll(client, world, min_group_size=3)
    for i in range(responses):
        sent = await answer_as_new_device(client, poll.code, poll.answers(f"Ý kiến {i}"))
        assert sent.status_code == 201, sent.text
    return poll


def share(poll_id: int, chat_id: str = "-1001234567890", **fields: Any) -> dict[str, Any]:
    return {"url": f"/api/v1/polls/{poll_id}/share-results", "json": {"chat_id": chat_id, **fields}}


async def test_share_results_sends_each_chart_as_a_photo_with_its_caption(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await answered_poll(tg, world, 3)
    shared = await tg.post(
        **share(poll.id), headers={**world.auth("officer"), "Accept-Language": "vi"}
    )
    assert shared.status_code == 200, shared.text
    body = shared.json()
    charted = [q["id"] for q in poll.questions if q["kind"] != "text"]
    assert body["chat_id"] == "-1001234567890"
    assert body["lang"] == "vi"
    assert body["complete"] is True
    assert [(m["kind"], m["question_id"]) for m in body["messages"]] == [
        ("chart", q) for q in charted
    ]
    photos = fake_telegram.sent("sendphoto")
    assert [m["message_id"] for m in body["messages"]] == [1, 2, 3, 4]
    assert fake_telegram.sent() == []  # no text message besides the photos
    for params, question in zip(photos, poll.questions, strict=False):
        assert params["chat_id"] == "-1001234567890"
        assert params["photo"].content.startswith(b"\x89PNG")
        assert params["parse_mode"] == "HTML"
        title, asked, facts = params["caption"].split("\n")
        assert title == "<b>Bạn nhận thông tin công đoàn qua kênh nào?</b>"
        assert asked == f"{question['position'] + 1}. {question['text']}"
        assert facts.startswith("n = 3 · ")
    # the free-text question is never sent, and neither are its answers
    assert not any("Ý kiến" in p["caption"] for p in photos)
    # one chat gets one message a second (the scheduler), even from one request
    moments = [moment for moment, _ in fake_telegram.arrivals]
    assert all(b - a >= 0.9 for a, b in pairwise(moments))


async def test_share_results_in_english_and_from_the_cache(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await answered_poll(tg, world, 3)
    auth = world.auth("officer")
    first = await tg.post(**share(poll.id, "-100111", lang="en"), headers=auth)
    assert first.status_code == 200, first.text
    assert first.json()["lang"] == "en"
    chart = await tg.get(
        f"/api/v1/polls/{poll.id}/charts/{poll.questions[0]['id']}.png?lang=en", headers=auth
    )
    photos = fake_telegram.sent("sendphoto")
    assert photos[0]["photo"].content == chart.content  # the same cached drawing
    assert "Bạn nhận thông tin" in photos[0]["caption"]  # the officer's words stay as written
    vi = await tg.post(**share(poll.id, "-100222", lang="vi"), headers=auth)
    assert vi.status_code == 200
    assert fake_telegram.sent("sendphoto")[4]["photo"].content != chart.content


async def test_below_the_minimum_group_size_only_a_notice_is_sent(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await answered_poll(tg, world, 2)
    shared = await tg.post(
        **share(poll.id), headers={**world.auth("officer"), "Accept-Language": "vi"}
    )
    assert shared.status_code == 200, shared.text
    assert shared.json()["messages"] == [{"kind": "notice", "message_id": 1, "question_id": None}]
    assert fake_telegram.sent("sendphoto") == []
    (notice,) = fake_telegram.sent()
    assert "Bạn nhận thông tin công đoàn qua kênh nào?" in notice["text"]
    assert "ít nhất 3" in notice["text"]
    assert "Zalo" not in notice["text"]  # no option, no count


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("officer", 200),
        ("viewer", 200),
        ("mk_viewer", 200),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
async def test_who_may_share_results(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram, who: str, status: int
) -> None:
    poll = await answered_poll(tg, world, 1)
    shared = await tg.post(**share(poll.id, "@lanhdao_kenh"), headers=world.auth(who))
    assert shared.status_code == status, shared.text
    assert len(fake_telegram.sent()) == (1 if status == 200 else 0)


async def test_share_results_refusals(
    tg: httpx.AsyncClient, client: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await answered_poll(tg, world, 3)
    auth = {**world.auth("officer"), "Accept-Language": "en"}
    bad = await tg.post(**share(poll.id, "not a chat", lang="fr"), headers=auth)
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"chat_id", "lang"}
    empty = await tg.post(f"/api/v1/polls/{poll.id}/share-results", json={}, headers=auth)
    assert empty.status_code == 422
    unconfigured = await client.post(**share(poll.id), headers=auth)
    assert unconfigured.status_code == 503
    assert "administrator" in unconfigured.json()["detail"]
    assert "TELEGRAM_BOT_TOKEN" not in unconfigured.json()["detail"]
    fake_telegram.blocked.add(-1009)
    blocked = await tg.post(**share(poll.id, "-1009"), headers=auth)
    assert blocked.status_code == 409
    assert "removed or blocked" in blocked.json()["detail"]
    draft = await tg.post(
        "/api/v1/polls",
        json={
            "unit": "than-mao-khe",
            "title": "Nháp",
            "questions": [{"kind": "yes_no", "text": "Có?"}],
        },
        headers=auth,
    )
    refused = await tg.post(**share(draft.json()["id"], "-100333"), headers=auth)
    assert refused.status_code == 409
    assert fake_telegram.messages == 0  # none accepted


async def test_share_results_follows_a_migration_and_reports_a_stop(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await answered_poll(tg, world, 3)
    auth = {**world.auth("officer"), "Accept-Language": "en"}
    fake_telegram.migrated[-4001] = -1004001
    moved = await tg.post(**share(poll.id, "-4001"), headers=auth)
    assert moved.status_code == 200, moved.text
    assert moved.json()["chat_id"] == "-1004001"
    chats = [p["chat_id"] for p in fake_telegram.sent("sendphoto")]
    assert chats == ["-4001", "-1004001", "-1004001", "-1004001", "-1004001"]
    # Telegram refuses the second photo: the first is reported, with why the rest was not
    kicked = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked"})
    fake_telegram.fail_next.extend([None, kicked])
    stopped = await tg.post(**share(poll.id, "-100444"), headers=auth)
    assert stopped.status_code == 200, stopped.text
    body = stopped.json()
    assert body["complete"] is False
    assert len(body["messages"]) == 1
    assert "removed or blocked" in body["detail"]


def test_the_caption_stays_within_telegrams_limit() -> None:
    poll = Poll(
        id=1,
        unit_id=1,
        unit_slug="x",
        unit_name="x",
        unit_path="/1/",
        title="Khảo sát <an toàn> & " + "ệ" * 400,
        description="",
        language="vi",
        status="open",
        opens_at=None,
        closes_at=None,
        min_group_size=5,
        duplicate_policy="device",
        series="s",
        version=1,
        created_at=datetime(2026, 11, 2, 3, tzinfo=UTC),
    )
    question = Question(id=9, position=0, kind="single", text="ừ " * 600, required=True)
    for locale, facts in (
        ("vi", "n = 1.234 · 02/11/2026"),
        ("en", "n = 1,234 · Nov 2, 2026"),
    ):
        with using_locale(locale):
            caption = share_caption(poll, question, 1234)
        visible = html.unescape(re.sub(r"<[^>]*>", "", caption))
        assert len(visible) <= 1024
        assert caption.endswith("…\n" + facts)  # the question was clipped, not the facts
        assert caption.startswith("<b>Khảo sát &lt;an toàn&gt; &amp; ệệ")


# --- the webhook ----------------------------------------------------------------------------


UPDATE_IDS = count(1000)


def start_update(
    text: str,
    chat_type: str = "private",
    chat_id: int = PRIVATE_CHAT_ID,
    update_id: int | None = None,
) -> dict:
    return {
        "update_id": next(UPDATE_IDS) if update_id is None else update_id,
        "message": {
            "message_id": 5,
            "date": 1760000000,
            "chat": {"id": chat_id, "type": chat_type},
            "from": {
                "id": PRIVATE_CHAT_ID,
                "is_bot": False,
                "first_name": "An",
                "language_code": "vi",
            },
            "text": text,
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
        },
    }


def hook(secret: str | None = WEBHOOK_SECRET) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}


async def test_start_answers_with_the_poll_and_a_web_app_button(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    poll = await create_open_poll(tg, world)
    sent = await tg.post(
        "/webhooks/telegram", json=start_update(f"/start {poll.code}"), headers=hook()
    )
    assert sent.status_code == 200, sent.text
    (params,) = fake_telegram.sent()
    assert params["chat_id"] == PRIVATE_CHAT_ID
    assert "Bạn nhận thông tin công đoàn qua kênh nào?" in params["text"]
    assert params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Mở khảo sát", "web_app": {"url": f"{BASE_URL}/tg/{poll.code}"}}]
        ]
    }
    # with the bot's name, in lower case, or an unknown code: still a reply, never a button
    for text in (f"/start@congdoan_test_bot {poll.code.lower()}", "/start ZZZZZZZ", "/start"):
        assert (
            await tg.post("/webhooks/telegram", json=start_update(text), headers=hook())
        ).status_code == 200
    replies = fake_telegram.sent()[1:]
    assert [("reply_markup" in r) for r in replies] == [True, False, False]
    # groups, other commands and other updates: no reply
    for update in (
        start_update(f"/start {poll.code}", "supergroup", -100999),
        start_update("hello"),
        {"update_id": 1, "edited_message": {}},
        {"message": start_update(f"/start {poll.code}")["message"]},  # no update_id
    ):
        assert (await tg.post("/webhooks/telegram", json=update, headers=hook())).status_code == 200
    assert len(fake_telegram.sent()) == 4


@pytest.mark.parametrize("secret", [None, "", "wrong", WEBHOOK_SECRET + "x"])
async def test_the_webhook_refuses_a_wrong_secret(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram, secret: str | None
) -> None:
    poll = await create_open_poll(tg, world)
    sent = await tg.post(
        "/webhooks/telegram", json=start_update(f"/start {poll.code}"), headers=hook(secret)
    )
    assert sent.status_code == 401
    assert sent.json()["detail"]
    assert fake_telegram.sent() == []


async def test_the_webhook_without_settings_is_503(client: httpx.AsyncClient) -> None:
    sent = await client.post("/webhooks/telegram", json=start_update("/start"), headers=hook())
    assert sent.status_code == 503


async def test_the_webhook_refuses_a_body_that_is_not_json(tg: httpx.AsyncClient) -> None:
    sent = await tg.post("/webhooks/telegram", content=b"{", headers=hook())
    assert sent.status_code == 400


async def test_a_redelivered_update_is_handled_once_across_two_app_instances(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
    world: World,
    fake_telegram: FakeTelegram,
) -> None:
    settings = {
        "base_url": BASE_URL,
        "telegram_bot_token": BOT_TOKEN,
        "telegram_bot_username": "congdoan_test_bot",
        "telegram_app_name": "phieu",
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "telegram_api_base": fake_telegram.url,
    }
    first, second = await make_client(**settings), await make_client(**settings)
    assert first.app is not second.app  # type: ignore[attr-defined]
    poll = await create_open_poll(first, world)
    update = start_update(f"/start {poll.code}", update_id=777000)
    for app in (first, second, first, second):
        sent = await app.post("/webhooks/telegram", json=update, headers=hook())
        assert sent.status_code == 200, sent.text
    assert len(fake_telegram.sent()) == 1
    # the next update is new to both; a redelivery of it, to either, is not
    for app in (second, first):
        await app.post(
            "/webhooks/telegram",
            json=start_update(f"/start {poll.code}", update_id=777001),
            headers=hook(),
        )
    assert len(fake_telegram.sent()) == 2
    assert await t.TelegramUpdate.count() == 2


async def test_handled_update_ids_are_pruned_after_a_day(db: object) -> None:
    from polls.services.telegram import first_delivery

    day = 24 * 3600
    assert await first_delivery({"update_id": 5}, now=1_000_000)
    assert not await first_delivery({"update_id": 5}, now=1_000_000 + 60)
    assert await first_delivery({"update_id": 6}, now=1_000_000 + day + 1)
    assert await t.TelegramUpdate.select(t.TelegramUpdate.update_id) == [{"update_id": 6}]
    for odd in ({"update_id": "7"}, {"update_id": True}, {"update_id": -1}, {"update_id": 2**70}):
        assert not await first_delivery(odd)
    assert await t.TelegramUpdate.count() == 1


# --- anonymity ------------------------------------------------------------------------------


async def test_no_telegram_user_id_in_any_table_or_log_line(
    tg: httpx.AsyncClient,
    world: World,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    poll = await create_open_poll(tg, world, duplicate_policy="messenger", min_group_size=3)
    group = await add_placement(tg, world, poll.id, "Nhóm", kind="telegram", chat_id="-100321")
    auth = world.auth("officer")
    await tg.get(f"/tg/{group['code']}")
    assert (
        await send(tg, poll.code, poll.answers(), tma(init_data(start_param=group["code"])))
    ).status_code == 201
    assert (await send(tg, poll.code, poll.answers(), tma(init_data()))).status_code == 409
    assert (
        await send(tg, poll.code, poll.answers(), tma(init_data(token="1:x")))
    ).status_code == 401
    assert (
        await tg.post(f"/api/v1/placements/{group['id']}/publish", headers=auth)
    ).status_code == 201
    fake_telegram.blocked.add(PRIVATE_CHAT_ID)
    for text in (f"/start {poll.code}", "/start ZZZZZZZ"):
        assert (
            await tg.post("/webhooks/telegram", json=start_update(text), headers=hook())
        ).status_code == 200
    assert len(fake_telegram.sent()) == 3

    secrets = {str(USER_ID), str(PRIVATE_CHAT_ID), BOT_TOKEN, BOT_TOKEN.split(":")[1]}
    for table, column, value in await every_stored_value():
        for secret in secrets:
            assert secret not in value, f"{table}.{column}"
    logs = everything_logged(caplog, capsys)
    assert "sendMessage" in logs
    for secret in secrets:
        assert secret not in logs


# --- what the bot refuses, and when Telegram is out of reach --------------------------------


async def test_the_bot_never_writes_to_a_persons_chat(
    tg: httpx.AsyncClient, world: World, fake_telegram: FakeTelegram
) -> None:
    """A positive chat id is a person: neither a placement nor share-results takes one, so
    no person's Telegram id is stored and nobody can probe who talked to the bot."""
    poll = await answered_poll(tg, world, 3)
    auth = {**world.auth("officer"), "Accept-Language": "en"}
    placement = await tg.post(
        f"/api/v1/polls/{poll.id}/placements",
        json={"label": "x", "kind": "telegram", "chat_id": "123456789"},
        headers=auth,
    )
    assert placement.status_code == 422
    assert "person" in placement.json()["errors"]["chat_id"]
    shared = await tg.post(**share(poll.id, "123456789"), headers=auth)
    assert shared.status_code == 422
    assert fake_telegram.sent() == []
    assert await t.Placement.count().where(t.Placement.chat_id == "123456789") == 0


@pytest.mark.parametrize("down", ["telegram", "redis"])
async def test_telegram_or_its_pacing_out_of_reach_is_a_503(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
    tg: httpx.AsyncClient,
    fake_telegram: FakeTelegram,
    world: World,
    down: str,
) -> None:
    nobody = "http://127.0.0.1:9"  # the discard port: nothing listens
    client = await make_client(
        base_url=BASE_URL,
        telegram_bot_token=BOT_TOKEN,
        telegram_bot_username="congdoan_test_bot",
        telegram_app_name="phieu",
        telegram_api_base=nobody if down == "telegram" else fake_telegram.url,
        redis_url="redis://127.0.0.1:9/0" if down == "redis" else "",
    )
    poll = await answered_poll(tg, world, 3)
    auth = {**world.auth("officer"), "Accept-Language": "en"}
    if down == "redis":  # the shared rate limits are out of reach too: 503, never a 500
        answer = await send(client, poll.code, poll.answers(), {"Accept-Language": "en"})
        assert answer.status_code == 503, answer.text
        assert "try again" in answer.json()["detail"]
    shared = await client.post(**share(poll.id), headers=auth)
    assert shared.status_code == 503, shared.text
    assert "Telegram could not be reached" in shared.json()["detail"]
    group = await add_placement(tg, world, poll.id, "Nhóm", kind="telegram", chat_id="-1005")
    published = await client.post(f"/api/v1/placements/{group['id']}/publish", headers=auth)
    assert published.status_code == 503, published.text
    assert fake_telegram.sent() == []


async def test_launch_data_with_a_hash_that_is_not_hex_is_a_401(
    tg: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(tg, world)
    for hash_ in ("%C3%A9", "zz", "%00"):
        bad = await send(tg, poll.code, poll.answers(), tma(f"auth_date=1&hash={hash_}"))
        assert bad.status_code == 401, (hash_, bad.text)
    assert await t.Response.count() == 0
