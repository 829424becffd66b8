"""The results queries underneath the API: answers carry their response's segments, and
the aggregates behind every result read an index in order (no join, no sort)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from piccolo.querystring import QueryString

from polls import tables as t
from polls.models import Channel
from polls.services import placements, polls, results
from polls.services.releases import SEGMENT_ANSWERED, SEGMENT_COUNTS, SEGMENT_RESPONSES
from polls.services.submission import Submission, submit_response
from tests.conftest import SECRET, Database, OpenPoll


async def test_answers_carry_their_responses_segments(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    poll = await polls.load(open_poll.id)
    placement = await placements.by_code(open_poll.code)
    assert placement.unit_id is not None
    for channel, where in ((Channel.WEB, placement), (Channel.TELEGRAM, None)):
        await submit_response(
            poll,
            Submission(answers=open_poll.answers(), channel=channel, placement=where),
            secret=SECRET,
        )
    responses = {
        r["id"]: (r["poll"], r["placement"], r["unit"], r["channel"])
        for r in await t.Response.select(
            t.Response.id,
            t.Response.poll,
            t.Response.placement,
            t.Response.unit,
            t.Response.channel,
        )
    }
    assert set(responses.values()) == {
        (poll.id, placement.id, placement.unit_id, "web"),
        (poll.id, None, poll.unit_id, "telegram"),
    }
    answers = await t.Answer.select(
        t.Answer.response, t.Answer.poll, t.Answer.placement, t.Answer.unit, t.Answer.channel
    )
    assert len(answers) == 12
    for row in answers:
        assert (row["poll"], row["placement"], row["unit"], row["channel"]) == responses[
            row["response"]
        ]


async def test_results_queries_walk_an_index_in_order(db: Database) -> None:
    if db.backend != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL aggregates by hash and plans by statistics")
    for query, index in (
        (SEGMENT_RESPONSES, "response_segment"),
        (SEGMENT_COUNTS, "answer_segment_tally"),
        (SEGMENT_ANSWERED, "answer_segment_answered"),
    ):
        plan = await db.engine.run_querystring(QueryString("EXPLAIN QUERY PLAN " + query, 1))
        details = " | ".join(row["detail"] for row in plan)
        assert f"USING COVERING INDEX {index} (poll=?)" in details, details
        assert "TEMP B-TREE" not in details, details


async def test_results_are_counted_once_per_state_and_never_stale(
    client: httpx.AsyncClient, open_poll: OpenPoll, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many readers of one state share one count; a new release is a new state, so the next
    reader sees it (in any process: the state is read from the database each time)."""
    poll = await polls.load(open_poll.id)

    async def answer() -> None:
        await submit_response(poll, Submission(answers=open_poll.answers()), secret=SECRET)

    for _ in range(5):
        await answer()
    counts = 0
    count = results._count

    async def counting(*args: object) -> object:
        nonlocal counts
        counts += 1
        return await count(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(results, "_count", counting)
    together = await asyncio.gather(*(results.results_for(poll, None) for _ in range(5)))
    assert counts == 1
    assert all(r is together[0] for r in together)
    assert together[0].responses == 5
    by_unit = await results.results_for(poll, "unit")
    assert counts == 2
    assert by_unit.responses == 5
    await answer()  # one more is no release: the same state, from the cache
    assert (await results.results_for(poll, None)) is together[0]
    assert counts == 2
    for _ in range(4):
        await answer()
    after = await results.results_for(poll, None)
    assert counts == 3
    assert after.responses == 10
