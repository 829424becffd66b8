"""The live meeting view: a full-screen page whose results follow the answers through
server-sent events, computed from the database on every check (so any app process serves
any screen), and never a question's counts while the poll is below its minimum group size."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls.models import Poll
from polls.services import releases
from polls.settings import Settings
from tests.conftest import OpenPoll, World, create_open_poll
from tests.console.conftest import answer, login
from tests.streams import EventStream


@pytest.fixture
async def fast(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    """Checks every 50 ms; each stream ends after 1.5 s (the ASGI test transport returns a
    response only once it is complete)."""
    return await make_client(
        rate_limit_per_device=0,
        rate_limit_per_ip=0,
        live_check_seconds=0.05,
        live_max_seconds=1.5,
    )


@pytest.fixture
async def lasting(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    """As ``fast``, but a stream lasts until the test leaves it (``tests.streams``)."""
    return await make_client(
        rate_limit_per_device=0,
        rate_limit_per_ip=0,
        live_check_seconds=0.05,
        live_max_seconds=600,
    )


def events(body: str) -> list[dict[str, Any]]:
    found = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = block.splitlines()
        if "event: results" in lines:
            data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
            found.append(json.loads(data))
    return found


async def _watch_while(
    client: httpx.AsyncClient,
    poll: OpenPoll,
    answers: int,
    lang: str = "en",
    submit_to: httpx.AsyncClient | None = None,
    until: Callable[[dict[str, Any]], bool] | None = None,
) -> tuple[EventStream, list[dict[str, Any]]]:
    """The stream's events while ``answers`` arrive once it has sent its first snapshot:
    until one satisfies ``until``, or else until the stream ends by itself (after
    ``live_max_seconds``, some thirty checks after the answers)."""
    path = f"/console/polls/{poll.id}/live/events"
    async with EventStream(client, path, {"accept-language": lang}) as stream:
        await stream.wait_for("results")
        for _ in range(answers):
            await answer(submit_to or client, poll.code, poll.answers())
        assert not stream.ended, "the stream ended before the answers were in"
        if until is None:
            await stream.wait_for_end()
        else:
            await stream.wait_for("results", until)
    return stream, stream.named("results")


async def test_the_stream_sends_the_new_counts_as_answers_arrive(
    lasting: httpx.AsyncClient,
    world: World,
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
) -> None:
    """The answers go to another app (another process, in production) than the stream."""
    other = await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)
    poll = await create_open_poll(lasting, world, duplicate_policy="none")
    for _ in range(5):
        await answer(lasting, poll.code, poll.answers())
    await login(lasting, "viewer")
    # new answers wait until 5 of them make a step, then the results move
    response, sent = await _watch_while(
        lasting, poll, 5, submit_to=other, until=lambda s: s["responses"] == 10
    )
    assert response.status_code == 200
    assert response.response_headers["content-type"].startswith("text/event-stream")
    assert "retry: 3000" in response.text
    assert sent[0]["responses"] == 5
    assert sent[0]["waiting_text"] == ""
    assert sent[-1]["responses"] == 10
    assert sent[-1]["responses_text"] == "10 responses"
    # (what waits between steps is said: tests/privacy/test_disclosure_attacks.py)
    assert all(s["questions"] == sent[0]["questions"] for s in sent if s["responses"] == 5)
    first = sent[-1]["questions"][0]
    assert first["text"] == "Kênh nhanh nhất?"
    assert [o["label"] for o in first["options"]] == ["Zalo", "Bảng tin", "Loa"]
    assert all(o["count_text"].startswith("≈ ") for o in first["options"])
    assert all(q["text"] != "Góp ý" for q in sent[-1]["questions"])  # free text stays off
    counts = [s["responses"] for s in sent]
    assert counts == sorted(counts)
    assert set(counts) == {5, 10}, "the results move in steps of at least k"


async def test_below_the_minimum_no_counts_are_ever_sent(
    fast: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(fast, world, duplicate_policy="none")
    await login(fast, "officer")
    response, sent = await _watch_while(fast, poll, 4, lang="vi")
    assert {s["responses"] for s in sent} == {0}  # not even how many
    assert {s["responses_text"] for s in sent} == {""}
    assert len(sent) == 1, "nothing moves below the minimum"
    for snapshot in sent:
        assert snapshot["visible"] is False
        assert snapshot["questions"] == []
        assert snapshot["message"] == "Kết quả sẽ hiển thị khi khảo sát có ít nhất 5 phiếu trả lời."
    assert "Zalo" not in response.text
    assert '"count"' not in response.text
    page = await fast.get(f"/console/polls/{poll.id}/live")
    assert "Zalo" not in page.text
    assert "Kết quả sẽ hiển thị khi khảo sát có ít nhất 5 phiếu trả lời." in page.text


async def test_the_page_works_without_script_and_loads_one_from_this_origin(
    fast: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(fast, world, duplicate_policy="none")
    for _ in range(6):
        await answer(fast, poll.code, poll.answers())
    await login(fast, "viewer")
    page = await fast.get(f"/console/polls/{poll.id}/live", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/console/live.js"></script>' in page.text
    assert '<noscript><meta http-equiv="refresh"' in page.text
    assert "<script>" not in page.text
    assert "6 responses" in page.text
    assert "Kênh nhanh nhất?" in page.text
    one = await fast.get(f"/console/polls/{poll.id}/live?q=4", headers={"accept-language": "en"})
    assert "Muốn nhận tin qua Zalo?" in one.text
    assert "<h2>1. Kênh nhanh nhất?</h2>" not in one.text
    script = await fast.get("/console/live.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert b"EventSource" in script.content


@pytest.mark.parametrize("path", ["live", "live/events"])
async def test_who_may_watch(client: httpx.AsyncClient, world: World, path: str) -> None:
    poll = await create_open_poll(client, world)
    url = f"/console/polls/{poll.id}/{path}"
    anonymous = await client.get(url, follow_redirects=False)
    assert anonymous.status_code == 302
    assert anonymous.headers["location"] == "/console/login"
    await login(client, "outsider")
    assert (await client.get(url)).status_code == 404
    if path == "live":  # a viewer may watch (the stream itself is tested above)
        client.cookies.clear()
        await login(client, "mk-viewer")
        assert (await client.get(url)).status_code == 200


async def test_the_stream_checks_and_ends_as_the_environment_says(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configured = Settings.from_env(
        {"SECRET_KEY": "s" * 32, "LIVE_CHECK_SECONDS": "0.05", "LIVE_STREAM_SECONDS": "1"}
    )
    client = await make_client(
        live_check_seconds=configured.live_check_seconds,
        live_max_seconds=configured.live_max_seconds,
    )
    checks = 0
    current = releases.current

    async def counted(poll: Poll) -> releases.Release:
        nonlocal checks
        checks += 1
        return await current(poll)

    monkeypatch.setattr(releases, "current", counted)
    poll = await create_open_poll(client, world, duplicate_policy="none")
    await login(client, "viewer")
    # The ASGI test transport answers once the stream has ended: it must end by itself.
    response = await asyncio.wait_for(client.get(f"/console/polls/{poll.id}/live/events"), 30)
    assert response.status_code == 200
    assert len(events(response.text)) == 1
    # about 20 checks in a 1 s stream: more than the default 2 s interval allows, and never
    # more than the interval fits in the lifetime (with the two reads of the one snapshot)
    assert 5 <= checks <= 23, checks
