"""A release is one consistent reading of a poll's answers (``services.releases``).

Its aggregates (respondents, answer counts, answered questions, texts, visits) are read in
several queries. Answers that arrive between two of them must be in all or in none, else a
release holds, say, 6 respondents but 9 answers to a required question, and the next
release, taken as the difference, tells what the 3 in between answered.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls import tables as t
from polls.services import placements as placement_service
from polls.services import polls as poll_service
from polls.services import releases
from polls.services.submission import Submission, submit_response
from tests.conftest import SECRET, World
from tests.privacy.test_disclosure_attacks import make_poll


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


async def test_answers_arriving_between_the_reads_of_a_release_are_in_all_or_none(
    unlimited: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = await make_poll(unlimited, world, {"A": None})
    await poll.respond("A", 6)
    loaded = await poll_service.load(poll.id)
    first = await releases.current(loaded)
    assert first.respondents == 6
    (placement,) = await placement_service.list_for_poll(world.principals["officer"], poll.id)

    async def more(times: int) -> int:
        for _ in range(times):
            await submit_response(
                loaded, Submission(answers=poll.choices(1), placement=placement), secret=SECRET
            )
        return await t.Response.count().where(t.Response.poll == poll.id)

    await more(5)  # a step: the next reading makes a release

    original = t.Answer.raw
    arrived: list[bool] = []

    async def answers_arrive_first(sql: str, *args: Any) -> Any:
        if not arrived:
            arrived.append(True)
            # another request, in a context of its own (not inside the release's reads)
            stored = await asyncio.get_running_loop().create_task(
                more(3), context=contextvars.Context()
            )
            assert stored == 14
        return await original(sql, *args)

    monkeypatch.setattr(t.Answer, "raw", answers_arrive_first)
    release = await releases.current(loaded)
    monkeypatch.undo()
    assert arrived, "the hook ran between the release's reads"
    single, multi = loaded.questions[0].id, loaded.questions[1].id
    assert release.seq == first.seq + 1
    assert release.respondents in (11, 14)
    assert release.respondents == sum(a.responses for a in release.atoms)
    for atom in release.atoms:
        assert atom.answered[single] == atom.responses
        assert sum(atom.counts[single].values()) == atom.responses
        assert atom.answered[multi] == atom.responses
    after = await releases.current(loaded)
    assert after.seq == release.seq  # nothing released twice: the 3 wait for a step
