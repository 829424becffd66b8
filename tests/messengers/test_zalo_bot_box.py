"""The Zalo Bot's entry to the question box: "hỏi công đoàn" in a private chat gets the
link of the bot's unit's box (through the fake Zalo Bot API server)."""

from __future__ import annotations

import httpx
import pytest

from polls.services.zalo import asks_for_box
from tests.api.test_zalo_bot import (  # noqa: F401  (fixtures)
    BASE_URL,
    GROUP_CHAT,
    PERSON_CHAT,
    event,
    fake_bot,
    hook,
    zb,
)
from tests.conftest import World
from tests.messengers.fake_zalo_bot import FakeZaloBot


@pytest.mark.parametrize(
    "text",
    ["hỏi công đoàn", "HỎI CÔNG ĐOÀN", "hoi cong doan", "Tôi muốn hỏi công đoàn", "#hoicongdoan"],
)
def test_the_keyword(text: str) -> None:
    assert asks_for_box(text)


@pytest.mark.parametrize("text", ["công đoàn", "hỏi", "khảo sát", "hoi cong doanh"])
def test_not_the_keyword(text: str) -> None:
    assert not asks_for_box(text)


async def test_hoi_cong_doan_in_a_private_chat_gets_the_box_link(
    zb: httpx.AsyncClient,  # noqa: F811
    world: World,
    fake_bot: FakeZaloBot,  # noqa: F811
) -> None:
    sent = await zb.post("/webhooks/zalo-bot", json=event("Hỏi công đoàn"), headers=hook())
    assert sent.status_code == 200, sent.text
    (reply,) = fake_bot.sent()
    assert reply["chat_id"] == PERSON_CHAT
    assert f"{BASE_URL}/hoi/cdtkv" in reply["text"]
    assert "ẩn danh" in reply["text"]
    assert (await zb.get("/hoi/cdtkv")).status_code == 200
    # in a group, nothing
    await zb.post(
        "/webhooks/zalo-bot",
        json=event("hỏi công đoàn", chat_id=GROUP_CHAT, chat_type="GROUP"),
        headers=hook(),
    )
    assert len(fake_bot.sent()) == 1
