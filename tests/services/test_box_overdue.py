"""Overdue questions flagged to the unit's leaders' Zalo group (issue 15), against the fake
Zalo Bot API on 127.0.0.1, the clock injected: one message per unit with a group, at 49
hours and not at 23, once only across runs, never a question's text, topic or follow-up
code; an escalated item flags the unit holding it; an unreachable group is marked and its
items wait; overlapping runs send each flag once, a failed send is tried again by the next
run, and a run that died holding its claim is taken over after the lease. Also the
group's id set by an admin (console form and API PATCH, validated, audited),
and ``polls box-overdue`` itself."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from polls import cli
from polls import db as polls_db
from polls import tables as t
from polls.messengers.zalo_bot import ZaloBot
from polls.services import box_overdue, polls, question_box, units
from tests.conftest import SECRET, World
from tests.console.conftest import login, post_form
from tests.messengers.fake_zalo_bot import FakeZaloBot, serve, trouble

TOKEN = "1459232241454765289:test-ONLY-not-a-real-zalo-bot-token"
KT3_LEADERS = "kt3.leaders-0001"
MK_LEADERS = "mk_leaders-0002"
GONE = "removed-group-0003"
BASE_URL = "https://polls.example.vn"
ASKED = datetime(2026, 12, 1, 1, tzinfo=UTC)
QUESTION = "Quản đốc phân xưởng ép làm thêm ca không trả tiền, tôi là thợ lò tổ 3."


@pytest.fixture
def fake() -> Iterator[FakeZaloBot]:
    yield from serve(FakeZaloBot(TOKEN, groups={KT3_LEADERS, MK_LEADERS}))


async def run(fake: FakeZaloBot, hours: float, minutes: float = 0) -> list[box_overdue.Outcome]:
    bot = ZaloBot(TOKEN, fake.url)
    at = ASKED + timedelta(hours=hours, minutes=minutes)
    try:
        return await box_overdue.flag_overdue(bot, BASE_URL, "vi", at)
    finally:
        await bot.aclose()


@dataclass
class SlowZaloBot(FakeZaloBot):
    """The first message is held, unanswered, until the test lets it go or a second
    message arrives (which lets it go too): a slow run, still sending when the next starts."""

    arrived: threading.Event = field(default_factory=threading.Event)
    let_go: threading.Event = field(default_factory=threading.Event)

    def handle(self, http_method: str, path: str, headers: dict[str, str], body: bytes) -> object:
        if path.lower().endswith("/sendmessage"):
            if not self.arrived.is_set():
                self.arrived.set()
                self.let_go.wait(timeout=60)  # a bound, so a broken test cannot hang
            else:
                self.let_go.set()
        return super().handle(http_method, path, headers, body)


async def ask(slug: str, topic: str = "wages", at: datetime = ASKED) -> str:
    return await question_box.ask(slug, topic, QUESTION, secret=SECRET, now=at)


async def set_group(world: World, slug: str, chat: str) -> None:
    await units.set_leaders_chat(world.principals["admin"], slug, chat)


async def test_one_message_at_49_hours_none_at_23_and_once_only(
    world: World, fake: FakeZaloBot
) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    codes = [await ask("mk-kt3", "safety"), await ask("mk-kt3", "wages")]
    await ask("mk-kt3", "meals", at=ASKED + timedelta(hours=10))
    assert await run(fake, 23) == []
    assert fake.sent() == []
    [outcome] = await run(fake, 49)
    assert (outcome.unit_name, outcome.items, outcome.sent) == ("Phân xưởng Khai thác 3", 2, True)
    [message] = fake.sent()
    assert message["chat_id"] == KT3_LEADERS
    text = message["text"]
    assert "Phân xưởng Khai thác 3" in text
    assert "2 câu hỏi" in text
    assert "49 giờ" in text
    assert f"{BASE_URL}/console/hoi" in text
    # nothing of the questions themselves: text, topic, follow-up code, item id
    assert QUESTION[:20] not in text
    for words in ("An toàn", "Tiền lương", "safety", "wages", *codes):
        assert words not in text
    for item in await question_box.queue(world.principals["admin"], now=ASKED):
        assert str(item.id) not in text
    assert await run(fake, 50) == []
    assert len(fake.sent()) == 1
    # the third question becomes overdue at 58 hours: a message of its own, then nothing
    [later] = await run(fake, 59)
    assert later.items == 1
    assert "1 câu hỏi" in fake.sent()[-1]["text"]
    assert await run(fake, 80) == []
    assert len(fake.sent()) == 2


async def test_the_flag_is_recorded_at_the_hour_and_shows_in_the_items_history(
    client: httpx.AsyncClient, world: World, fake: FakeZaloBot
) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await ask("mk-kt3")
    await run(fake, 49.75)
    [event] = await t.BoxEvent.select().where(t.BoxEvent.action == "flag")
    assert event["at"] == ASKED + timedelta(hours=49)
    assert event["officer_name"] == ""
    assert event["detail"] == ""
    await login(client, "mk-viewer")
    client.headers["accept-language"] = "vi"
    page = await client.get(f"/console/hoi/{event['item']}")
    assert "Đã báo quá hạn vào nhóm Zalo lãnh đạo" in page.text


async def test_nothing_for_units_without_a_group_replied_or_handled_items(
    world: World, fake: FakeZaloBot
) -> None:
    await ask("mk-cd")  # no group for Cơ điện nor for Mạo Khê
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await ask("mk-kt3")
    await ask("mk-kt3")
    items = await question_box.queue(world.principals["admin"], now=ASKED)
    kt3 = [i for i in items if i.unit_name == "Phân xưởng Khai thác 3"]
    officer = world.principals["officer"]
    await question_box.reply(officer, kt3[0].id, "Đã chuyển.", now=ASKED + timedelta(hours=30))
    await question_box.mark_handled(officer, kt3[1].id, now=ASKED + timedelta(hours=30))
    assert await run(fake, 72) == []
    assert fake.sent() == []
    assert not await t.BoxEvent.exists().where(t.BoxEvent.action == "flag")


async def test_an_escalated_item_flags_the_unit_that_holds_it(
    world: World, fake: FakeZaloBot
) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await set_group(world, "than-mao-khe", MK_LEADERS)
    await ask("mk-kt3")
    [item] = await question_box.queue(world.principals["admin"], now=ASKED)
    await question_box.escalate(world.principals["officer"], item.id, now=ASKED)
    [outcome] = await run(fake, 49)
    assert outcome.unit_name == "Công đoàn Công ty Than Mạo Khê"
    [message] = fake.sent()
    assert message["chat_id"] == MK_LEADERS
    assert "Công đoàn Công ty Than Mạo Khê" in message["text"]


async def test_an_unreachable_group_is_marked_and_its_items_wait(
    world: World, fake: FakeZaloBot
) -> None:
    await set_group(world, "mk-kt3", GONE)
    await set_group(world, "mk-cd", KT3_LEADERS)
    await ask("mk-kt3")
    await ask("mk-cd")
    outcomes = await run(fake, 49)
    assert {(o.unit_name, o.sent, o.reason) for o in outcomes} == {
        ("Phân xưởng Khai thác 3", False, "unreachable"),
        ("Phân xưởng Cơ điện", True, ""),
    }
    assert (await units.get_by_slug("mk-kt3")).leaders_chat_unreachable
    assert not (await units.get_by_slug("mk-cd")).leaders_chat_unreachable
    fake.groups.add(GONE)  # the bot was added to the group again
    [again] = await run(fake, 50)
    assert (again.unit_name, again.sent) == ("Phân xưởng Khai thác 3", True)
    assert fake.sent()[-1]["chat_id"] == GONE
    assert not (await units.get_by_slug("mk-kt3")).leaders_chat_unreachable


async def test_the_admin_sets_the_group_in_the_console_and_the_api(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "admin")
    page = "/console/admin/units/mk-kt3"
    form = {"name": "Phân xưởng Khai thác 3", "headcount": "400", "parent": "than-mao-khe"}
    refused = await post_form(
        client, page, {**form, "leaders_zalo_chat_id": "nhóm lãnh đạo"}, from_page=page
    )
    assert refused.status_code == 422
    assert "/id" in refused.text
    assert (await units.get_by_slug("mk-kt3")).leaders_zalo_chat_id is None
    sent = await post_form(
        client, page, {**form, "leaders_zalo_chat_id": f" {KT3_LEADERS} "}, from_page=page
    )
    assert sent.status_code == 303, sent.text
    assert (await units.get_by_slug("mk-kt3")).leaders_zalo_chat_id == KT3_LEADERS
    assert KT3_LEADERS in (await client.get(page)).text
    api = "/api/v1/units/mk-kt3"
    bad = await client.patch(
        api, json={"leaders_zalo_chat_id": "a b", "name": "X"}, headers=world.auth("admin")
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"leaders_zalo_chat_id"}
    assert (await units.get_by_slug("mk-kt3")).name == "Phân xưởng Khai thác 3"  # nothing written
    for who in ("officer", "viewer"):
        refused_api = await client.patch(
            api, json={"leaders_zalo_chat_id": MK_LEADERS}, headers=world.auth(who)
        )
        assert refused_api.status_code == 403
    changed = await client.patch(
        api, json={"leaders_zalo_chat_id": MK_LEADERS}, headers=world.auth("admin")
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["leaders_zalo_chat_id"] == MK_LEADERS
    cleared = await client.patch(
        api, json={"leaders_zalo_chat_id": ""}, headers=world.auth("admin")
    )
    assert cleared.json()["leaders_zalo_chat_id"] is None
    rows = await t.AuditEntry.select(t.AuditEntry.action, t.AuditEntry.detail).where(
        t.AuditEntry.action == "unit.leaders_chat"
    )
    assert [r["detail"] for r in rows] == [
        f"– → {KT3_LEADERS}",
        f"{KT3_LEADERS} → {MK_LEADERS}",
        f"{MK_LEADERS} → –",
    ]


# --- overlapping runs ------------------------------------------------------------------------


async def test_a_run_starting_while_another_still_sends_sends_nothing_twice(world: World) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await set_group(world, "mk-cd", MK_LEADERS)
    await ask("mk-kt3")
    await ask("mk-cd")
    for fake in serve(SlowZaloBot(TOKEN, groups={KT3_LEADERS, MK_LEADERS})):
        first = asyncio.create_task(run(fake, 49))
        try:
            await asyncio.to_thread(fake.arrived.wait, 60)
            # the first run's message to one unit is on its way, unanswered: the second run
            # (the next minute's cron) must not send it again
            second = await run(fake, 49, minutes=1)
        finally:
            fake.let_go.set()
        outcomes = await first
        sent = [o for o in outcomes + second if o.sent]
        assert sorted(o.unit_name for o in sent) == ["Phân xưởng Cơ điện", "Phân xưởng Khai thác 3"]
        assert sorted(m["chat_id"] for m in fake.sent()) == sorted([KT3_LEADERS, MK_LEADERS])
    flags = await t.BoxEvent.select(t.BoxEvent.item).where(t.BoxEvent.action == "flag")
    assert len(flags) == len({r["item"] for r in flags}) == 2


async def test_runs_started_together_send_each_flag_once(world: World, fake: FakeZaloBot) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await set_group(world, "mk-cd", MK_LEADERS)
    for _ in range(3):
        await ask("mk-kt3")
    await ask("mk-cd")
    results = await asyncio.gather(*(run(fake, 49) for _ in range(4)))
    assert sorted(o.items for outcomes in results for o in outcomes if o.sent) == [1, 3]
    assert sorted(m["chat_id"] for m in fake.sent()) == sorted([KT3_LEADERS, MK_LEADERS])
    assert await t.BoxEvent.count().where(t.BoxEvent.action == "flag") == 4


async def test_two_claims_at_once_one_holds_the_items(world: World) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await ask("mk-kt3")
    await ask("mk-kt3")
    now = ASKED + timedelta(hours=49)
    [due] = await box_overdue.due_flags(now)
    claimed = await asyncio.gather(*(box_overdue.claim(due, f"run-{n}", now) for n in range(4)))
    [winner] = [c for c in claimed if c is not None]
    assert winner.items == due.items


async def test_a_failed_send_is_left_for_the_next_run(world: World, fake: FakeZaloBot) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await ask("mk-kt3")
    fake.fail_next.append((400, {"ok": False, "error_code": 400, "description": "Bad Request"}))
    [failed] = await run(fake, 49)
    assert (failed.sent, failed.reason) == (False, "400")
    assert not await t.BoxEvent.exists().where(t.BoxEvent.action == "flag")
    # a minute later, well inside the lease the failed run took: its claim was given back
    [again] = await run(fake, 49, minutes=1)
    assert again.sent
    assert len(fake.sent()) == 2  # the refused message and the one that went
    assert fake.messages == 1
    assert await t.BoxEvent.count().where(t.BoxEvent.action == "flag") == 1


async def test_a_bot_api_failing_every_try_leaves_the_flag_for_the_next_run(world: World) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await ask("mk-kt3")
    for fake in serve(FakeZaloBot(TOKEN, groups={KT3_LEADERS})):
        fake.fail_next += [trouble(502)] * 3
        bot = ZaloBot(TOKEN, fake.url, sleep=_no_wait)
        try:
            [failed] = await box_overdue.flag_overdue(
                bot, BASE_URL, "vi", ASKED + timedelta(hours=49)
            )
        finally:
            await bot.aclose()
        assert not failed.sent
        [again] = await run(fake, 49, minutes=1)
        assert again.sent
        assert fake.messages == 1


async def _no_wait(seconds: float) -> None:
    """The bot's wait between tries, skipped: the test moves no clock."""


async def test_a_claim_left_by_a_crashed_run_is_taken_over_after_the_lease(
    world: World, fake: FakeZaloBot
) -> None:
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await ask("mk-kt3")
    crashed_at = ASKED + timedelta(hours=49)
    [due] = await box_overdue.due_flags(crashed_at)
    # a run claims the item and dies before it sends or records anything
    assert await box_overdue.claim(due, "crashed-run", crashed_at) is not None
    lease_minutes = box_overdue.LEASE.total_seconds() / 60
    assert await run(fake, 49, minutes=lease_minutes - 1) == []
    assert fake.sent() == []
    [taken_over] = await run(fake, 49, minutes=lease_minutes)
    assert taken_over.sent
    assert len(fake.sent()) == 1
    # the crashed run, were it only slow, finds its claim gone: nothing recorded twice
    await box_overdue.confirm(due, "crashed-run", crashed_at)
    assert await t.BoxEvent.count().where(t.BoxEvent.action == "flag") == 1
    assert await run(fake, 49, minutes=3 * lease_minutes) == []
    assert len(fake.sent()) == 1


async def test_a_long_run_holds_each_unit_a_whole_lease_from_its_own_claim(
    world: World, fake: FakeZaloBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nine minutes go by over the first unit's message: the second unit's claim, made
    after it, still runs a whole ``LEASE`` from then, not from the run's start."""
    await set_group(world, "mk-kt3", KT3_LEADERS)
    await set_group(world, "than-mao-khe", MK_LEADERS)
    await ask("mk-kt3")
    await ask("than-mao-khe")
    ticks = iter([0.0, 0.0, 9 * 60.0])  # the run's start, the first claim, the second
    monkeypatch.setattr(box_overdue, "monotonic", lambda: next(ticks))
    assert [o.sent for o in await run(fake, 49)] == [True, True]
    untils = sorted(
        polls.aware(row["until"]) for row in await t.BoxFlagClaim.select(t.BoxFlagClaim.until)
    )
    at = ASKED + timedelta(hours=49)
    assert untils == [at + box_overdue.LEASE, at + timedelta(minutes=9) + box_overdue.LEASE]


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def command_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database of the command's own (SQLite) with Khai thác 3's group set and one
    question asked 50 hours ago."""
    url = f"sqlite:///{tmp_path / 'cron.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "cli-box-overdue-0123456789-abcdefghijklmnop")
    monkeypatch.setenv("BASE_URL", BASE_URL)
    monkeypatch.delenv("ZALO_BOT_TOKEN", raising=False)
    assert cli.main(["migrate"]) == 0
    engine = polls_db.engine_for_url(url, "NORMAL")
    previous = t.Unit._meta.db

    async def seed() -> None:
        polls_db.activate(engine)
        root = await units.create_unit(slug="cdtkv", name="CĐ TKV", kind="national", parent=None)
        await units.create_unit(slug="mk-kt3", name="Khai thác 3", kind="workshop", parent=root)
        await t.Unit.update({t.Unit.leaders_zalo_chat_id: KT3_LEADERS}).where(
            t.Unit.slug == "mk-kt3"
        )
        moment = datetime.now(UTC) - timedelta(hours=50)
        await question_box.ask("mk-kt3", "safety", QUESTION, secret=SECRET, now=moment)
        await polls_db.stop(engine)

    asyncio.run(seed())
    polls_db.activate(previous)
    return url


def test_the_command_without_the_bot_says_so(
    command_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["box-overdue"]) == 2
    out, err = capsys.readouterr()
    assert "ZALO_BOT_TOKEN is not set" in err
    assert "Traceback" not in out + err


def test_the_command_flags_once(
    command_db: str,
    fake: FakeZaloBot,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZALO_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ZALO_BOT_API_BASE", fake.url)
    assert cli.main(["box-overdue"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "flagged 1 overdue to the leaders of Khai thác 3"
    assert TOKEN.split(":")[1] not in out + err
    [message] = fake.sent()
    assert message["chat_id"] == KT3_LEADERS
    assert "50 giờ" in message["text"]
    assert cli.main(["box-overdue"]) == 0
    assert capsys.readouterr().out.strip() == "nothing overdue to flag"
    assert len(fake.sent()) == 1


def test_the_command_exits_non_zero_when_a_group_refuses(
    command_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for fake in serve(FakeZaloBot(TOKEN, groups=set())):
        monkeypatch.setenv("ZALO_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("ZALO_BOT_API_BASE", fake.url)
        assert cli.main(["box-overdue"]) == 1
        _, err = capsys.readouterr()
        assert "unreachable" in err
        assert "Traceback" not in err
