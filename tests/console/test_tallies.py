"""Paper tallies: an officer enters the counts of a show of hands for a placement of kind
``paper``; they become one source of the results (their own placement, the channel "counted
by hand"), count in every total, are protected like answers, appear in the report with who
entered them, and in the summary exports as a source, never as made-up response rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from polls import tables as t
from tests.api.test_result_files import pdf_text
from tests.conftest import OpenPoll, World, add_placement, create_open_poll, snapshot
from tests.console.conftest import answer, login, post_form
from tests.sharing.tools import decode, pdf_pages
from tests.spreadsheets import csv_rows

OFFICER_NAME = "Nguyễn Văn Tâm"
PAPER_LABEL = "Họp tổ Khai thác 3"


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


async def paper_poll(client: httpx.AsyncClient, world: World) -> tuple[OpenPoll, int]:
    poll = await create_open_poll(client, world)
    paper = await add_placement(client, world, poll.id, PAPER_LABEL, kind="paper", unit="mk-kt3")
    await t.Officer.update({t.Officer.display_name: OFFICER_NAME}).where(
        t.Officer.username == "officer"
    )
    return poll, paper["id"]


def show_of_hands(poll: OpenPoll, zalo: int = 4, board: int = 6, loud: int = 2) -> dict[str, str]:
    """12 people: single 4/6/2, scale: 3 said 2 and 9 said 5, yes/no 9/3."""
    q = poll.questions
    single, scale, yes_no = q[0], q[2], q[3]
    options = [o["id"] for o in single["options"]]
    return {
        f"q{single['id']}_o{options[0]}": str(zalo),
        f"q{single['id']}_o{options[1]}": str(board),
        f"q{single['id']}_o{options[2]}": str(loud),
        f"q{scale['id']}_v2": "3",
        f"q{scale['id']}_v5": "9",
        f"q{yes_no['id']}_v1": "9",
        f"q{yes_no['id']}_v0": "3",
    }


async def enter(client: httpx.AsyncClient, placement: int, form: dict[str, str]) -> httpx.Response:
    return await post_form(
        client, f"/console/placements/{placement}/tally", form,
        from_page=f"/console/placements/{placement}/tally",
    )  # fmt: skip


async def results(client: httpx.AsyncClient, world: World, poll: OpenPoll, by: str | None) -> Any:
    got = await client.get(
        f"/api/v1/polls/{poll.id}/results",
        params={"by": by} if by else {},
        headers={**world.auth("viewer"), "Accept-Language": "en"},
    )
    assert got.status_code == 200, got.text
    return got.json()


def segments(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["label"]: s for s in found["breakdown"]}


async def test_a_tally_is_a_source_of_its_own_and_counts_in_the_totals(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    poll, paper = await paper_poll(unlimited, world)
    for _ in range(5):
        await answer(unlimited, poll.code, poll.answers())
    await login(unlimited, "officer")
    page = await unlimited.get(f"/console/placements/{paper}/tally")
    assert page.status_code == 200
    assert "Kênh nhanh nhất?" in page.text
    assert "Các kênh bạn dùng?" not in page.text  # several choices: not counted by hand
    entered = await enter(unlimited, paper, show_of_hands(poll))
    assert entered.status_code == 303, entered.text
    assert entered.headers["location"] == f"/console/polls/{poll.id}#placements"

    overall = await results(unlimited, world, poll, None)
    assert overall["responses"] == 17  # 5 answers and 12 people counted by hand
    single = overall["questions"][0]
    assert [o["count"] for o in single["options"]] == [5 + 4, 6, 2]
    assert overall["questions"][1]["answered"] == 5  # nobody counted for several choices
    by_placement = segments(await results(unlimited, world, poll, "placement"))
    hand = by_placement[PAPER_LABEL]
    assert hand["responses"] == 12
    assert [o["count"] for o in hand["questions"][0]["options"]] == [4, 6, 2]
    assert by_placement["Nhà ăn Khai thác 3"]["responses"] == 5
    by_channel = segments(await results(unlimited, world, poll, "channel"))
    # nobody answered by Telegram or Zalo, and an empty channel must look like a small one:
    # the hand count is shown only together with them
    assert by_channel["Counted by hand"]["responses"] is None
    assert by_channel["Telegram"]["responses"] is None
    assert by_channel["Hidden groups together"]["responses"] == 12
    assert by_channel["Web"]["responses"] == 5

    shown = await unlimited.get(
        f"/console/polls/{poll.id}/results", headers={"accept-language": "en"}
    )
    assert f"“{PAPER_LABEL}” was counted by hand at a session and entered by {OFFICER_NAME}" in (
        shown.text
    )
    again = await unlimited.get(f"/console/placements/{paper}/tally")
    assert OFFICER_NAME in again.text
    for count in ('value="4"', 'value="6"', 'value="9"'):
        assert count not in again.text, "the entered counts are never shown back"


async def test_a_correction_replaces_the_whole_tally(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    poll, paper = await paper_poll(unlimited, world)
    await login(unlimited, "officer")
    assert (await enter(unlimited, paper, show_of_hands(poll))).status_code == 303
    assert (await enter(unlimited, paper, show_of_hands(poll, 10, 0, 0))).status_code == 303
    assert await t.PaperTally.count() == 1
    tally = await t.PaperTally.select().first()
    assert tally is not None
    assert tally["respondents"] == 12
    people = {(r["option"], r["value_int"]): r["people"] for r in await t.PaperCount.select()}
    first = poll.questions[0]["options"]
    assert people[(first[0]["id"], None)] == 10
    assert people[(first[1]["id"], None)] == 0
    found = await results(unlimited, world, poll, None)
    assert found["responses"] == 12
    assert [o["count"] for o in found["questions"][0]["options"]] == [10, 0, 0]


async def test_a_small_tally_is_hidden_like_a_small_group(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    """Three hands beside 10 answers: the paper source cannot be read or subtracted."""
    poll, paper = await paper_poll(unlimited, world)
    for _ in range(10):
        await answer(unlimited, poll.code, poll.answers())
    assert (await results(unlimited, world, poll, None))["responses"] == 10
    await login(unlimited, "officer")
    single = poll.questions[0]
    three = {f"q{single['id']}_o{single['options'][0]['id']}": "3"}
    assert (await enter(unlimited, paper, three)).status_code == 303
    overall = await results(unlimited, world, poll, None)
    assert overall["responses"] == 10, "3 more are not a step of k: nothing moved"
    for _ in range(2):
        await answer(unlimited, poll.code, poll.answers())
    assert (await results(unlimited, world, poll, None))["responses"] == 15
    by_placement = segments(await results(unlimited, world, poll, "placement"))
    assert by_placement[PAPER_LABEL]["suppressed"] is True
    assert by_placement[PAPER_LABEL]["responses"] is None
    assert by_placement["Nhà ăn Khai thác 3"]["suppressed"] is True, (
        "shown, it would give the paper's 3 away by subtraction from the total"
    )
    by_channel = segments(await results(unlimited, world, poll, "channel"))
    print("BYCHANNEL", {k: v["responses"] for k, v in by_channel.items()})
    assert by_channel["Counted by hand"]["responses"] is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first": "abc"}, "Ghi số người là số nguyên"),
        ({"first": "-3"}, "Ghi số người là số nguyên"),
        ({"first": "1000001"}, "Ghi số người là số nguyên"),
        ({"first": "٣"}, "Ghi số người là số nguyên"),
        ({"all": "0"}, "Nhập số người đã chọn"),
    ],
)
async def test_bad_counts_are_refused_in_vietnamese_and_nothing_is_written(
    unlimited: httpx.AsyncClient, world: World, changes: dict[str, str], message: str
) -> None:
    poll, paper = await paper_poll(unlimited, world)
    await login(unlimited, "officer")
    form = show_of_hands(poll)
    if "first" in changes:
        form[next(iter(form))] = changes["first"]
    else:
        form = dict.fromkeys(form, changes["all"])
    before = await snapshot()
    refused = await enter(unlimited, paper, form)
    assert refused.status_code == 422, refused.text
    assert message in refused.text
    assert await snapshot() == before


async def test_the_report_and_exports_name_the_hand_count(
    unlimited: httpx.AsyncClient, world: World, without_noise: None, tmp_path: Path
) -> None:
    poll, paper = await paper_poll(unlimited, world)
    for _ in range(10):
        await answer(unlimited, poll.code, poll.answers())
    await login(unlimited, "officer")
    assert (await enter(unlimited, paper, show_of_hands(poll))).status_code == 303
    auth = world.auth("viewer")
    report = await unlimited.get(f"/api/v1/polls/{poll.id}/report.pdf?lang=en", headers=auth)
    text = " ".join(pdf_text(report.content, tmp_path).split())
    assert f"“{PAPER_LABEL}” was not answered one by one" in text
    assert f"entered by {OFFICER_NAME}" in text
    vi = await unlimited.get(f"/api/v1/polls/{poll.id}/report.pdf?lang=vi", headers=auth)
    assert OFFICER_NAME in " ".join(pdf_text(vi.content, tmp_path).split())

    summary = await unlimited.get(
        f"/api/v1/polls/{poll.id}/export.csv?kind=summary&by=placement&lang=en", headers=auth
    )
    rows = csv_rows(summary.content)
    assert any(PAPER_LABEL in row for row in rows), "the tally is a source of the summary"
    closed = await unlimited.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200
    responses = await unlimited.get(
        f"/api/v1/polls/{poll.id}/export.csv?kind=responses&lang=en", headers=auth
    )
    assert responses.status_code == 200, responses.text
    table = csv_rows(responses.content)
    assert len(table) - 1 == 10, "rows are stored responses only: none made up for the tally"
    assert not any(PAPER_LABEL in row for row in table)


async def test_no_counts_for_a_closed_poll_nor_for_another_kind_of_placement(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll, paper = await paper_poll(unlimited, world)
    canteen = (
        await unlimited.get(f"/api/v1/polls/{poll.id}/placements", headers=world.auth("officer"))
    ).json()[0]["id"]
    await login(unlimited, "officer")
    other = await unlimited.get(f"/console/placements/{canteen}/tally")
    assert other.status_code == 404
    await unlimited.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    before = await snapshot()
    late = await post_form(unlimited, f"/console/placements/{paper}/tally", show_of_hands(poll))
    assert late.status_code == 409
    assert "Chỉ nhập số đếm khi khảo sát đang mở." in late.text
    assert await snapshot() == before


async def test_the_paper_code_takes_no_answers(unlimited: httpx.AsyncClient, world: World) -> None:
    poll, paper = await paper_poll(unlimited, world)
    code = await t.Placement.select(t.Placement.code).where(t.Placement.id == paper).first()
    assert code is not None
    form = await unlimited.get(f"/p/{code['code']}")
    assert form.status_code == 404
    sent = await unlimited.post(
        f"/api/v1/forms/{code['code']}/responses", json={"answers": poll.answers()}
    )
    assert sent.status_code == 404
    assert await t.Response.count() == 0


async def test_a_hand_count_has_no_qr_code_nor_poster_and_the_batch_leaves_it_out(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """A hand count's link answers 404: a QR code or poster of it would send workers to a
    dead page. The poll's batch of posters holds only the placements that take answers."""
    poll, paper = await paper_poll(unlimited, world)
    for suffix in ("qr.svg", "qr.png", "poster.pdf", "cards.pdf"):
        refused = await unlimited.get(
            f"/api/v1/placements/{paper}/{suffix}", headers=world.auth("officer")
        )
        assert refused.status_code == 409, suffix
        assert "đếm tay" in refused.json()["detail"]
    batch = await unlimited.get(
        f"/api/v1/polls/{poll.id}/posters.pdf", headers=world.auth("officer")
    )
    assert batch.status_code == 200
    (page,) = pdf_pages(batch.content)
    (scanned,) = decode(page)
    assert scanned.endswith("/P/" + poll.code.upper())
    await login(unlimited, "officer")
    console = await unlimited.get(f"/console/polls/{poll.id}")
    assert console.status_code == 200
    assert f"/console/placements/{paper}/qr.svg" not in console.text
