"""A closed poll that publishes its results shows them on its own link: overall only, no
free text, and nothing below the minimum group size."""

from __future__ import annotations

import httpx

from tests.conftest import World, answer, create_open_poll


async def _closed_poll(client: httpx.AsyncClient, world: World, responses: int, publish: bool):
    poll = await create_open_poll(client, world, duplicate_policy="none", publish_results=publish)
    for _ in range(responses):
        sent = await answer(client, poll.code, poll.answers(text="Bí mật của tổ 3"))
        assert sent.status_code == 201, sent.text
    closed = await client.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200
    return poll


async def test_published_results_show_on_the_closed_poll(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await _closed_poll(client, world, responses=6, publish=True)
    page = await client.get(f"/p/{poll.code}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "This poll has closed." in page.text
    assert "Results" in page.text
    assert "100.0%" in page.text  # everyone chose the first option of the single question
    assert "Bí mật của tổ 3" not in page.text  # free text is never published


async def test_unpublished_results_stay_in_the_console(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await _closed_poll(client, world, responses=6, publish=False)
    page = await client.get(f"/p/{poll.code}", headers={"Accept-Language": "en"})
    assert "This poll has closed." in page.text
    assert "Results" not in page.text
    assert "%" not in page.text.split("</style>", 1)[1]


async def test_published_results_below_the_minimum_show_no_counts(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await _closed_poll(client, world, responses=3, publish=True)
    page = await client.get(f"/p/{poll.code}", headers={"Accept-Language": "en"})
    body = page.text.split("</style>", 1)[1]
    assert "Results are shown once at least 5 people have answered." in body
    assert "%" not in body


async def test_a_closed_poll_may_only_change_whether_it_publishes(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await _closed_poll(client, world, responses=0, publish=False)
    path = f"/api/v1/polls/{poll.id}"
    published = await client.patch(
        path, json={"publish_results": True}, headers=world.auth("officer")
    )
    assert published.status_code == 200, published.text
    assert published.json()["publish_results"] is True
    renamed = await client.patch(path, json={"title": "Khác"}, headers=world.auth("officer"))
    assert renamed.status_code == 409
