"""The Bot API client against the fake server: flood control, migration, a blocked bot,
and a token that never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from polls.messengers.bot import (
    BotApiError,
    ChatUnreachable,
    TelegramBot,
    inline_keyboard,
    url_button,
    web_app_button,
)
from tests.messengers.conftest import BOT_TOKEN
from tests.messengers.fake_telegram import FakeTelegram

FLOOD = (
    429,
    {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    },
)


def bot_for(fake: FakeTelegram, waits: list[float] | None = None, **kwargs: object) -> TelegramBot:
    async def sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)

    return TelegramBot(BOT_TOKEN, fake.url, sleep=sleep, **kwargs)  # type: ignore[arg-type]


async def test_a_message_with_a_url_button(fake_telegram: FakeTelegram) -> None:
    bot = bot_for(fake_telegram)
    markup = inline_keyboard(url_button("Trả lời", "https://t.me/test_bot/phieu?startapp=ABC2345"))
    sent = await bot.send_message("@congdoan_kenh", "<b>Phiếu</b>", reply_markup=markup)
    await bot.aclose()
    assert sent.chat_id == "@congdoan_kenh"
    assert fake_telegram.paths == [f"/bot{BOT_TOKEN}/sendMessage"]
    (params,) = fake_telegram.sent()
    assert params["reply_markup"] == markup
    assert params["parse_mode"] == "HTML"


async def test_flood_control_is_waited_out(fake_telegram: FakeTelegram) -> None:
    waits: list[float] = []
    bot = bot_for(fake_telegram, waits)
    fake_telegram.fail_next.append(FLOOD)
    sent = await bot.send_message(-1001234567890, "xin chào")
    await bot.aclose()
    assert waits == [3]
    assert sent.message_id == 1
    assert len(fake_telegram.sent()) == 2


async def test_flood_control_too_long_or_repeated_gives_up(fake_telegram: FakeTelegram) -> None:
    waits: list[float] = []
    bot = bot_for(fake_telegram, waits, max_retry_after=2)
    fake_telegram.fail_next.append(FLOOD)
    with pytest.raises(BotApiError):
        await bot.send_message(-1001234567890, "xin chào")
    patient = bot_for(fake_telegram, waits)
    fake_telegram.fail_next.extend([FLOOD, FLOOD, FLOOD])
    with pytest.raises(BotApiError):
        await patient.send_message(-1001234567890, "xin chào")
    await bot.aclose()
    await patient.aclose()
    assert waits == [3, 3]


async def test_a_migrated_group_is_followed_once(fake_telegram: FakeTelegram) -> None:
    fake_telegram.migrated[-4001] = -1004001
    bot = bot_for(fake_telegram)
    sent = await bot.send_message(-4001, "xin chào")
    await bot.aclose()
    assert (sent.chat_id, sent.migrated) == (-1004001, True)
    assert [p["chat_id"] for p in fake_telegram.sent()] == [-4001, -1004001]


async def test_a_blocked_bot_is_unreachable(fake_telegram: FakeTelegram) -> None:
    fake_telegram.blocked.add(-1009)
    bot = bot_for(fake_telegram)
    with pytest.raises(ChatUnreachable):
        await bot.send_message(-1009, "xin chào")
    await bot.aclose()
    assert len(fake_telegram.sent()) == 1


async def test_web_app_buttons_only_in_private_chats(fake_telegram: FakeTelegram) -> None:
    bot = bot_for(fake_telegram)
    markup = inline_keyboard(web_app_button("Mở", "https://polls.example.vn/tg/ABC2345"))
    await bot.send_message(5000000001, "x", reply_markup=markup)
    with pytest.raises(BotApiError, match="BUTTON_TYPE_INVALID"):
        await bot.send_message(-1001234567890, "x", reply_markup=markup)
    await bot.aclose()


async def test_webhook_registration(fake_telegram: FakeTelegram) -> None:
    bot = bot_for(fake_telegram)
    assert await bot.set_webhook("https://polls.example.vn/webhooks/telegram", "s3cret_-x") is True
    with pytest.raises(BotApiError):
        await bot.set_webhook("http://insecure.example/webhooks/telegram", "s3cret")
    assert (await bot.get_me())["is_bot"] is True
    await bot.aclose()


async def test_the_token_reaches_no_log_line(
    fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_telegram.blocked.add(-1009)
    bot = bot_for(fake_telegram)
    await bot.send_message(-100777, "xin chào")
    with pytest.raises(ChatUnreachable):
        await bot.send_message(-1009, "xin chào")
    await bot.aclose()
    assert "sendMessage" in caplog.text  # httpx did log the requests
    assert BOT_TOKEN not in caplog.text
    assert BOT_TOKEN.split(":")[1] not in caplog.text
