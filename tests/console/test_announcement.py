"""The loudspeaker pack in the console: a printable page and a plain-text download, read in
the poll's language with the chosen placement's link."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from polls.sharing import announcement
from tests.conftest import World, add_placement, create_draft_poll, create_open_poll
from tests.console.conftest import login


async def test_the_page_and_the_text_read_out_a_placement_link(
    client: httpx.AsyncClient, world: World
) -> None:
    year = datetime.now(UTC).year + 4  # a closing time ahead of the clock, whenever this runs
    poll = await create_open_poll(client, world, closes_at=f"{year}-01-15T03:00:00Z")
    board = await add_placement(client, world, poll.id, "Loa nhà ăn", kind="link")
    await login(client, "mk-viewer")
    page = await client.get(f"/console/polls/{poll.id}/announcement")
    assert page.status_code == 200
    spelled = announcement.spell_code(poll.code, "vi")
    assert spelled in page.text
    assert "Thông báo trên loa truyền thanh" in page.text
    text = await client.get(
        f"/console/polls/{poll.id}/announcement.txt",
        params={"placement": board["id"]},
        headers={"accept-language": "en"},  # the poll's language decides, not the reader's
    )
    assert text.status_code == 200
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert "attachment" in text.headers["content-disposition"]
    body = text.content.decode("utf-8")
    assert f"/p/{board['code']}" in body
    assert announcement.spell_code(board["code"], "vi") in body
    assert f"Hạn trả lời: 10 giờ 00, ngày 15 tháng 1, {year}." in body
    assert "Khảo sát hoàn toàn ẩn danh" in body
    assert "<" not in body


async def test_paper_placements_are_never_read_out(client: httpx.AsyncClient, world: World) -> None:
    draft = await create_draft_poll(client, world)
    paper = await add_placement(client, world, draft["id"], "Giơ tay", kind="paper")
    await login(client, "officer")
    none = await client.get(f"/console/polls/{draft['id']}/announcement")
    assert none.status_code == 409
    assert "Hãy thêm một điểm đăng trước" in none.text
    other = await client.get(
        f"/console/polls/{draft['id']}/announcement.txt", params={"placement": paper["id"]}
    )
    assert other.status_code in (404, 409)
