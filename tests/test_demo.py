"""The demo's question box is alive: questions in every state of the queue (new, due,
overdue, escalated, answered, published, handled, hidden), asked and answered through the
box's own services (arrival kept to the hour), published replies on a unit's public answers
page, months the numbers report can show, and the same demo for the same seed and clock."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

import httpx

from polls import demo, demo_box
from polls import tables as t
from polls.services import accounts
from polls.services import question_box as box
from polls.services.question_box import ClockState
from tests.conftest import SECRET, Database
from tests.console.conftest import login

NOW = datetime(2026, 12, 3, 9, 41, tzinfo=UTC)


async def test_the_demos_box_has_questions_in_every_state(db: Database) -> None:
    summary = await demo.load_demo(SECRET, now=NOW)
    assert (
        summary.questions
        == await t.BoxItem.count()
        == len(demo_box.QUEUE) + demo_box.ANSWERED_BEFORE
    )
    assert summary.responses == 137 + 64 + 41  # the polls' answers are as before
    admin = (await accounts.authenticate("admin", demo.DEMO_PASSWORD)).principal
    queue = await box.queue(admin, now=NOW)
    states = Counter(item.clock.state for item in queue)
    for state in ClockState:
        assert states[state] >= 1, (state, states)
    assert states[ClockState.OVERDUE] == 2
    assert await box.overdue_in_scope(admin, NOW) == 2  # the leaders' flag
    assert sum(1 for item in queue if item.escalations) == 2
    assert sum(1 for item in queue if item.hidden) == 1
    assert sum(1 for item in queue if item.assignee) >= 3
    assert {item.status for item in queue} == {"open", "handled"}
    assert await t.BoxPublished.count() == 3
    assert len({item.unit_name for item in queue}) >= 6
    for row in await t.BoxItem.select(t.BoxItem.arrived_hour):
        assert (row["arrived_hour"].minute, row["arrived_hour"].second) == (0, 0)
    # the escalated questions moved up: one to the company, one to the national union
    national = [i for i in queue if i.unit_name == "Công đoàn Than – Khoáng sản Việt Nam"]
    assert [i.escalations for i in national] == [1]
    # the officer of Mạo Khê sees his company's questions, not Hà Lầm's overdue one
    maokhe = (await accounts.authenticate("maokhe", demo.DEMO_PASSWORD)).principal
    assert await box.overdue_in_scope(maokhe, NOW) == 1
    # the numbers report has months to show: totals, topics and units over k
    numbers = await box.leadership_numbers(admin, now=NOW)
    shown = [m for m in numbers.months if m.total is not None]
    assert len(shown) >= 2
    assert any(count for m in shown for count in m.topics.values())
    assert any(count for m in shown for count in m.units.values())
    assert all(m.median_reply_hours is not None for m in shown)


async def test_the_public_answers_page_shows_a_published_reply(
    client: httpx.AsyncClient, db: Database
) -> None:
    await demo.load_demo(SECRET, now=NOW)
    page = await client.get("/hoi/mao-khe-khai-thac-3/tra-loi")
    assert page.status_code == 200
    assert "Nhà ăn ca hai hết món canh từ 12 giờ" in page.text
    assert "giữ suất ăn đến 13 giờ 30" in page.text
    # only the edited copy: not the worker's own words, nor an unpublished question
    assert "hết canh từ 12 giờ" not in page.text
    assert "Cơm ca ba ở nhà ăn số 2" not in page.text
    company = await client.get("/hoi/than-mao-khe/tra-loi")
    assert "quà khuyến học" in company.text


async def test_the_console_queue_and_the_numbers_report_of_the_demo(
    client: httpx.AsyncClient, db: Database
) -> None:
    await demo.load_demo(SECRET)
    await login(client, "maokhe", demo.DEMO_PASSWORD)
    queue = await client.get("/console/hoi")
    assert queue.status_code == 200
    assert "Đi làm ngày Chủ nhật thì tiền làm thêm giờ" in queue.text
    assert "Cơm ca ba ở nhà ăn số 2" in queue.text
    report = await client.get("/console/hoi/so-lieu.pdf")
    assert report.status_code == 200
    assert report.content.startswith(b"%PDF")


def test_the_demo_is_the_same_for_the_same_seed() -> None:
    first = demo_box._history(random.Random(1211))
    assert first == demo_box._history(random.Random(1211))
    assert first != demo_box._history(random.Random(7))
