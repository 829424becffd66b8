"""Meeting mode through the console: the officer opens, closes and reveals questions (from
any browser of theirs: the state lives in the database), the screen's stream follows, and
every figure on it is a released one of the meeting's placement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls import tables as t
from tests.conftest import OpenPoll, World, add_placement, create_open_poll, snapshot
from tests.console.conftest import answer, login, post_form
from tests.streams import EventStream


@pytest.fixture
async def fast(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(
        rate_limit_per_device=0,
        rate_limit_per_ip=0,
        live_check_seconds=0.05,
        live_max_seconds=1.5,
    )


@pytest.fixture
async def lasting(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    """As ``fast``, but a stream lasts until the test leaves it (``tests.streams``)."""
    return await make_client(
        rate_limit_per_device=0,
        rate_limit_per_ip=0,
        live_check_seconds=0.05,
        live_max_seconds=600,
    )


async def meeting_poll(client: httpx.AsyncClient, world: World) -> tuple[OpenPoll, dict[str, Any]]:
    poll = await create_open_poll(client, world)
    made = await add_placement(client, world, poll.id, "Hội nghị người lao động", kind="meeting")
    return poll, made


async def act(client: httpx.AsyncClient, placement: int, **data: str) -> httpx.Response:
    return await post_form(
        client,
        f"/console/meetings/{placement}/act",
        data,
        from_page=f"/console/meetings/{placement}/remote",
    )


async def test_open_close_and_reveal_from_a_second_browser(
    lasting: httpx.AsyncClient,
    world: World,
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
    without_noise: None,
) -> None:
    """The remote is another app (another process, in production) than the screen."""
    poll, made = await meeting_poll(lasting, world)
    remote = await make_client()
    await login(lasting, "officer")
    await login(remote, "officer")
    screen = await lasting.get(f"/console/meetings/{made['id']}")
    assert screen.status_code == 200
    assert made["code"] in screen.text
    assert "Đang chờ câu hỏi đầu tiên" in screen.text
    assert f"/console/placements/{made['id']}/qr.svg" in screen.text

    moved = await act(remote, made["id"], action="next")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/console/meetings/{made['id']}/remote"
    page = (await lasting.get(f"/console/meetings/{made['id']}")).text
    assert "Câu 1/5" in page
    assert "Kênh nhanh nhất?" in page
    assert "Mời trả lời câu này" in page
    assert "Số người trả lời sẽ hiện khi có ít nhất 5 người trả lời." in page

    path = f"/console/meetings/{made['id']}/events"
    async with EventStream(lasting, path, {"accept-language": "en"}) as stream:
        await stream.wait_for("screen")
        for _ in range(6):
            await answer(lasting, made["code"], poll.answers())
        await act(remote, made["id"], action="reveal")
        await stream.wait_for("screen", lambda s: s["revealed"])
        await act(remote, made["id"], action="close")
        await stream.wait_for("screen", lambda s: not s["is_open"])
    sent = stream.named("screen")
    assert sent[0]["question_label"] == "Question 1 of 5"
    assert sent[0]["count_text"].startswith("Answers are counted once")
    assert sent[0]["scope_text"] == ""
    assert sent[-1]["is_open"] is False
    assert sent[-1]["status_text"] == "This question is over"
    assert sent[-1]["revealed"] is True
    assert sent[-1]["count_text"] == "≈ 6 answered"
    # the empty canteen is merged with the meeting, so the meeting's cell is hidden and
    # the screen counts the whole poll (6 answers here too) and says so
    assert sent[-1]["scope_text"].startswith("All answers to the poll")
    result = sent[-1]["result"]
    assert [o["label"] for o in result["options"]] == ["Zalo", "Bảng tin", "Loa"]
    assert [o["count"] for o in result["options"]] == [6, 0, 0]
    counts = {s["count_text"] for s in sent}
    assert counts <= {sent[0]["count_text"], "≈ 6 answered"}, "no count of 1 to 5 was ever sent"


async def test_a_small_meeting_shows_the_whole_poll_until_its_own_cell_is_released(
    fast: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    """Eight answers at the canteen, three at the meeting: the meeting's cell is too small
    (and the canteen's with it), so the screen shows the poll's 11 and says whose they are;
    five more at the meeting make a step, and its own 8 appear."""
    poll, made = await meeting_poll(fast, world)
    for _ in range(8):
        await answer(fast, poll.code, poll.answers())
    for _ in range(3):
        await answer(fast, made["code"], poll.answers())
    await login(fast, "officer")
    await act(fast, made["id"], action="open", question="4")
    await act(fast, made["id"], action="reveal")
    url = f"/console/meetings/{made['id']}"
    page = (await fast.get(url, headers={"accept-language": "en"})).text
    assert "Question 4 of 5" in page
    assert "≈ 11 answered" in page
    assert "All answers to the poll: this meeting&#39;s alone are not shown yet" in page
    assert page.count('class="opt"') == 2  # yes and no, of all 11
    for _ in range(4):
        await answer(fast, made["code"], poll.answers())
    page = (await fast.get(url, headers={"accept-language": "en"})).text
    assert "≈ 11 answered" in page, "4 more are not a step of 5: nothing moved"
    await answer(fast, made["code"], poll.answers())
    page = (await fast.get(url, headers={"accept-language": "en"})).text
    assert "≈ 8 answered" in page
    assert "Answers from this meeting" in page


async def test_a_free_text_question_is_never_revealed_on_screen(
    fast: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    poll, made = await meeting_poll(fast, world)
    for n in range(12):
        await answer(fast, made["code"], poll.answers(text=f"Ý kiến số {n}"))
    await login(fast, "officer")
    await act(fast, made["id"], action="open", question="5")
    await act(fast, made["id"], action="reveal")
    page = (await fast.get(f"/console/meetings/{made['id']}")).text
    assert "Ý kiến góp ý được đọc trên trang kết quả" in page
    assert "Ý kiến số" not in page


async def test_bad_actions_are_clear_and_change_nothing(
    fast: httpx.AsyncClient, world: World
) -> None:
    poll, made = await meeting_poll(fast, world)
    await login(fast, "officer")
    before = await snapshot()
    for data, status, message in (
        ({"action": "dance"}, 422, "Thao tác buổi họp không hợp lệ."),
        ({"action": "open", "question": "9"}, 422, "Không có câu hỏi mang số này."),
        ({"action": "open", "question": "x1"}, 422, "Không có câu hỏi mang số này."),
        ({"action": "reveal"}, 409, "Hãy mở một câu hỏi trước."),
        ({"action": "close"}, 409, "Hãy mở một câu hỏi trước."),
    ):
        refused = await act(fast, made["id"], **data)
        assert refused.status_code == status, (data, refused.text)
        assert message in refused.text
    assert await snapshot() == before
    canteen = (
        await fast.get(f"/api/v1/polls/{poll.id}/placements", headers=world.auth("officer"))
    ).json()[0]["id"]
    assert (await fast.get(f"/console/meetings/{canteen}")).status_code == 404
    await fast.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    late = await act(fast, made["id"], action="next")
    assert late.status_code == 409
    assert "Chỉ mở được câu hỏi khi khảo sát đang mở." in late.text


async def test_next_and_previous_stay_within_the_questions(
    fast: httpx.AsyncClient, world: World
) -> None:
    _, made = await meeting_poll(fast, world)
    await login(fast, "officer")
    await act(fast, made["id"], action="previous")
    assert "Câu 1/5" in (await fast.get(f"/console/meetings/{made['id']}/remote")).text
    for _ in range(7):
        await act(fast, made["id"], action="next")
    remote = (await fast.get(f"/console/meetings/{made['id']}/remote")).text
    assert "Câu 5/5" in remote
    await act(fast, made["id"], action="open", question="2")
    remote = (await fast.get(f"/console/meetings/{made['id']}/remote")).text
    assert "Câu 2/5" in remote
    assert 'id="remote-close"' in remote
    script = await fast.get("/console/meeting.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert b"EventSource" in script.content


async def test_what_the_database_keeps_of_a_meeting_says_nothing_of_who_answered(
    fast: httpx.AsyncClient, world: World
) -> None:
    """As the administrator reads it: one row per meeting, changed by the officer's actions
    only; answers leave no trace in it (no count, no time)."""
    poll, made = await meeting_poll(fast, world)
    await login(fast, "officer")
    await act(fast, made["id"], action="next")
    before = await t.MeetingState.select()
    for _ in range(6):
        await answer(fast, made["code"], poll.answers())
    await fast.get(f"/console/meetings/{made['id']}")  # a release is made while reading
    after = await t.MeetingState.select()
    assert after == before
    assert set(after[0]) == {"id", "placement", "question", "is_open", "revealed", "version"}
    await act(fast, made["id"], action="reveal")
    assert (await t.MeetingState.select())[0]["version"] == before[0]["version"] + 1
