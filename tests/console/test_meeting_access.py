"""Who may use each page of meeting mode, paper tallies and the loudspeaker pack: one row per
endpoint, one outcome per role, as ``tests/api/test_authorization.py`` does for the API.
Without a session the console sends the browser to sign in; an officer of another subtree
finds nothing (404); viewers may watch and read, not act. A refused change leaves every
table as it was, and a change without the CSRF token is refused too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from polls.services import unlinking
from polls.services.cache import forget_everything
from tests.conftest import (
    Database,
    World,
    add_placement,
    create_open_poll,
    empty_database,
    make_world,
    snapshot,
)
from tests.console.conftest import csrf_token, login

ROLES = ("anonymous", "mk-viewer", "outsider", "officer", "admin")


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    outcomes: tuple[int, int, int, int, int]
    """anonymous, viewer of the unit, outsider, officer, admin"""


WATCH = (302, 200, 404, 200, 200)
RUN = (302, 403, 404, 200, 200)
CHANGE = (403, 403, 404, 303, 303)
"""Without a session there is no CSRF token either: refused before anything else."""
ROWS = (
    Row("GET", "/console/meetings/{meeting}", WATCH),
    Row("GET", "/console/meetings/{meeting}/remote", RUN),
    Row("POST", "/console/meetings/{meeting}/act", CHANGE),
    Row("GET", "/console/placements/{paper}/tally", RUN),
    Row("POST", "/console/placements/{paper}/tally", CHANGE),
    Row("GET", "/console/polls/{poll}/announcement", WATCH),
    Row("GET", "/console/polls/{poll}/announcement.txt", WATCH),
)


@pytest.fixture
async def ids(client: httpx.AsyncClient, world: World) -> dict[str, int]:
    return await made(client, world)


async def made(client: httpx.AsyncClient, world: World) -> dict[str, int]:
    """An open poll with a meeting and a paper placement: the ids the rows need."""
    poll = await create_open_poll(client, world)
    meeting = await add_placement(client, world, poll.id, "Hội nghị", kind="meeting")
    paper = await add_placement(client, world, poll.id, "Giơ tay", kind="paper")
    single = poll.questions[0]
    return {
        "poll": poll.id,
        "meeting": meeting["id"],
        "paper": paper["id"],
        "field_question": single["id"],
        "field_option": single["options"][0]["id"],
    }


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.path}")
async def test_who_may_use_each_page(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], db: Database, row: Row
) -> None:
    """Each role in turn, each from a client of its own, meeting the poll as a test of its
    own would: after a request that changed any table the next role gets an emptied
    database, a new world and poll; after one that changed nothing, the same poll."""
    world: World | None = None
    ids: dict[str, int] = {}
    for role, expected in zip(ROLES, row.outcomes, strict=True):
        client = await make_client()
        if world is None:
            if ids:
                await empty_database(db)
            world = await make_world()
            ids = await made(client, world)
        else:
            forget_everything()
            unlinking.reset_for_tests()
        path = row.path.format(**ids)
        data = {"action": "next", f"q{ids['field_question']}_o{ids['field_option']}": "7"}
        token = ""
        if role != "anonymous":
            await login(client, role)
            token = csrf_token(await client.get("/console/password"))
        before = await snapshot()
        if row.method == "GET":
            sent = await client.get(path, follow_redirects=False)
        else:
            data = {**data, "_csrf_token": token}
            sent = await client.post(path, data=data, follow_redirects=False)
        assert sent.status_code == expected, (role, sent.text)
        if expected == 302:
            assert sent.headers["location"] == "/console/login", role
        changed = await snapshot() != before
        if expected >= 300 and row.method == "POST" and expected != 303:
            assert not changed, f"{role}: a refused request changed the database"
        if row.method == "POST" and expected == 303:
            assert changed, role
        if changed:
            world = None


async def test_the_event_stream_is_for_those_who_may_watch(
    client: httpx.AsyncClient, world: World, ids: dict[str, int]
) -> None:
    path = f"/console/meetings/{ids['meeting']}/events"
    anonymous = await client.get(path, follow_redirects=False)
    assert anonymous.status_code == 302
    await login(client, "outsider")
    assert (await client.get(path)).status_code == 404


@pytest.mark.parametrize("row", [r for r in ROWS if r.method == "POST"], ids=lambda r: r.path)
async def test_a_change_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, world: World, ids: dict[str, int], row: Row
) -> None:
    await login(client, "officer")
    await client.get("/console")
    before = await snapshot()
    data = {"action": "next", f"q{ids['field_question']}_o{ids['field_option']}": "7"}
    for sent in (
        await client.post(row.path.format(**ids), data=data),
        await client.post(row.path.format(**ids), data={**data, "_csrf_token": "forged"}),
    ):
        assert sent.status_code == 403
    assert await snapshot() == before
