"""The Zalo Bot API client against the fake server: the token in the path and never in a log
line, JSON bodies, Retry-After and 5xx waited out on the scheduler's clock, a group paced
as a group; and what the webhook's events are reduced to."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from polls.messengers.bot import BotApiError, BotUnreachable, ChatUnreachable
from polls.messengers.scheduler import MemorySendStore, SendLimits, SendScheduler
from polls.messengers.zalo_bot import MAX_TEXT, ZaloBot, clip, parse_update, secret_valid
from tests.messengers.conftest import FakeClock
from tests.messengers.fake_zalo_bot import FakeZaloBot, flood, serve, trouble

TOKEN = "1459232241454765289:test-ONLY-not-a-real-zalo-bot-token"
GROUP = "7b1c0de2a9f4413388aa"
PERSON = "e4ea2cd5189df1c3a88c"


@pytest.fixture
def fake() -> Iterator[FakeZaloBot]:
    yield from serve(FakeZaloBot(TOKEN, groups={GROUP}, people={PERSON}))


def bot_for(fake: FakeZaloBot, waits: list[float]) -> ZaloBot:
    clock = FakeClock()

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        await clock.sleep(seconds)

    scheduler = SendScheduler(MemorySendStore(SendLimits()), secret="z", clock=clock, sleep=sleep)
    return ZaloBot(TOKEN, fake.url, sleep=sleep, scheduler=scheduler)


async def test_messages_and_photos_as_zalo_wants_them(
    fake: FakeZaloBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    waits: list[float] = []
    bot = bot_for(fake, waits)
    await bot.send_message(GROUP, "Xin chào " * 400, group=True)
    await bot.send_photo(GROUP, "https://polls.example.vn/shared/charts/1.png", group=True)
    await bot.get_me()
    await bot.aclose()
    assert fake.paths == [f"/bot{TOKEN}/{m}" for m in ("sendMessage", "sendPhoto", "getMe")]
    message, photo = fake.sent(), fake.sent("sendphoto")
    assert len(message[0]["text"]) <= MAX_TEXT
    assert message[0]["text"].endswith("…")
    assert photo == [{"chat_id": GROUP, "photo": "https://polls.example.vn/shared/charts/1.png"}]
    assert waits == [1.0]  # the second message to the chat waited its second
    assert TOKEN.split(":")[1] not in caplog.text
    assert GROUP not in caplog.text


async def test_retry_after_and_server_trouble_are_waited_out(fake: FakeZaloBot) -> None:
    waits: list[float] = []
    bot = bot_for(fake, waits)
    fake.fail_next += [flood(7), trouble(502)]
    await bot.send_message(PERSON, "khảo sát", group=False)
    assert [name for name, _ in fake.calls] == ["sendmessage"] * 3
    assert fake.messages == 1
    assert waits == [7.0, 2.0]  # Retry-After, then two seconds after a 502 on the 2nd try
    fake.fail_next += [trouble(500)] * 3
    with pytest.raises(BotUnreachable):
        await bot.send_message(PERSON, "x", group=False)
    fake.fail_next.append(flood(3600))
    with pytest.raises(BotApiError) as refused:
        await bot.send_message(PERSON, "x", group=False)
    assert refused.value.error_code == 429
    with pytest.raises(ChatUnreachable):
        await bot.send_message("0ddc0ffee", "x", group=True)
    await bot.aclose()


def test_events_wrapped_or_bare() -> None:
    message = {
        "message_id": "16f6366b3f02645a3d15",
        "date": 1766619597466,
        "text": "Khảo sát",
        "chat": {"id": PERSON, "chat_type": "PRIVATE"},
        "from": {"id": PERSON, "display_name": "An"},
    }
    bare = {"event_name": "message.text.received", "message": message}
    for body in (bare, {"ok": True, "result": bare}):
        update = parse_update(json.dumps(body).encode())
        assert update is not None
        assert (update.event_name, update.message_id, update.private) == (
            "message.text.received",
            "16f6366b3f02645a3d15",
            True,
        )
        assert update.text == "Khảo sát"
        assert update.date == 1766619597466
        assert PERSON not in repr(update)
        assert "Khảo" not in repr(update)
    for bad in (b"", b"{", b"[]", b'{"event_name": "x"}', json.dumps({**bare, "message": 1})):
        assert parse_update(bad if isinstance(bad, bytes) else bad.encode()) is None


def test_clip_and_secret() -> None:
    assert clip("ngắn") == "ngắn"
    long = clip("chữ " * 1000)
    assert len(long) <= MAX_TEXT
    assert long.endswith("chữ…")
    assert secret_valid("abcdefgh", "abcdefgh")
    assert not secret_valid(None, "abcdefgh")
    assert not secret_valid("abcdefgh", "")
    assert not secret_valid("abcdefgX", "abcdefgh")
