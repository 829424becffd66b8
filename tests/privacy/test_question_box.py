"""Attacks on the question box's anonymity (issue 15, item 2), as the officer, the unit's
leadership or the server's administrator would try them: can they tell who asked from the
stored rows (columns, ids, the order rows come back in), link a question to the same
phone's answers to a poll, or get a follow-up code back from what is stored?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.services import question_box as box
from tests.conftest import SECRET, World, create_open_poll
from tests.privacy.admin import CHANCE_BOUND

ITEM_COLUMNS = {
    "id",
    "origin",
    "unit",
    "topic",
    "follow_key",
    "arrived_hour",
    "first_reply_at",
    "status",
    "assignee",
    "escalations",
    "worker_messages",
}
MESSAGE_COLUMNS = {
    "id",
    "item",
    "position",
    "author",
    "body",
    "officer_name",
    "at",
    "hidden",
    "hidden_reason",
}
"""What a question and its thread may hold. A new column is added here on purpose, after
checking that it cannot identify anyone."""

ASKED = 30
START = datetime(2026, 12, 4, 9, 0, 30, tzinfo=UTC)


def right_pairs(ranking: list[int], asked_order: list[int]) -> int:
    return sum(1 for a, b in zip(ranking, asked_order, strict=True) if a == b)


async def test_a_question_row_holds_only_its_allowed_columns(world: World) -> None:
    await box.ask("mk-kt3", "wages", "Lương tháng này chậm, vì sao?", secret=SECRET, now=START)
    [item] = await t.BoxItem.select()
    [message] = await t.BoxMessage.select()
    assert set(item) == ITEM_COLUMNS
    assert set(message) == MESSAGE_COLUMNS


async def test_neither_ids_nor_the_order_rows_come_back_in_tell_who_asked_first(
    world: World,
) -> None:
    asked_order = []
    for number in range(ASKED):
        moment = START + timedelta(seconds=90 * number)  # all within one hour
        code = await box.ask(
            "mk-kt3", "meals", f"Câu hỏi số {number:02d} về nhà ăn", secret=SECRET, now=moment
        )
        row = (
            await t.BoxItem.select(t.BoxItem.id)
            .where(t.BoxItem.follow_key == privacy.box_follow_key(SECRET, code))
            .first()
        )
        assert row is not None
        asked_order.append(row["id"])
    hours = {r["arrived_hour"] for r in await t.BoxItem.select(t.BoxItem.arrived_hour)}
    assert hours == {datetime(2026, 12, 4, 9, tzinfo=UTC)}
    as_stored = [r["id"] for r in await t.BoxItem.select(t.BoxItem.id)]
    by_id = sorted(asked_order)
    messages = [r["item"] for r in await t.BoxMessage.select(t.BoxMessage.item)]
    by_message_id = [
        r["item"] for r in await t.BoxMessage.select(t.BoxMessage.item).order_by(t.BoxMessage.id)
    ]
    for name, ranking in {
        "ids": by_id,
        "message ids": by_message_id,
        "item rows as read": as_stored,
        "message rows as read": messages,
    }.items():
        if name.endswith("as read") and ranking == by_id:
            pass  # rows as read come in id order (random ids): the same test as "ids"
        assert right_pairs(ranking, asked_order) <= CHANCE_BOUND, name
        assert right_pairs(ranking, asked_order[::-1]) <= CHANCE_BOUND, name
    # the queue the officer reads: equal clocks are ordered by id, not by arrival
    queued = [i.id for i in await box.queue(world.principals["officer"], now=START, sort="arrival")]
    assert right_pairs(queued, asked_order) <= CHANCE_BOUND


async def test_a_question_does_not_link_to_the_same_phones_poll_answer(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world, duplicate_policy="device")
    device = privacy.new_device_token(SECRET)
    cookie = {"cookie": f"{privacy.DEVICE_COOKIE}={device}"}
    sent = await client.post(
        f"/api/v1/forms/{poll.code}/responses", json={"answers": poll.answers()}, headers=cookie
    )
    assert sent.status_code == 201, sent.text
    asked = await client.post(
        "/hoi/mk-kt3",
        data={"topic": "union", "text": "Khi nào có kết quả khảo sát vừa rồi?"},
        headers=cookie,
    )
    assert asked.status_code == 303  # to the page that shows the code
    box_values = {
        str(value)
        for table in (t.BoxItem, t.BoxMessage)
        for row in await table.select()
        for column, value in row.items()
        if column not in ("unit", "origin", "position", "item", "hidden", "escalations")
        and value not in (None, "", 0, 1)
    }
    poll_values = {
        str(value)
        for table in (t.Response, t.Answer, t.DuplicateKey, t.IdempotencyKey)
        for row in await table.select()
        for column, value in row.items()
        if column in ("id", "key", "response")
    }
    assert not box_values & poll_values
    # the box keeps no device-derived key: the poll's duplicate key of this phone is nowhere
    subject = privacy.device_subject(device)
    for table in (t.BoxItem, t.BoxMessage):
        for row in await table.select():
            for value in row.values():
                assert privacy.duplicate_key(SECRET, poll.id, subject) != str(value)
                assert subject not in str(value)


@pytest.mark.parametrize("secret", ["another-server-secret-" + "y" * 20])
async def test_the_stored_hash_gives_no_code_back_without_the_secret(
    world: World, secret: str
) -> None:
    code = await box.ask(
        "mk-kt3", "other", "Đề xuất thêm xe đưa đón ca ba.", secret=SECRET, now=START
    )
    [item] = await t.BoxItem.select(t.BoxItem.follow_key)
    assert item["follow_key"] == privacy.box_follow_key(SECRET, code)
    assert item["follow_key"] != privacy.box_follow_key(secret, code)
    assert item["follow_key"] != privacy.duplicate_key(SECRET, 1, code)
    # a code of ~59 bits: 30 alphabet letters, 12 places
    assert len(privacy.BOX_CODE_ALPHABET) ** privacy.BOX_CODE_LENGTH > 2**58
