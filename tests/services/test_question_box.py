"""The question box's service: asking, following up by code, the clock (time injected),
escalation, hiding and publication (issue 15, item 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from polls import privacy
from polls import tables as t
from polls.errors import Conflict, Forbidden, InvalidInput, NotFound
from polls.services import question_box as box
from polls.services.question_box import ClockState
from tests.conftest import SECRET, World

ARRIVAL = datetime(2026, 12, 4, 7, 35, tzinfo=UTC)
QUESTION = "Ca ba ở lò chợ 5 không có nước uống, đề nghị công đoàn kiểm tra."


async def asked(slug: str = "mk-kt3", at: datetime = ARRIVAL) -> tuple[str, int]:
    code = await box.ask(slug, "safety", QUESTION, secret=SECRET, now=at)
    row = await t.BoxItem.select(t.BoxItem.id).first()
    assert row is not None
    return code, row["id"]


async def test_a_question_is_stored_with_its_hour_and_the_hash_of_its_code_only(
    world: World,
) -> None:
    code, _ = await asked()
    assert privacy.normal_box_code(code) == code
    [item] = await t.BoxItem.select()
    assert item["arrived_hour"] == datetime(2026, 12, 4, 7, tzinfo=UTC)
    assert item["follow_key"] == privacy.box_follow_key(SECRET, code)
    assert code not in repr(item)
    assert code.replace("-", "") not in repr(item)
    [message] = await t.BoxMessage.select()
    assert message["body"] == QUESTION
    assert message["at"] == item["arrived_hour"]


async def test_the_worker_reads_the_reply_by_the_code_typed_in_any_case(world: World) -> None:
    code, item_id = await asked()
    await box.reply(
        world.principals["officer"], item_id, "Đã làm việc với phân xưởng.", now=ARRIVAL
    )
    read = await box.thread(code.lower().replace("-", " "), secret=SECRET)
    assert [m.author for m in read.messages] == ["worker", "officer"]
    assert read.messages[1].body == "Đã làm việc với phân xưởng."
    assert read.may_add


async def test_one_more_message_then_none(world: World) -> None:
    code, _ = await asked()
    later = ARRIVAL + timedelta(hours=3, minutes=12)
    read = await box.add_message(code, "Vẫn chưa có nước.", secret=SECRET, now=later)
    assert read.messages[-1].at == datetime(2026, 12, 4, 10, tzinfo=UTC)
    assert not read.may_add
    with pytest.raises(Conflict):
        await box.add_message(code, "Lần nữa", secret=SECRET, now=later)
    assert await t.BoxMessage.count() == 2


async def test_a_wrong_code_reads_like_a_code_of_nothing(world: World) -> None:
    await asked()
    refusals = []
    for typed in ("AAAA-AAAA-AAAA", "not a code", "", "A" * 500):
        with pytest.raises(InvalidInput) as refused:
            await box.thread(typed, secret=SECRET)
        refusals.append((refused.value.status_code, refused.value.errors))
    assert len(set(map(repr, refusals))) == 1


@pytest.mark.parametrize(
    ("hours", "state"),
    [(23, ClockState.ON_TIME), (25, ClockState.DUE), (49, ClockState.OVERDUE)],
)
async def test_the_clock_at_23_25_and_49_hours(world: World, hours: int, state: str) -> None:
    _, _item_id = await asked()
    arrived = datetime(2026, 12, 4, 7, tzinfo=UTC)
    now = arrived + timedelta(hours=hours, minutes=1)
    [queued] = await box.queue(world.principals["officer"], now=now)
    assert queued.clock.state == state
    assert queued.clock.hours == hours
    assert box.overdue_count([queued]) == (1 if state == ClockState.OVERDUE else 0)


async def test_escalation_moves_the_item_up_and_keeps_the_clock(world: World) -> None:
    _, item_id = await asked("mk-kt3")
    officer = world.principals["officer"]  # Mạo Khê, the workshop's parent
    now = datetime(2026, 12, 5, 8, tzinfo=UTC)  # 25 h after the arrival hour
    parent = await box.escalate(officer, item_id, now=now)
    assert parent.slug == "than-mao-khe"
    escalated = await box.item(world.principals["admin"], item_id, now=now)
    assert escalated.clock.state == ClockState.DUE
    assert escalated.clock.hours == 25
    await box.escalate(officer, item_id, now=now)  # up to the national union
    with pytest.raises(NotFound):  # now out of Mạo Khê's subtree
        await box.item(officer, item_id, now=now)
    with pytest.raises(Conflict):  # the root has no parent
        await box.escalate(world.principals["admin"], item_id, now=now)
    at_root = await box.item(world.principals["admin"], item_id, now=now + timedelta(days=1))
    assert at_root.clock.state == ClockState.OVERDUE
    assert at_root.escalations == 2


async def test_a_reply_stops_the_clock(world: World) -> None:
    _, item_id = await asked()
    arrived = datetime(2026, 12, 4, 7, tzinfo=UTC)
    await box.reply(
        world.principals["officer"], item_id, "Trả lời", now=arrived + timedelta(hours=20)
    )
    [queued] = await box.queue(world.principals["officer"], now=arrived + timedelta(hours=60))
    assert queued.clock == box.Clock(ClockState.ANSWERED, 20)


async def test_scope_and_roles(world: World) -> None:
    _, item_id = await asked()
    assert await box.queue(world.principals["outsider"], now=ARRIVAL) == []
    with pytest.raises(NotFound):
        await box.reply(world.principals["outsider"], item_id, "x", now=ARRIVAL)
    assert len(await box.queue(world.principals["viewer"], now=ARRIVAL)) == 1
    with pytest.raises(Forbidden):
        await box.reply(world.principals["viewer"], item_id, "x", now=ARRIVAL)
    with pytest.raises(Forbidden):
        await box.reply(world.principals["mk_viewer"], item_id, "x", now=ARRIVAL)
    assert await t.BoxMessage.count() == 1


async def test_hiding_keeps_the_text_and_the_reason(world: World) -> None:
    _, item_id = await asked()
    officer = world.principals["officer"]
    with pytest.raises(InvalidInput):
        await box.hide(officer, item_id, "0", "", now=ARRIVAL)
    await box.hide(officer, item_id, "0", "Nêu tên một người", now=ARRIVAL)
    shown = await box.item(officer, item_id, now=ARRIVAL)
    assert shown.messages[0].hidden
    assert shown.messages[0].hidden_reason == "Nêu tên một người"
    assert shown.messages[0].body == QUESTION
    assert [e.action for e in shown.events] == ["hide"]


async def test_publication_only_after_a_reply_and_the_officers_consent(world: World) -> None:
    _, item_id = await asked()
    officer = world.principals["officer"]
    texts = {"question": "Nước uống ở lò chợ?", "answer": "Đã bổ sung bình nước."}
    with pytest.raises(Conflict):  # no reply yet
        await box.publish(officer, item_id, **texts, consent=True, now=ARRIVAL)
    await box.reply(officer, item_id, "Đã bổ sung bình nước cho ca ba.", now=ARRIVAL)
    with pytest.raises(InvalidInput) as refused:
        await box.publish(officer, item_id, **texts, consent=False, now=ARRIVAL)
    assert "consent" in refused.value.errors
    assert (await box.published_answers("mk-kt3"))[1] == []
    await box.publish(officer, item_id, **texts, consent=True, now=ARRIVAL)
    [shown] = (await box.published_answers("mk-kt3"))[1]
    assert (shown.question, shown.reply) == (texts["question"], texts["answer"])
    [original] = await t.BoxMessage.select().where(t.BoxMessage.position == 0)
    assert original["body"] == QUESTION  # the original stays as it was, private


async def test_bad_input_is_refused_and_nothing_is_stored(world: World) -> None:
    for topic, text in (
        ("weather", QUESTION),
        ("safety", "ngắn"),
        ("safety", "x" * 2001),
        ("safety", None),
        (None, QUESTION),
    ):
        with pytest.raises(InvalidInput):
            await box.ask("mk-kt3", topic, text, secret=SECRET, now=ARRIVAL)
    with pytest.raises(NotFound):
        await box.ask("no-such-unit", "safety", QUESTION, secret=SECRET, now=ARRIVAL)
    assert await t.BoxItem.count() == 0
    assert await t.BoxMessage.count() == 0


async def test_the_askers_message_after_a_reply_puts_the_item_before_the_officers_again(
    world: World,
) -> None:
    """A reply stops the clock; the asker's one further message after it must not sit
    unseen among the answered: it is ``follow_up``, sorted before the items on time, with
    its hours from that message, on the queue and on the item's page, even when the item
    was marked handled."""
    code, item_id = await asked()
    officer = world.principals["officer"]
    await box.ask("mk-kt3", "meals", "Suất ăn ca đêm thiếu rau.", secret=SECRET, now=ARRIVAL)
    await box.reply(officer, item_id, "Đã kiểm tra.", now=ARRIVAL + timedelta(hours=2))
    await box.mark_handled(officer, item_id, now=ARRIVAL + timedelta(hours=2))
    written = ARRIVAL + timedelta(hours=5, minutes=40)  # kept as 13:00, to the hour
    await box.add_message(code, "Vẫn chưa có nước ở lò chợ 5.", secret=SECRET, now=written)
    now = datetime(2026, 12, 4, 15, 10, tzinfo=UTC)
    first, second = await box.queue(officer, now=now)
    assert (first.id, first.clock) == (item_id, box.Clock(ClockState.FOLLOW_UP, 2))
    assert second.clock.state == ClockState.ON_TIME
    shown = await box.item(officer, item_id, now=now)
    assert shown.clock == box.Clock(ClockState.FOLLOW_UP, 2)
    # an officer's answer to it stops it again, as the first reply did the first clock
    await box.reply(officer, item_id, "Ngày mai đội cơ điện lắp lại đường ống.", now=now)
    again = await box.item(officer, item_id, now=now + timedelta(hours=30))
    assert again.clock == box.Clock(ClockState.HANDLED, 2)


async def test_a_further_message_before_any_reply_keeps_the_arrivals_clock(
    world: World,
) -> None:
    code, _ = await asked()
    await box.add_message(code, "Thêm: cả ca hai.", secret=SECRET, now=ARRIVAL + timedelta(hours=1))
    [queued] = await box.queue(world.principals["officer"], now=ARRIVAL + timedelta(hours=26))
    assert queued.clock == box.Clock(ClockState.DUE, 26)


async def test_a_follow_up_hidden_by_an_officer_waits_for_nothing(world: World) -> None:
    code, item_id = await asked()
    officer = world.principals["officer"]
    await box.reply(officer, item_id, "Đã kiểm tra.", now=ARRIVAL + timedelta(hours=1))
    await box.add_message(code, "Lời lẽ xúc phạm một người.", secret=SECRET, now=ARRIVAL)
    await box.hide(officer, item_id, "2", "Xúc phạm một người", now=ARRIVAL)
    [queued] = await box.queue(officer, now=ARRIVAL + timedelta(hours=3))
    assert queued.clock.state == ClockState.ANSWERED


async def test_an_assignment_is_shown_and_kept_in_the_items_history(world: World) -> None:
    _, item_id = await asked()
    officer = world.principals["officer"]
    await box.assign(officer, item_id, "Ban Nữ công", now=ARRIVAL)
    [queued] = await box.queue(officer, now=ARRIVAL)
    assert queued.assignee == "Ban Nữ công"
    shown = await box.item(officer, item_id, now=ARRIVAL)
    assert shown.assignee == "Ban Nữ công"
    assert [(e.action, e.detail) for e in shown.events] == [("assign", "Ban Nữ công")]
    for bad in ("", "Ban\nNữ công", "x" * 500):
        with pytest.raises(InvalidInput):
            await box.assign(officer, item_id, bad, now=ARRIVAL)
    with pytest.raises(Forbidden):
        await box.assign(world.principals["viewer"], item_id, "Ban Tuyên giáo", now=ARRIVAL)
    with pytest.raises(NotFound):
        await box.assign(world.principals["outsider"], item_id, "Ban Tuyên giáo", now=ARRIVAL)
    assert (await box.item(officer, item_id, now=ARRIVAL)).assignee == "Ban Nữ công"
