import html
import re

import httpx

from tests.conftest import OpenPoll, World
from tests.console.conftest import answer, login

SEGMENT_ROW = re.compile(r"<tr>\s*<td>(.*?)</td>\s*<td class=\"num\">(.*?)</td>\s*</tr>", re.S)
TAG = re.compile(r"<[^>]+>")


def segment_rows(page: str) -> dict[str, str]:
    """The breakdown's group table: first line of each label -> its responses cell, as text."""
    start = page.index("<th>Group</th>")
    table = page[start : page.index("</table>", start)]
    rows = {}
    for label, cell in SEGMENT_ROW.findall(table):
        name = html.unescape(TAG.sub("\n", label).strip().split("\n")[0])
        rows[name] = html.unescape(TAG.sub(" ", cell)).strip()
    return rows


async def add_placement(client: httpx.AsyncClient, world: World, poll_id: int, label: str) -> str:
    added = await client.post(
        f"/api/v1/polls/{poll_id}/placements",
        json={"label": label, "kind": "link"},
        headers=world.auth("officer"),
    )
    assert added.status_code == 201, added.text
    return added.json()["code"]


async def test_results_show_counts_rate_and_merge_small_groups(
    english: httpx.AsyncClient, world: World, open_poll: OpenPoll, without_noise: None
) -> None:
    client = english
    zalo = await add_placement(client, world, open_poll.id, "Zalo OA")
    board = await add_placement(client, world, open_poll.id, "Bảng tin")
    for code, n in ((open_poll.code, 5), (zalo, 2), (board, 3)):
        for i in range(n):
            await answer(client, code, open_poll.answers(text=f"Ý kiến <b>{code}-{i}</b>"))
    await login(client, "officer")

    overall = await client.get(f"/console/polls/{open_poll.id}/results")
    assert overall.status_code == 200
    text = overall.text
    assert "<b>10</b> responses" in text
    assert "<b>2%</b> response rate (of 600 workers)" in text
    assert '<td>Zalo</td><td class="num">≈ 10</td><td class="num">100%</td>' in text
    assert '<td>Yes</td><td class="num">≈ 10</td><td class="num">100%</td>' in text
    assert "Mean: ≈ 4.0" in text
    assert "Ý kiến &lt;b&gt;" in text  # 10 written answers: released, escaped
    assert "Ý kiến <b>" not in text

    by_placement = await client.get(f"/console/polls/{open_poll.id}/results?by=placement")
    assert by_placement.status_code == 200
    rows = segment_rows(by_placement.text)
    assert rows["Nhà ăn Khai thác 3"] == "≈ 5"
    assert rows["Zalo OA"] == "hidden to protect a small group"
    assert rows["Bảng tin"] == "hidden to protect a small group"
    assert rows["Hidden groups together"] == "≈ 5"
    assert "Together: Zalo OA, Bảng tin" in by_placement.text
    assert "Free-text answers are not broken down by group." in by_placement.text

    by_unit = await client.get(f"/console/polls/{open_poll.id}/results?by=unit")
    assert by_unit.status_code == 200
    by_channel = await client.get(f"/console/polls/{open_poll.id}/results?by=channel")
    channels = segment_rows(by_channel.text)
    # all on the web: Web is hidden with the empty channels, as beside small ones
    assert channels["Web"] == "hidden to protect a small group"
    assert channels["Hidden groups together"] == "≈ 10"


async def test_a_lone_small_group_hides_a_second_one(
    english: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    client = english
    zalo = await add_placement(client, world, open_poll.id, "Zalo OA")
    for code, n in ((open_poll.code, 6), (zalo, 2)):
        for _ in range(n):
            await answer(client, code, open_poll.answers())
    await login(client, "viewer")
    page = await client.get(f"/console/polls/{open_poll.id}/results?by=placement")
    assert page.status_code == 200
    rows = segment_rows(page.text)
    assert {label: rows[label] for label in ("Nhà ăn Khai thác 3", "Zalo OA")} == {
        "Nhà ăn Khai thác 3": "hidden to protect a small group",
        "Zalo OA": "hidden to protect a small group",
    }
    assert ">6<" not in page.text.split("<th>Group</th>")[1]


async def test_results_stay_hidden_below_the_minimum(
    english: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    client = english
    for _ in range(3):
        await answer(client, open_poll.code, open_poll.answers(text="Bí mật"))
    await login(client, "officer")
    page = await client.get(f"/console/polls/{open_poll.id}/results")
    assert page.status_code == 200
    assert "Results appear once the poll has at least 5 responses." in page.text
    assert "Bí mật" not in page.text
    by_unit = await client.get(f"/console/polls/{open_poll.id}/results?by=unit")
    assert "Bí mật" not in by_unit.text
    assert "Results appear once the poll has at least 5 responses." in by_unit.text


async def test_the_poll_page_counts_visits_and_responses(
    english: httpx.AsyncClient, world: World, open_poll: OpenPoll, without_noise: None
) -> None:
    client = english
    assert (await client.get(f"/p/{open_poll.code}")).status_code == 200
    await answer(client, open_poll.code, open_poll.answers())
    await login(client, "mk-viewer")
    page = await client.get(f"/console/polls/{open_poll.id}")
    assert page.status_code == 200
    row = page.text[page.text.index("Nhà ăn Khai thác 3") :]
    # one respondent is a group below the minimum: its count is not shown, nor one visit
    assert re.search(
        r'data-label="Visits"><span class="suppressed">fewer than 10</span></td>\s*'
        r'<td class="num" data-label="Responses">'
        r'<span class="suppressed">hidden to protect a small group</span></td>',
        row,
    )
    assert "fewer than 5 responses" in page.text
    for _ in range(4):
        await answer(client, open_poll.code, open_poll.answers())
    page = await client.get(f"/console/polls/{open_poll.id}")
    row = page.text[page.text.index("Nhà ăn Khai thác 3") :]
    assert re.search(
        r'data-label="Visits"><span class="suppressed">fewer than 10</span></td>\s*'
        r'<td class="num" data-label="Responses">≈ 5</td>',
        row,
    )
