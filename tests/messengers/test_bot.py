"""The Bot API client against the fake server: flood control, migration, a blocked bot,
photos uploaded as Telegram wants them, the scheduler's pace on every send, and a token
that never reaches a log line."""

from __future__ import annotations

import io
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
from polls.messengers.scheduler import MemorySendStore, SendLimits, SendScheduler
from tests.messengers.conftest import BOT_TOKEN, FakeClock
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
    """A bot on a fake clock: its waits are noted in ``waits``, and take no time."""
    clock = FakeClock()

    async def sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(round(seconds, 3))
        await clock.sleep(seconds)

    scheduler = SendScheduler(MemorySendStore(SendLimits()), secret="t", clock=clock, sleep=sleep)
    return TelegramBot(BOT_TOKEN, fake.url, sleep=sleep, scheduler=scheduler, **kwargs)  # type: ignore[arg-type]


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


def png(width: int = 160, height: int = 100) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / 100, height / 100), dpi=100)
    figure.add_subplot().bar(["a", "b"], [3, 5])
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


async def test_a_photo_is_a_multipart_upload_with_its_caption(fake_telegram: FakeTelegram) -> None:
    bot = bot_for(fake_telegram)
    image = png()
    sent = await bot.send_photo(-1001234567890, image, caption="<b>Kết quả</b> · n = 1.234")
    await bot.aclose()
    assert sent.message_id == 1
    (params,) = fake_telegram.sent("sendphoto")
    assert params["chat_id"] == "-1001234567890"
    assert params["parse_mode"] == "HTML"
    assert params["caption"] == "<b>Kết quả</b> · n = 1.234"
    assert params["photo"].content == image
    assert params["photo"].content_type == "image/png"


async def test_the_fake_refuses_photos_telegram_would_refuse(fake_telegram: FakeTelegram) -> None:
    bot = bot_for(fake_telegram)
    with pytest.raises(BotApiError, match="caption is too long"):
        await bot.send_photo(-100555, png(), caption="<b>x</b>" + "ệ" * 1024)
    with pytest.raises(BotApiError, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(-100555, b"GIF89a not a png")
    with pytest.raises(BotApiError, match="PHOTO_INVALID_DIMENSIONS"):
        await bot.send_photo(-100555, png(2100, 100))
    with pytest.raises(BotApiError, match="unsupported start tag"):
        await bot.send_photo(-100555, png(), caption="<div>x</div>")
    with pytest.raises(BotApiError, match="no photo"):
        await bot.call("sendPhoto", {"chat_id": -100555, "caption": "x"})
    # exactly 1024 visible characters pass, entities not counted
    await bot.send_photo(-100555, png(), caption="<b>" + "ệ" * 1020 + "</b>&amp;xyz")
    await bot.aclose()


async def test_a_photo_follows_a_migration(fake_telegram: FakeTelegram) -> None:
    fake_telegram.migrated[-4001] = -1004001
    bot = bot_for(fake_telegram)
    sent = await bot.send_photo(-4001, png(), caption="x")
    await bot.aclose()
    assert (sent.chat_id, sent.migrated) == (-1004001, True)


async def test_every_send_waits_its_turn(fake_telegram: FakeTelegram) -> None:
    waits: list[float] = []
    bot = bot_for(fake_telegram, waits)
    await bot.send_message(-100555, "1")
    await bot.send_photo(-100555, png(), caption="2")
    await bot.send_message(5000000001, "3")  # another chat: no wait
    await bot.send_message(-100555, "4")
    await bot.aclose()
    assert waits == [1.0, 0.04, 0.96]  # the other chat takes the next global slot
    assert len(fake_telegram.arrivals) == 4
