"""Rules: nothing released keeps the order in which answers came.

An officer who saw one worker answer (the third at the canteen, the last before the shift)
could match that position against a list in arrival order. So the per-response export is
shuffled anew each time it is made, and free texts are released sorted, never in arrival
order (identical texts become neighbours, which the console shows once with their count).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls import disclosure
from tests.conftest import OpenPoll, World, answer_as_new_device, create_open_poll
from tests.console.conftest import login
from tests.spreadsheets import csv_rows

K = 5


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


def answers_with(poll: OpenPoll, option: int, scale: int, text: str | None = None) -> dict:
    q = poll.questions
    given: dict[str, Any] = {
        **poll.answers(),
        str(q[0]["id"]): q[0]["options"][option]["id"],
        str(q[2]["id"]): scale,
    }
    if text is None:
        del given[str(q[4]["id"])]
    else:
        given[str(q[4]["id"])] = text
    return given


async def test_the_row_export_is_shuffled_anew_each_time(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(unlimited, world)
    q = poll.questions
    arrival = [(q[0]["options"][i % 3]["label"], str(1 + i // 3)) for i in range(12)]
    assert len(set(arrival)) == 12 >= disclosure.export_threshold(K)
    for i in range(12):
        given = answers_with(poll, i % 3, 1 + i // 3)
        sent = await answer_as_new_device(unlimited, poll.code, given)
        assert sent.status_code == 201, sent.text
    closed = await unlimited.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text

    async def export() -> list[tuple[str, str]]:
        got = await unlimited.get(
            f"/api/v1/polls/{poll.id}/export.csv",
            params={"kind": "responses"},
            headers=world.auth("officer"),
        )
        assert got.status_code == 200, got.text
        rows = csv_rows(got.content)
        header, body = rows[0], rows[1:]
        single = header.index(f"1. {q[0]['text']}")
        scale = header.index(f"3. {q[2]['text']}")
        return [(row[single], row[scale]) for row in body]

    first, second = await export(), await export()
    assert sorted(first) == sorted(second) == sorted(arrival)
    # each of these holds by chance with a probability of 1 in 12! (about 2 · 10⁻⁹)
    assert first != arrival, "the export lists the responses in the order they came"
    assert first != second, "two exports list the responses in the same order"


async def test_free_texts_are_released_sorted_not_in_arrival_order(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(unlimited, world)
    # arrival order is the reverse of the released order, with one pair of equal answers
    # that arrive far apart and a capital letter that must not sort before every small one
    arriving = [
        "xe đưa đón",
        "Tăng ca",
        "nhà ăn",
        "lương",
        "Được",
        "ca đêm",
        "bảo hộ",
        "an toàn",
        "Ánh sáng hầm lò",
        "ăn trưa",
        "nhà ăn",
        "y tế",
    ]
    for i, text in enumerate(arriving):
        sent = await answer_as_new_device(
            unlimited, poll.code, answers_with(poll, i % 3, 1 + i % 5, text)
        )
        assert sent.status_code == 201, sent.text
    got = await unlimited.get(f"/api/v1/polls/{poll.id}/results", headers=world.auth("officer"))
    assert got.status_code == 200, got.text
    texts = got.json()["questions"][4]["texts"]
    assert texts == sorted(arriving, key=lambda text: (text.casefold(), text))
    assert texts != arriving
    first = texts.index("nhà ăn")
    assert texts[first + 1] == "nhà ăn"
    # the console shows the two equal answers once, with their count
    await login(unlimited, "officer")
    page = await unlimited.get(f"/console/polls/{poll.id}/results")
    assert page.status_code == 200
    assert page.text.count("<li>nhà ăn") == 1, "equal answers are not shown together"
    assert '<li>nhà ăn <span class="times">× 2</span></li>' in page.text
