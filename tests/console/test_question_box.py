"""The officer's question box pages (issue 15, item 2): an outsider's queue names nothing,
the queue's clock labelled in words, the overdue flag on the console's first page. Who may
read and act on each page (leadership reads, officers act, every change needs the CSRF
token) is in ``tests/rules/test_routes.py``'s grid."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from polls.services import question_box as box
from tests.conftest import SECRET, World
from tests.console.conftest import csrf_token, login

QUESTION = "Ca ba ở lò chợ 5 không có nước uống, đề nghị công đoàn kiểm tra."


@pytest.fixture
async def ids(world: World) -> dict[str, int]:
    return await asked(world)


async def asked(world: World) -> dict[str, int]:
    """Two questions in Mạo Khê's KT3 box, the second replied to: their ids."""
    now = datetime.now(UTC)
    await box.ask("mk-kt3", "safety", QUESTION, secret=SECRET, now=now)
    [item] = await box.queue(world.principals["admin"], now=now)
    await box.ask("mk-kt3", "meals", "Suất ăn ca đêm còn thiếu rau.", secret=SECRET, now=now)
    answered = next(
        i for i in await box.queue(world.principals["admin"], now=now) if i.id != item.id
    )
    await box.reply(world.principals["officer"], answered.id, "Đã bổ sung rau.", now=now)
    return {"item": item.id, "answered": answered.id}


async def test_the_outsider_queue_is_empty_and_names_nothing(
    client: httpx.AsyncClient, world: World, ids: dict[str, int]
) -> None:
    await login(client, "outsider")
    page = await client.get("/console/hoi")
    assert QUESTION[:40] not in page.text
    assert str(ids["item"]) not in page.text


async def test_a_bad_item_id_is_404(client: httpx.AsyncClient, world: World) -> None:
    await login(client, "officer")
    for bad in ("x", "0", "٣", "9" * 30, "1_0"):
        assert (await client.get(f"/console/hoi/{bad}")).status_code == 404


async def test_the_queue_labels_each_clock_in_words_and_flags_overdue_items(
    client: httpx.AsyncClient, world: World
) -> None:
    now = datetime.now(UTC)
    for hours, topic in ((50, "wages"), (30, "meals"), (2, "safety")):
        await box.ask(
            "mk-kt3", topic, QUESTION + topic, secret=SECRET, now=now - timedelta(hours=hours)
        )
    await login(client, "mk-viewer")
    client.headers["accept-language"] = "vi"
    page = (await client.get("/console/hoi")).text
    states = re.findall(r'data-state="([a-z_]+)"', page)
    assert states == ["overdue", "due", "on_time"]
    for words in ("Quá hạn", "Đến hạn", "Trong 24 giờ"):
        assert words in page
    assert 'id="overdue"' in page
    first = (await client.get("/console")).text
    assert 'id="box-overdue"' in first
    assert "/console/hoi" in first
    by_arrival = (await client.get("/console/hoi?sort=arrival")).text
    assert re.findall(r'data-state="([a-z_]+)"', by_arrival) == ["overdue", "due", "on_time"]
    by_topic = (await client.get("/console/hoi?sort=topic")).text
    assert re.findall(r'data-state="([a-z_]+)"', by_topic) == ["overdue", "on_time", "due"]


async def test_an_escalation_out_of_the_officers_scope_returns_to_the_queue(
    client: httpx.AsyncClient, world: World
) -> None:
    now = datetime.now(UTC)
    await box.ask("than-mao-khe", "wages", QUESTION, secret=SECRET, now=now)
    [item] = await box.queue(world.principals["officer"], now=now)
    await login(client, "officer")
    page = await client.get(f"/console/hoi/{item.id}")
    sent = await client.post(
        f"/console/hoi/{item.id}/escalate", data={"_csrf_token": csrf_token(page)}
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/console/hoi"
    assert (await client.get(f"/console/hoi/{item.id}")).status_code == 404
    [moved] = await box.queue(world.principals["admin"], now=now)
    assert moved.unit_name.startswith("Công đoàn Than")
    assert moved.escalations == 1
