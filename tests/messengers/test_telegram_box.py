"""The Telegram bot's entry to the question box: ``/hoi`` in a private chat answers with the
link of the union's box (through the fake Bot API server); in a group, nothing."""

from __future__ import annotations

import httpx

from tests.api.test_telegram import (  # noqa: F401  (fixtures)
    BASE_URL,
    PRIVATE_CHAT_ID,
    fake_telegram,
    hook,
    start_update,
    tg,
)
from tests.conftest import World
from tests.messengers.fake_telegram import FakeTelegram


async def test_hoi_answers_with_the_box_link(
    tg: httpx.AsyncClient,  # noqa: F811
    world: World,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    for text in ("/hoi", "/HOI@congdoan_test_bot"):
        sent = await tg.post("/webhooks/telegram", json=start_update(text), headers=hook())
        assert sent.status_code == 200, sent.text
    replies = fake_telegram.sent()
    assert [r["chat_id"] for r in replies] == [PRIVATE_CHAT_ID] * 2
    for reply in replies:
        assert f"{BASE_URL}/hoi/cdtkv" in reply["text"]
        assert "ẩn danh" in reply["text"]
        assert "reply_markup" not in reply
    group = start_update("/hoi", "supergroup", -100999)
    assert (await tg.post("/webhooks/telegram", json=group, headers=hook())).status_code == 200
    assert len(fake_telegram.sent()) == 2
