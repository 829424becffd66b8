"""The words a worker types beside "other (please specify)" are free text: played as the
curious officer (and leadership) who wants to read one worker's "other" text early, beside
his placement or unit, or beside his choices in the row export, and as the database admin
reading the stored release. The "other" option's count is released like any option's."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls import disclosure
from polls import tables as t
from tests.conftest import World, add_placement, answer_as_new_device, create_draft_poll
from tests.console.conftest import login
from tests.spreadsheets import csv_rows

K = 5
SECRET_TEXT = "Quản đốc Cơ điện ép làm thêm"
QUESTIONS = [
    {
        "kind": "single",
        "text": "Bữa ăn có đủ no không?",
        "options": ["Đủ", "Chưa đủ"],
        "other": "Khác (ghi rõ)",
    },
    {"kind": "yes_no", "text": "Có nên họp tổ?"},
]


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


class OtherPoll:
    def __init__(self, client: httpx.AsyncClient, world: World) -> None:
        self.client, self.world = client, world
        self.codes: dict[str, str] = {}

    async def make(self) -> OtherPoll:
        made = await create_draft_poll(
            self.client, self.world, duplicate_policy="none", questions=QUESTIONS
        )
        self.id, self.questions = made["id"], made["questions"]
        for label, unit in (("A", "mk-kt3"), ("B", "mk-cd")):
            added = await add_placement(self.client, self.world, self.id, label, unit=unit)
            self.codes[label] = added["code"]
        opened = await self.client.post(
            f"/api/v1/polls/{self.id}/open", headers=self.world.auth("officer")
        )
        assert opened.status_code == 200, opened.text
        return self

    async def respond(self, placement: str, times: int = 1, other: str | None = None) -> None:
        single, yes_no = self.questions
        answers: dict[str, Any] = {str(yes_no["id"]): True}
        if other is None:
            answers[str(single["id"])] = single["options"][0]["id"]
        else:
            answers[str(single["id"])] = single["options"][-1]["id"]
            answers[f"{single['id']}.other"] = other
        for _ in range(times):
            sent = await answer_as_new_device(self.client, self.codes[placement], answers)
            assert sent.status_code == 201, sent.text

    async def get(self, path: str, **params: Any) -> httpx.Response:
        got = await self.client.get(
            path, params=params, headers={**self.world.auth("officer"), "Accept-Language": "en"}
        )
        return got

    async def results(self, by: str | None = None) -> dict[str, Any]:
        got = await self.get(f"/api/v1/polls/{self.id}/results", **({"by": by} if by else {}))
        assert got.status_code == 200, got.text
        return got.json()

    async def every_text_out(self) -> str:
        """Everything the officer can read about the poll, as one text: results JSON
        overall and by each breakdown, the summary exports (CSV, by each breakdown), the
        console's results pages, the report; and the row export once it exists."""
        parts: list[str] = []
        await login(self.client, "officer")  # answering cleared the cookies
        for by in (None, "placement", "unit", "channel"):
            parts.append(json.dumps(await self.results(by), ensure_ascii=False))
            extra = {"by": by} if by else {}
            summary = await self.get(f"/api/v1/polls/{self.id}/export.csv", kind="summary", **extra)
            parts.append(summary.content.decode("utf-8-sig"))
            page = await self.client.get(
                f"/console/polls/{self.id}/results", params=extra, headers={"Accept-Language": "vi"}
            )
            assert page.status_code == 200
            parts.append(page.text)
        rows = await self.get(f"/api/v1/polls/{self.id}/export.csv", kind="responses")
        if rows.status_code == 200:
            parts.append(rows.content.decode("utf-8-sig"))
        return "\n".join(parts)

    def single_of(self, results: dict[str, Any]) -> dict[str, Any]:
        return results["questions"][0]


async def test_an_other_text_waits_for_the_free_text_threshold_and_never_meets_a_segment(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await OtherPoll(unlimited, world).make()
    await poll.respond("A", 12)
    await poll.respond("B", 1, other=SECRET_TEXT)  # the one worker he wants to read
    # the officer pads with k - 1 "other" answers of his own at the same placement
    await poll.respond("B", K - 1, other="tôi")
    await poll.respond("A", K - 1)
    results = await poll.results()
    assert results["responses"] == 12 + 1 + (K - 1) + (K - 1)
    single = poll.single_of(results)
    assert single["texts"] is None  # 5 texts: under the free-text threshold of 10
    other_share = next(o for o in single["options"] if o["label"] == "Khác (ghi rõ)")
    assert other_share["count"] is not None  # the option's count is released like any
    assert SECRET_TEXT not in await poll.every_text_out()

    # enough people write for the texts to be released: overall only, sorted
    await poll.respond("A", 6, other="Cơm nguội")
    results = await poll.results()
    texts = poll.single_of(results)["texts"]
    assert texts is not None
    assert SECRET_TEXT in texts
    assert texts == sorted(texts, key=disclosure.text_order)
    for by in ("placement", "unit", "channel"):
        for segment in (await poll.results(by))["breakdown"]:
            assert all(q["texts"] is None for q in segment["questions"] or [])
    await login(unlimited, "officer")
    for by in ("placement", "unit"):
        page = await unlimited.get(f"/console/polls/{poll.id}/results", params={"by": by})
        assert SECRET_TEXT not in page.text
        summary = await poll.get(f"/api/v1/polls/{poll.id}/export.csv", kind="summary", by=by)
        assert SECRET_TEXT not in summary.content.decode("utf-8-sig")
    overall_page = await unlimited.get(f"/console/polls/{poll.id}/results")
    assert SECRET_TEXT in overall_page.text  # shown where free text is shown, and only there


async def test_the_row_export_shows_the_choice_other_but_never_its_text(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await OtherPoll(unlimited, world).make()
    await poll.respond("A", 10, other="Thiếu canh")
    await poll.respond("B", 1, other=SECRET_TEXT)
    await poll.respond("B", 10)
    early = await poll.get(f"/api/v1/polls/{poll.id}/export.csv", kind="responses")
    assert early.status_code == 409  # rows only after the close, as for free text
    closed = await unlimited.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200
    got = await poll.get(f"/api/v1/polls/{poll.id}/export.csv", kind="responses")
    assert got.status_code == 200
    rows = csv_rows(got.content)
    body = rows[1:]
    assert len(body) == 21
    cells = [cell for row in body for cell in row]
    assert cells.count("Khác (ghi rõ)") == 11  # the choice is there, as any choice
    assert not any("Thiếu canh" in cell or SECRET_TEXT in cell for cell in cells)
    xlsx = await poll.get(f"/api/v1/polls/{poll.id}/export.xlsx", kind="responses")
    assert xlsx.status_code == 200
    assert SECRET_TEXT.encode() not in xlsx.content
    assert b"Thi\xe1\xba\xbfu canh" not in xlsx.content


async def test_one_new_other_text_in_a_step_is_not_told_apart(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await OtherPoll(unlimited, world).make()
    await poll.respond("A", 12, other="chung")
    before = poll.single_of(await poll.results())["texts"]
    assert sorted(before) == ["chung"] * 12
    await poll.respond("B", 1, other=SECRET_TEXT)
    await poll.respond("A", K - 1)
    moved = await poll.results()
    assert moved["responses"] == 12 + K  # a new release of the counts
    assert poll.single_of(moved)["texts"] == before  # but the texts wait for k new ones


async def test_the_stored_release_keeps_other_texts_apart_from_every_segment(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    """The database admin reads ``result_release``: the texts are one sorted list per
    question, and the atoms (placement, unit, channel) carry counts, never a text."""
    poll = await OtherPoll(unlimited, world).make()
    await poll.respond("A", 11, other="Cơm nguội")
    await poll.respond("B", 1, other=SECRET_TEXT)
    await poll.results()
    row = (
        await t.ResultRelease.select(t.ResultRelease.snapshot)
        .where(t.ResultRelease.poll == poll.id)
        .first()
    )
    assert row is not None
    snapshot = json.loads(row["snapshot"])
    single = poll.questions[0]
    assert snapshot["texts"][str(single["id"])] == sorted(
        ["Cơm nguội"] * 11 + [SECRET_TEXT], key=disclosure.text_order
    )
    assert SECRET_TEXT not in json.dumps(snapshot["atoms"], ensure_ascii=False)
    other_id = single["options"][-1]["id"]
    counted = [c for atom in snapshot["atoms"] for c in atom[4] if c[1] == other_id]
    assert sum(c[3] for c in counted) == 12
