"""The attacks of issue 11, played as the officer who made the poll and the unit's leadership
would play them: with the JSON API, the console's pages and the exports, and nothing else.
Each asserts that no group under k, and no single respondent's answer, can be read.

The officer here answers his own poll as often as he likes (duplicate policy "none", no rate
limit), which is the strongest position the padding attack can have.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polls import disclosure
from polls import tables as t
from polls.disclosure import Atom
from polls.models import Channel
from polls.services import live, releases
from polls.services import placements as placement_service
from polls.services import polls as poll_service
from polls.services.submission import Submission, submit_response
from tests.conftest import (
    SECRET,
    World,
    add_placement,
    answer_as_new_device,
    create_draft_poll,
)
from tests.console.conftest import login
from tests.spreadsheets import csv_rows

K = 5


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


class Poll:
    """An open poll with placements by label, answered through the public form API."""

    def __init__(self, client: httpx.AsyncClient, world: World, poll: dict[str, Any]) -> None:
        self.client = client
        self.world = world
        self.id = poll["id"]
        self.questions = poll["questions"]
        self.codes: dict[str, str] = {}

    def choices(self, option: int = 0, text: str | None = None) -> dict[str, Any]:
        q = self.questions
        answers: dict[str, Any] = {
            str(q[0]["id"]): q[0]["options"][option]["id"],
            str(q[1]["id"]): [q[1]["options"][option]["id"]],
            str(q[2]["id"]): 1 + option,
            str(q[3]["id"]): option == 0,
        }
        if text is not None:
            answers[str(q[4]["id"])] = text
        return answers

    async def respond(self, placement: str, times: int = 1, option: int = 0, **kw: Any) -> None:
        for _ in range(times):
            sent = await answer_as_new_device(
                self.client, self.codes[placement], self.choices(option, **kw)
            )
            assert sent.status_code == 201, sent.text

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(
            path, params=params, headers={**self.world.auth("officer"), "Accept-Language": "en"}
        )

    async def results(self, by: str | None = None) -> dict[str, Any]:
        got = await self.get(f"/api/v1/polls/{self.id}/results", **({"by": by} if by else {}))
        assert got.status_code == 200, got.text
        return got.json()

    async def placements(self) -> dict[str, dict[str, Any]]:
        got = await self.get(f"/api/v1/polls/{self.id}/placements")
        assert got.status_code == 200, got.text
        return {p["label"]: p for p in got.json()}

    async def everything(self) -> dict[str, Any]:
        """Every figure the API gives out about the poll, at this moment."""
        listed = await self.get("/api/v1/polls")
        shown = await self.get(f"/api/v1/polls/{self.id}")
        summary = await self.get(f"/api/v1/polls/{self.id}/export.csv", kind="summary")
        by_unit = await self.get(f"/api/v1/polls/{self.id}/export.csv", kind="summary", by="unit")
        return {
            "overall": await self.results(),
            **{by: await self.results(by) for by in ("placement", "unit", "channel")},
            "placements": await self.placements(),
            "list": [p["responses"] for p in listed.json() if p["id"] == self.id],
            "poll": shown.json()["responses"],
            "summary": summary.content,
            "summary_by_unit": by_unit.content,
        }

    async def close(self) -> None:
        closed = await self.client.post(
            f"/api/v1/polls/{self.id}/close", headers=self.world.auth("officer")
        )
        assert closed.status_code == 200, closed.text


async def make_poll(
    client: httpx.AsyncClient, world: World, placements: dict[str, str | None], **changes: Any
) -> Poll:
    made = await create_draft_poll(client, world, duplicate_policy="none", **changes)
    poll = Poll(client, world, made)
    for label, unit in placements.items():
        added = await add_placement(
            client, world, made["id"], label, **({"unit": unit} if unit else {})
        )
        poll.codes[label] = added["code"]
    opened = await client.post(f"/api/v1/polls/{made['id']}/open", headers=world.auth("officer"))
    assert opened.status_code == 200, opened.text
    return poll


def shown(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["label"]: s for s in results["breakdown"] if not s["suppressed"]}


# --- subtraction -----------------------------------------------------------------------


async def test_no_breakdown_minus_another_gives_a_small_group(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """Placements A (12) and B (2) in workshop KT3, C (8) in workshop CĐ. Suppressed one
    breakdown at a time, KT3 (14) minus A (12) was B's 2 exactly. Now every figure shown,
    in every breakdown together, is checked by linear algebra against the truth."""
    poll = await make_poll(unlimited, world, {"A": "mk-kt3", "B": "mk-kt3", "C": "mk-cd"})
    await poll.respond("A", 12)
    await poll.respond("B", 2, option=1)
    await poll.respond("C", 8, option=2)
    by_placement = shown(await poll.results("placement"))
    by_unit = shown(await poll.results("unit"))
    assert (await poll.results())["responses"] == 22
    assert not ({"A", "Phân xưởng Khai thác 3"} <= set(by_placement) | set(by_unit))
    atoms = [
        Atom(("kt3", "A", "web"), 12),
        Atom(("kt3", "B", "web"), 2),
        Atom(("cd", "C", "web"), 8),
    ]
    units = {"Phân xưởng Khai thác 3": "kt3", "Phân xưởng Cơ điện": "cd"}
    released = (
        {units[label]: True for label in by_unit if label in units},
        {label: True for label in by_placement if label in {"A", "B", "C"}},
        {"web": "Web" in shown(await poll.results("channel"))},
    )
    assert disclosure.derivable_small_groups(atoms, released, K) == []
    # what is hidden is shown together, and is no small group either
    together = [s for s in (await poll.results("placement"))["breakdown"] if s["key"] == "other"]
    if together:
        assert together[0]["responses"] is not None
        assert set(together[0]["members"]) >= {"B"}


def hidden_cells(results: dict[str, Any]) -> list[tuple[str, bool]]:
    """What a breakdown looks like, without its figures: each cell, shown or hidden."""
    return [(s["label"], s["suppressed"]) for s in results["breakdown"]]


async def _poll_with_channels(
    client: httpx.AsyncClient, world: World, telegram: int, zalo: int
) -> Poll:
    """Placements A (12 answers on the web) and B (9 on the web), plus ``telegram`` and
    ``zalo`` answers from A through those messengers."""
    poll = await make_poll(client, world, {"A": "mk-kt3", "B": "mk-cd"})
    await poll.respond("A", 12)
    await poll.respond("B", 9, option=1)
    loaded = await poll_service.load(poll.id)
    officer = world.principals["officer"]
    a = next(p for p in await placement_service.list_for_poll(officer, poll.id) if p.label == "A")
    for channel, times in ((Channel.TELEGRAM, telegram), (Channel.ZALO, zalo)):
        for _ in range(times):
            await submit_response(
                loaded,
                Submission(answers=poll.choices(2), placement=a, channel=channel),
                secret=SECRET,
            )
    return poll


async def test_a_channel_nobody_answered_through_looks_like_one_a_few_did(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """No Telegram answer at all, or two: the channel breakdown must look the same, else a
    shown Web and Zalo with the exact total say "Telegram: 0" (who never used it) the way a
    shown Web says "the rest: 2". Every breakdown is checked the same way."""
    empty = await _poll_with_channels(unlimited, world, telegram=0, zalo=6)
    small = await _poll_with_channels(unlimited, world, telegram=2, zalo=6)
    for by in ("channel", "placement", "unit"):
        assert hidden_cells(await empty.results(by)) == hidden_cells(await small.results(by)), by
    by_channel = {s["key"]: s for s in (await empty.results("channel"))["breakdown"]}
    assert by_channel["telegram"]["suppressed"]
    assert by_channel["web"]["suppressed"] or by_channel["zalo"]["suppressed"]
    atoms = [
        Atom(("kt3", "A", "web"), 12),
        Atom(("cd", "B", "web"), 9),
        Atom(("kt3", "A", "zalo"), 6),
        Atom(("kt3", "A", "telegram"), 0),
    ]
    released = (
        {},
        dict.fromkeys(shown(await empty.results("placement")), True),
        {key: not s["suppressed"] for key, s in by_channel.items() if key != "other"},
    )
    assert disclosure.derivable_small_groups(atoms, released, K) == []


async def test_the_placement_list_cannot_be_subtracted_from_the_units(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """The placement list is a breakdown like the results': the same cells hidden, the same
    perturbed figures, so unit minus listed placements gives nothing new."""
    poll = await make_poll(unlimited, world, {"A": "mk-kt3", "B": "mk-kt3", "C": "mk-cd"})
    await poll.respond("A", 12)
    await poll.respond("B", 2)
    await poll.respond("C", 8)
    listed = await poll.placements()
    results = {s["label"]: s for s in (await poll.results("placement"))["breakdown"]}
    for label in ("A", "B", "C"):
        assert listed[label]["responses"] == results[label]["responses"]
    assert listed["B"]["responses"] is None
    assert listed["A"]["responses"] is None  # else KT3 - A = B


# --- watching --------------------------------------------------------------------------


async def test_one_more_answer_changes_nothing_that_is_released(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """Read everything, let one worker answer, read again: the same bytes. Only a whole step
    of new respondents moves the figures, and then by at least k."""
    poll = await make_poll(unlimited, world, {"A": "mk-kt3", "B": "mk-cd"})
    await poll.respond("A", 14)
    await poll.respond("B", 9, option=1)
    before = await poll.everything()
    assert before["overall"]["responses"] == 23
    await poll.respond("B", 1, option=2, text="Tôi là người thứ 24")
    after = await poll.everything()
    assert after == before
    await poll.respond("B", K - 2, option=2)  # 4 new in all: still one short of a step
    assert await poll.everything() == before
    await poll.respond("B", 1, option=2)
    moved = await poll.everything()
    assert moved["overall"]["responses"] - before["overall"]["responses"] >= K
    assert moved["list"] == [moved["overall"]["responses"]]


async def test_the_live_view_moves_in_steps_and_says_what_waits(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """The figures move in release steps; the count of answers waiting for the next one
    moves in steps of k too: a count that grew with each answer would tell the officer
    watching the screen the moment one person (say, the one his personal link went to)
    answered."""
    poll = await make_poll(unlimited, world, {"A": None})
    loaded = await poll_service.load(poll.id)
    officer = world.principals["officer"]
    (placement,) = await placement_service.list_for_poll(officer, poll.id)

    async def answer(times: int) -> None:
        for _ in range(times):
            await submit_response(
                loaded, Submission(answers=poll.choices(1), placement=placement), secret=SECRET
            )

    await answer(100)
    _, first = await live.snapshot(officer, poll.id)
    assert first.responses == 100
    assert first.waiting_text == ""
    readings = []
    for _ in range(9):  # the next release needs 10 (a tenth of 100)
        await answer(1)
        readings.append((await live.snapshot(officer, poll.id))[1])
    assert all(r.responses == 100 for r in readings)
    assert [q.options for q in readings[-1].questions] == [q.options for q in first.questions]
    texts = [r.waiting_text for r in readings]
    assert texts[:4] == [""] * 4  # 1 to 4 waiting: nothing said
    assert set(texts[4:]) == {texts[4]}  # 5 to 9 waiting: one and the same text
    assert texts[4].startswith("Ít nhất 5 câu trả lời mới đang chờ")
    await answer(1)
    _, moved = await live.snapshot(officer, poll.id)
    assert moved.responses == 110
    assert moved.waiting_text == ""


async def test_the_timeline_says_nothing_of_when_one_person_answered(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await make_poll(unlimited, world, {"A": None})
    await poll.respond("A", 6)
    first = await poll.get(f"/api/v1/polls/{poll.id}/charts/timeline.svg")
    await poll.respond("A", 1)
    second = await poll.get(f"/api/v1/polls/{poll.id}/charts/timeline.svg")
    assert first.status_code == 200
    assert first.content == second.content


# --- padding ---------------------------------------------------------------------------


async def test_padding_with_k_minus_one_own_answers_reads_no_one_exactly(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """The officer answers k-1 times himself (option 1, known to him); one worker answers
    option 2. Results open at k, with the exact total, but "total minus my own" is no longer
    the worker's answer: over many such polls (each its own salt) the worker's option reads
    1 only about half the time, and his own option rarely reads exactly k-1."""
    worker_exact = own_exact = 0
    polls_tried = 24
    for _ in range(polls_tried):
        poll = await make_poll(unlimited, world, {"Nhà ăn": None})
        await poll.respond("Nhà ăn", K - 1, option=0)
        await poll.respond("Nhà ăn", 1, option=1)
        results = await poll.results()
        assert results["responses"] == K
        single = results["questions"][0]["options"]
        worker_exact += single[1]["count"] == 1
        own_exact += single[0]["count"] == K - 1
    assert worker_exact <= polls_tried * 0.8
    assert own_exact <= polls_tried * 0.8


async def test_asking_again_gets_the_same_figures(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """Perturbation keyed to the cell: the same query always gets the same figure, so
    averaging repeated readings removes nothing."""
    poll = await make_poll(unlimited, world, {"A": None, "B": None})
    await poll.respond("A", 9)
    await poll.respond("B", 7, option=1)
    readings = [await poll.results("placement") for _ in range(4)]
    assert all(r == readings[0] for r in readings)


async def test_the_same_people_under_two_names_get_the_same_figures(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """Workshop KT3 has one placement, A: the unit's cell and the placement's cell are the
    same people. Noise drawn per name would give two independent readings of each count,
    and their average (over the unit, the placement, the channel, "hidden together", the
    overall figures) would narrow the truth down. Keyed to the people a figure covers, every
    name of one group shows one figure."""
    poll = await make_poll(unlimited, world, {"A": "mk-kt3", "B": "mk-cd"})
    await poll.respond("A", 9)
    await poll.respond("A", 7, option=1)
    await poll.respond("B", 11, option=2)
    by_placement = shown(await poll.results("placement"))
    by_unit = shown(await poll.results("unit"))
    assert {"A", "Phân xưởng Khai thác 3"} <= set(by_placement) | set(by_unit)
    a, kt3 = by_placement["A"], by_unit["Phân xưởng Khai thác 3"]
    assert a["responses"] == kt3["responses"]
    assert a["questions"] == kt3["questions"]
    overall = await poll.results()
    by_channel = {s["key"]: s for s in (await poll.results("channel"))["breakdown"]}
    everyone = by_channel["other"]  # all on the web: every channel hidden, together
    assert everyone["responses"] == overall["responses"] == 27  # the exact total, once
    charted = [q["options"] for q in overall["questions"] if q["kind"] != "text"]
    assert [q["options"] for q in everyone["questions"] if q["kind"] != "text"] == charted


# --- personal links --------------------------------------------------------------------


async def test_personal_links_tell_nothing_of_their_person(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """One placement per named worker. Six of eight answer; two of the six opened their link
    more often. The placement list shows no visits and no responses for anyone, opened or
    not, answered or not, and the console warns."""
    names = [
        f"Gửi riêng anh {n}" for n in ("Hùng", "Nam", "Bình", "Tú", "Lâm", "Sơn", "Quý", "Phú")
    ]
    poll = await make_poll(unlimited, world, dict.fromkeys(names, "mk-kt3"))
    for name in names[:6]:
        await poll.respond(name, 1, option=names.index(name) % 3)
    for name in names[:2]:
        for _ in range(3):
            assert (await unlimited.get(f"/p/{poll.codes[name]}")).status_code == 200
    listed = await poll.placements()
    assert {(p["visits"], p["responses"]) for p in listed.values()} == {(None, None)}
    by_placement = await poll.results("placement")
    assert all(s["suppressed"] for s in by_placement["breakdown"] if s["key"] != "other")
    together = [s for s in by_placement["breakdown"] if s["key"] == "other"]
    assert together
    assert together[0]["members"] == names
    await login(unlimited, "officer")
    page = await unlimited.get(f"/console/polls/{poll.id}", headers={"Accept-Language": "en"})
    assert "more placements than its responses can protect" in page.text
    assert "hidden to protect a small group" in page.text


# --- rows against breakdowns -----------------------------------------------------------


async def test_the_row_export_waits_for_close_and_puts_no_text_beside_choices(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await make_poll(unlimited, world, {"A": "mk-kt3", "B": "mk-kt3", "C": "mk-cd"})
    await poll.respond("A", 12, text="Ca đêm thiếu nước")
    await poll.respond("B", 2, option=1, text="Tổ tôi bị ép làm thêm")
    early = await poll.get(f"/api/v1/polls/{poll.id}/export.csv", kind="responses")
    assert early.status_code == 409
    assert "closed" in early.json()["detail"]
    await poll.close()
    rows = csv_rows(
        (await poll.get(f"/api/v1/polls/{poll.id}/export.csv", kind="responses")).content
    )
    header, body = rows[0], rows[1:]
    assert len(body) == 14
    assert "Day" not in header
    assert not any("Góp ý" in column for column in header)
    assert not any("Tổ tôi" in cell for row in body for cell in row)
    placements = [row[0] for row in body]
    threshold = disclosure.export_threshold(K)
    for value in set(placements):
        assert placements.count(value) >= threshold  # blank rows too: never a small group


async def test_a_small_closed_poll_has_no_row_export(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await make_poll(unlimited, world, {"A": None})
    await poll.respond("A", disclosure.export_threshold(K) - 1)
    await poll.close()
    got = await poll.get(f"/api/v1/polls/{poll.id}/export.csv", kind="responses")
    assert got.status_code == 409


# --- free text -------------------------------------------------------------------------


async def test_free_text_waits_for_its_own_threshold_and_forgets_arrival_order(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await make_poll(unlimited, world, {"A": None})
    await poll.respond("A", 8, text="chung")
    await poll.respond("A", 1, text="người thứ chín")
    results = await poll.results()
    assert results["responses"] == 9
    assert results["questions"][4]["texts"] is None
    await poll.respond("A", 1, text="người thứ mười")
    assert (await poll.results())["questions"][4]["texts"] is None  # 10, but no step yet
    await poll.respond("A", K - 1, text="sau")
    results = await poll.results()
    assert results["responses"] == 14
    texts = results["questions"][4]["texts"]
    assert sorted(texts) == sorted(
        ["chung"] * 8 + ["người thứ chín", "người thứ mười"] + ["sau"] * 4
    )
    by = await poll.results("placement")
    assert all(q["texts"] is None for s in by["breakdown"] for q in s["questions"] or [])


async def test_one_new_text_in_a_step_of_respondents_is_not_told_apart(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """A step of k new respondents of whom only one writes: the texts of the two releases,
    compared as lists, would give that one text exactly (and its author is one of the k).
    Texts move in steps of at least k new texts, as counts move in steps of k people."""
    poll = await make_poll(unlimited, world, {"A": None})
    await poll.respond("A", 12, text="chung")
    before = (await poll.results())["questions"][4]["texts"]
    assert sorted(before) == ["chung"] * 12
    await poll.respond("A", 1, text="chỉ một người viết thêm")
    await poll.respond("A", K - 1)
    moved = await poll.results()
    assert moved["responses"] == 12 + K  # a new release
    assert sorted(moved["questions"][4]["texts"]) == sorted(before)
    await poll.respond("A", K - 1, text="thêm")
    await poll.respond("A", 1)
    later = await poll.results()
    assert later["responses"] == 12 + 2 * K
    assert len(later["questions"][4]["texts"]) == 12 + K  # 5 new texts: all shown together


# --- counts under k --------------------------------------------------------------------


async def test_below_k_nothing_counts_a_single_answer(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await make_poll(unlimited, world, {"A": None}, publish_results=True)
    readings = []
    for _ in range(K - 1):
        await poll.respond("A")
        everything = await poll.everything()
        _, snap = await live.snapshot(world.principals["officer"], poll.id)
        readings.append((everything, snap.responses, snap.responses_text, snap.waiting_text))
    assert all(r == readings[0] for r in readings)
    everything, live_count, live_text, waiting = readings[0]
    assert everything["overall"]["responses"] == 0
    assert everything["list"] == [0]
    assert everything["poll"] == 0
    assert live_count == 0
    assert live_text == ""
    assert waiting == ""
    await poll.close()
    closed = await unlimited.get(f"/p/{poll.codes['A']}", headers={"Accept-Language": "en"})
    assert "4" not in closed.text.split("This poll has closed.")[1].split("</main>")[0]
    await login(unlimited, "officer")
    page = await unlimited.get(f"/console/polls/{poll.id}", headers={"Accept-Language": "en"})
    assert "fewer than 5 responses" in page.text


async def test_two_processes_releasing_at_once_store_one_release(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await make_poll(unlimited, world, {"A": None})
    await poll.respond("A", 6)
    loaded = await poll_service.load(poll.id)
    made = await asyncio.gather(*(releases.current(loaded) for _ in range(6)))
    assert {(r.seq, r.respondents) for r in made} == {(1, 6)}
    rows = await t.ResultRelease.select().where(t.ResultRelease.poll == poll.id)
    assert len(rows) == 1
    assert json.loads(rows[0]["snapshot"])["atoms"]


# --- property 2 through the service, over random arrivals and readings ----------------


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    k=st.integers(3, 6),
    arrivals=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.booleans()), min_size=1, max_size=30
    ),
)
async def test_any_two_readings_differ_by_k_respondents_or_not_at_all(
    unlimited: httpx.AsyncClient,
    world: World,
    k: int,
    arrivals: list[tuple[int, int, bool]],
) -> None:
    """Answers arrive from three placements in a random order; the officer reads the
    results, a breakdown and the placement list at random moments. Any two readings are the
    same, or the released total moved by at least k."""
    poll = await make_poll(
        unlimited, world, {"A": "mk-kt3", "B": "mk-kt3", "C": "mk-cd"}, min_group_size=k
    )
    loaded = await poll_service.load(poll.id)
    by_label = {
        p.label: p
        for p in await placement_service.list_for_poll(world.principals["officer"], poll.id)
    }
    readings = []
    for where, option, read in arrivals:
        placement = by_label["ABC"[where]]
        await submit_response(
            loaded,
            Submission(answers=poll.choices(option), placement=placement),
            secret=SECRET,
        )
        if read:
            readings.append(
                (
                    await poll.results(),
                    await poll.results("placement"),
                    await poll.placements(),
                )
            )
    for before, after in itertools.pairwise(readings):
        moved = after[0]["responses"] - before[0]["responses"]
        assert moved == 0 or moved >= k
        if moved == 0:
            assert after == before


async def test_the_notice_says_what_is_released_with_this_polls_thresholds(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await make_poll(unlimited, world, {"A": None}, min_group_size=8)
    code = poll.codes["A"]
    notice = await unlimited.get(f"/p/{code}/privacy", headers={"Accept-Language": "en"})
    assert notice.status_code == 200
    assert 'data-release="release-steps" data-k="8"' in notice.text
    assert f'data-release="text-threshold" data-n="{disclosure.text_threshold(8)}"' in notice.text
    assert "at least 8 new people" in notice.text
    assert "at least 15 people have written one" in notice.text
    form = await unlimited.get(f"/p/{code}", headers={"Accept-Language": "en"})
    assert "change only after 8 new answers" in form.text
