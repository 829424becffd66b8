"""Charts and files in the reader's language, also across a switch: the server keys what it
renders by language, and the browser's copy varies with the language's cookie and header
(``Vary``), so the chart after "English" is the English chart, not the cached Vietnamese."""

from __future__ import annotations

import httpx

from tests.conftest import World, create_open_poll
from tests.console.conftest import answer, login


async def test_a_switch_of_language_gives_the_other_languages_chart(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    for _ in range(6):
        await answer(client, poll.code, poll.answers())
    await login(client, "officer")
    question = poll.questions[0]["id"]
    charts = [
        f"/console/polls/{poll.id}/charts/{name}" for name in ("timeline.svg", f"{question}.png")
    ]
    client.headers["accept-language"] = "vi"
    vietnamese = [await client.get(path) for path in charts]
    switched = await client.get(f"/console/polls/{poll.id}/results?lang=en")
    assert switched.status_code == 200
    assert 'lang="en"' in switched.text
    english = [await client.get(path) for path in charts]  # same URL, the cookie says English
    for before, after in zip(vietnamese, english, strict=True):
        assert before.status_code == after.status_code == 200
        for response in (before, after, switched):
            vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
            assert {"accept-language", "cookie"} <= vary
        assert before.content != after.content
    client.cookies.delete("polls_lang")
    client.headers["accept-language"] = "en"
    fresh = [await client.get(path) for path in charts]
    assert [r.content for r in fresh] == [r.content for r in english]
    for path in (f"/console/polls/{poll.id}/report.pdf", f"/console/polls/{poll.id}/export.csv"):
        assert "Accept-Language" in (await client.get(path)).headers["vary"]
