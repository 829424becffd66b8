"""The fake Telegram Bot API, started once per test on a free port of 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.messengers.fake_telegram import FakeTelegram, serve

BOT_TOKEN = "123456789:AAHtest-ONLY-not-a-real-bot-token_xyz"


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    yield from serve(FakeTelegram(BOT_TOKEN))


class FakeClock:
    """A clock that moves only when someone sleeps on it: pacing tests never wait."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
