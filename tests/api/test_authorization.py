"""Who may call each endpoint of the JSON API: one row per endpoint, one outcome per role.

Roles (``tests.conftest.world``): ``viewer`` and ``admin`` sit at the national root,
``officer`` at Mạo Khê (which owns every poll here), ``outsider`` is an officer of Hà Lầm.
An outsider gets 404 for a poll of another subtree, never 403, so its existence is not
confirmed. A refused change leaves every table exactly as it was.

``test_every_api_route_has_an_authorization_row`` fails when an endpoint is added to
``polls/api`` without a row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar.routes import HTTPRoute

from polls.app import create_app
from polls.services import accounts
from polls.settings import Settings
from tests.conftest import (
    PASSWORD,
    SAMPLE_POLL,
    SECRET,
    OpenPoll,
    World,
    add_placement,
    create_draft_poll,
    create_open_poll,
    snapshot,
)

ROLES = ("anonymous", "viewer", "outsider", "officer", "admin")


@dataclass
class Scene:
    """A draft poll and an open poll of Mạo Khê, the open one with a placement."""

    draft: int
    open: OpenPoll
    placement: int
    series: str
    token: int
    """A spare API token of the officer (not the one the officer's requests use)."""

    def url(self, template: str) -> str:
        return template.format(
            draft=self.draft,
            poll=self.open.id,
            code=self.open.code,
            placement=self.placement,
            question=self.open.questions[0]["id"],
            series=self.series,
            token=self.token,
        )


def expect(anonymous: int, viewer: int, outsider: int, officer: int, admin: int) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "viewer": viewer,
        "outsider": outsider,
        "officer": officer,
        "admin": admin,
    }


READ_POLL = expect(401, 200, 404, 200, 200)
"""Reading one poll (or what hangs off it): everyone signed in whose subtree holds it."""
CHANGE_POLL = expect(401, 403, 404, 200, 200)
CREATE_UNDER_POLL = expect(401, 403, 404, 201, 201)
READ_OWN_SUBTREE = expect(401, 200, 200, 200, 200)
"""Lists: everyone signed in gets their own subtree (checked separately below)."""
ADMIN_ONLY = expect(401, 403, 403, 403, 200)
ADMIN_ONLY_CREATE = expect(401, 403, 403, 403, 201)
PUBLIC = expect(200, 200, 200, 200, 200)
PUBLIC_CREATE = expect(201, 201, 201, 201, 201)


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: str
    """The path as the controller declares it (what ``app.routes`` lists)."""
    url: str
    outcomes: dict[str, int]
    body: Callable[[Scene], Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


ENDPOINTS = (
    Endpoint("GET", "/api/v1/units", "/api/v1/units", READ_OWN_SUBTREE),
    Endpoint(
        "POST",
        "/api/v1/units",
        "/api/v1/units",
        ADMIN_ONLY_CREATE,
        body=lambda _: {
            "slug": "mk-kt5",
            "name": "Phân xưởng KT5",
            "kind": "workshop",
            "parent": "than-mao-khe",
        },
    ),
    Endpoint(
        "PATCH",
        "/api/v1/units/{slug:str}",
        "/api/v1/units/mk-kt3",
        ADMIN_ONLY,
        body=lambda _: {"headcount": 450},
    ),
    Endpoint("GET", "/api/v1/officers", "/api/v1/officers", ADMIN_ONLY),
    Endpoint(
        "POST",
        "/api/v1/officers",
        "/api/v1/officers",
        ADMIN_ONLY_CREATE,
        body=lambda _: {
            "username": "new-officer",
            "password": "long-enough-1",
            "unit": "than-mao-khe",
            "role": "officer",
        },
    ),
    Endpoint("GET", "/api/v1/polls", "/api/v1/polls", READ_OWN_SUBTREE),
    Endpoint(
        "POST",
        "/api/v1/polls",
        "/api/v1/polls",
        expect(401, 403, 422, 201, 201),
        body=lambda _: SAMPLE_POLL,
    ),
    Endpoint("GET", "/api/v1/polls/{poll_id:str}", "/api/v1/polls/{poll}", READ_POLL),
    Endpoint(
        "PATCH",
        "/api/v1/polls/{poll_id:str}",
        "/api/v1/polls/{draft}",
        CHANGE_POLL,
        body=lambda _: {"title": "Tiêu đề mới"},
    ),
    Endpoint("POST", "/api/v1/polls/{poll_id:str}/open", "/api/v1/polls/{draft}/open", CHANGE_POLL),
    Endpoint(
        "POST", "/api/v1/polls/{poll_id:str}/close", "/api/v1/polls/{poll}/close", CHANGE_POLL
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/reopen",
        "/api/v1/polls/{poll}/reopen",
        expect(401, 403, 404, 409, 409),  # runners pass; the poll is open, not closed
    ),
    Endpoint(
        "DELETE",
        "/api/v1/polls/{poll_id:str}",
        "/api/v1/polls/{draft}",
        expect(401, 403, 404, 204, 204),
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/archive",
        "/api/v1/polls/{poll}/archive",
        expect(401, 403, 404, 409, 409),  # runners pass; an open poll is closed first
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/unarchive",
        "/api/v1/polls/{poll}/unarchive",
        CHANGE_POLL,
    ),
    Endpoint(
        "PATCH",
        "/api/v1/placements/{placement_id:str}",
        "/api/v1/placements/{placement}",
        CHANGE_POLL,
        body=lambda _: {"label": "Nhà ăn PX3", "kind": "canteen"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/placements/{placement_id:str}",
        "/api/v1/placements/{placement}",
        expect(401, 403, 404, 409, 409),  # runners pass; an open poll's placements stay
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/duplicate",
        "/api/v1/polls/{poll}/duplicate",
        CREATE_UNDER_POLL,
    ),
    Endpoint(
        "GET", "/api/v1/polls/{poll_id:str}/results", "/api/v1/polls/{poll}/results", READ_POLL
    ),
    Endpoint(
        "GET",
        "/api/v1/polls/{poll_id:str}/charts/{name:str}",
        "/api/v1/polls/{poll}/charts/{question}.png?by=placement",
        READ_POLL,
    ),
    Endpoint(
        "GET",
        "/api/v1/polls/{poll_id:str}/report.pdf",
        "/api/v1/polls/{poll}/report.pdf",
        READ_POLL,
    ),
    Endpoint(
        "GET",
        "/api/v1/polls/{poll_id:str}/export.csv",
        "/api/v1/polls/{poll}/export.csv?kind=summary",
        READ_POLL,
    ),
    Endpoint(
        "GET",
        "/api/v1/polls/{poll_id:str}/export.xlsx",
        "/api/v1/polls/{poll}/export.xlsx",
        READ_POLL,
    ),
    Endpoint(
        "GET",
        "/api/v1/series/{series_id:str}/trend/{name:str}",
        "/api/v1/series/{series}/trend/1.png",
        READ_POLL,  # an outsider sees no poll of the series: 404
    ),
    Endpoint(
        "GET",
        "/api/v1/polls/{poll_id:str}/placements",
        "/api/v1/polls/{poll}/placements",
        READ_POLL,
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/placements",
        "/api/v1/polls/{draft}/placements",
        CREATE_UNDER_POLL,
        body=lambda _: {"label": "Zalo OA", "kind": "zalo"},
    ),
    Endpoint(
        "GET", "/api/v1/placements/{placement_id:str}", "/api/v1/placements/{placement}", READ_POLL
    ),
    Endpoint(
        "PATCH",
        "/api/v1/placements/{placement_id:str}",
        "/api/v1/placements/{placement}",
        CHANGE_POLL,
        body=lambda _: {"opens_in": "web"},
    ),
    Endpoint(
        "POST",
        "/api/v1/placements/{placement_id:str}/publish",
        "/api/v1/placements/{placement}/publish",
        expect(401, 403, 404, 503, 503),  # runners pass; this app has no Telegram settings
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/share-results",
        "/api/v1/polls/{poll}/share-results",
        expect(401, 503, 404, 503, 503),  # readers pass (viewers too); no Telegram settings
        body=lambda _: {"chat_id": "-1001234567890"},
    ),
    Endpoint(
        "POST",
        "/api/v1/placements/{placement_id:str}/zalo-post",
        "/api/v1/placements/{placement}/zalo-post",
        expect(401, 403, 404, 503, 503),  # runners pass; this app has no Zalo Bot settings
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/zalo-share-results",
        "/api/v1/polls/{poll}/zalo-share-results",
        expect(401, 503, 404, 503, 503),  # readers pass (viewers too); no Zalo Bot settings
        body=lambda _: {"chat_id": "5a5a0c0ffee0ddba11ab"},
    ),
    Endpoint(
        "GET",
        "/api/v1/placements/{placement_id:str}/qr.svg",
        "/api/v1/placements/{placement}/qr.svg",
        READ_POLL,
    ),
    Endpoint(
        "GET",
        "/api/v1/placements/{placement_id:str}/qr.png",
        "/api/v1/placements/{placement}/qr.png?size=256",
        READ_POLL,
    ),
    Endpoint(
        "GET",
        "/api/v1/placements/{placement_id:str}/poster.pdf",
        "/api/v1/placements/{placement}/poster.pdf",
        READ_POLL,
    ),
    Endpoint(
        "GET",
        "/api/v1/placements/{placement_id:str}/cards.pdf",
        "/api/v1/placements/{placement}/cards.pdf",
        READ_POLL,
    ),
    Endpoint(
        "POST",
        "/api/v1/placements/{placement_id:str}/codes.pdf",
        "/api/v1/placements/{placement}/codes.pdf",
        expect(401, 403, 404, 409, 409),  # runners pass; this poll counts per phone, not code
        body=lambda _: {"count": 3},
    ),
    Endpoint(
        "GET",
        "/api/v1/polls/{poll_id:str}/posters.pdf",
        "/api/v1/polls/{poll}/posters.pdf",
        READ_POLL,
    ),
    Endpoint("GET", "/api/v1/tokens", "/api/v1/tokens", READ_OWN_SUBTREE),
    Endpoint(
        "POST",
        "/api/v1/tokens/{token_id:str}/revoke",
        "/api/v1/tokens/{token}/revoke",
        expect(401, 404, 404, 200, 200),  # its owner, or an admin above the owner's unit
    ),
    Endpoint(
        "GET",
        "/api/v1/officers/{username:str}/tokens",
        "/api/v1/officers/officer/tokens",
        ADMIN_ONLY,
    ),
    Endpoint(
        "POST",
        "/api/v1/officers/{username:str}/deactivate",
        "/api/v1/officers/mk-viewer/deactivate",
        expect(401, 403, 403, 403, 204),
    ),
    Endpoint(
        "POST",
        "/api/v1/me/password",
        "/api/v1/me/password",
        expect(401, 204, 204, 204, 204),
        body=lambda _: {"current_password": PASSWORD, "new_password": "another-password-1"},
    ),
    Endpoint("GET", "/api/v1/forms/{code:str}", "/api/v1/forms/{code}", PUBLIC),
    Endpoint(
        "POST",
        "/api/v1/forms/{code:str}/responses",
        "/api/v1/forms/{code}/responses",
        PUBLIC_CREATE,
        body=lambda scene: {"answers": scene.open.answers()},
    ),
)


@pytest.fixture
async def scene(client: httpx.AsyncClient, world: World) -> Scene:
    return await make_scene(client, world)


async def make_scene(client: httpx.AsyncClient, world: World) -> Scene:
    """The scene, also for the console's rows (``tests/rules/test_routes.py``)."""
    draft = await create_draft_poll(client, world)
    await add_placement(client, world, draft["id"], "Bảng tin phân xưởng")
    opened = await create_open_poll(client, world)
    placements = await client.get(
        f"/api/v1/polls/{opened.id}/placements", headers=world.auth("officer")
    )
    read = await client.get(f"/api/v1/polls/{opened.id}", headers=world.auth("officer"))
    await accounts.issue_token("officer", "spare")
    spare = (await accounts.tokens_of("officer"))[-1].id
    return Scene(draft["id"], opened, placements.json()[0]["id"], read.json()["series"], spare)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
async def test_endpoint_authorization(
    client: httpx.AsyncClient, world: World, scene: Scene, endpoint: Endpoint, role: str
) -> None:
    before = await snapshot()
    body = endpoint.body(scene) if endpoint.body else None
    sent = await client.request(
        endpoint.method, scene.url(endpoint.url), json=body, headers=world.auth(role)
    )
    expected = endpoint.outcomes[role]
    assert sent.status_code == expected, sent.text
    if expected >= 400:
        error = sent.json()
        assert error["status_code"] == expected
        assert isinstance(error["detail"], str)
        assert error["detail"]
        assert await snapshot() == before, "a refused request changed the database"
    if expected == 422:  # an outsider creating a poll in a unit outside their subtree
        assert set(sent.json()["errors"]) == {"unit"}


@pytest.mark.parametrize(
    ("role", "polls", "units"),
    [
        ("viewer", {"draft", "open"}, {"cdtkv", "than-mao-khe", "mk-kt3", "mk-cd", "than-ha-lam"}),
        ("admin", {"draft", "open"}, {"cdtkv", "than-mao-khe", "mk-kt3", "mk-cd", "than-ha-lam"}),
        ("officer", {"draft", "open"}, {"than-mao-khe", "mk-kt3", "mk-cd"}),
        ("mk_viewer", {"draft", "open"}, {"than-mao-khe", "mk-kt3", "mk-cd"}),
        ("outsider", set(), {"than-ha-lam"}),
    ],
)
async def test_lists_hold_only_the_callers_subtree(
    client: httpx.AsyncClient,
    world: World,
    scene: Scene,
    role: str,
    polls: set[str],
    units: set[str],
) -> None:
    names = {scene.draft: "draft", scene.open.id: "open"}
    listed = await client.get("/api/v1/polls", headers=world.auth(role))
    assert listed.status_code == 200
    assert {names[p["id"]] for p in listed.json()} == polls
    unit_list = await client.get("/api/v1/units", headers=world.auth(role))
    assert unit_list.status_code == 200
    assert {u["slug"] for u in unit_list.json()} == units


async def test_viewer_of_a_subtree_cannot_change_its_polls(
    client: httpx.AsyncClient, world: World, scene: Scene
) -> None:
    before = await snapshot()
    for method, url in [
        ("PATCH", f"/api/v1/polls/{scene.draft}"),
        ("POST", f"/api/v1/polls/{scene.draft}/open"),
        ("POST", f"/api/v1/polls/{scene.open.id}/close"),
        ("POST", f"/api/v1/polls/{scene.open.id}/duplicate"),
        ("POST", f"/api/v1/polls/{scene.draft}/placements"),
    ]:
        body = {"title": "x"} if method == "PATCH" else {"label": "x"}
        sent = await client.request(method, url, json=body, headers=world.auth("mk_viewer"))
        assert sent.status_code == 403, (method, url, sent.text)
    assert await snapshot() == before


async def test_outsider_cannot_move_a_placement_or_poll_into_another_subtree(
    client: httpx.AsyncClient, world: World, scene: Scene
) -> None:
    """An officer of Mạo Khê names a Hà Lầm unit: refused like an unknown unit."""
    before = await snapshot()
    placement = await client.post(
        f"/api/v1/polls/{scene.draft}/placements",
        json={"label": "x", "unit": "than-ha-lam"},
        headers=world.auth("officer"),
    )
    moved = await client.patch(
        f"/api/v1/polls/{scene.draft}", json={"unit": "than-ha-lam"}, headers=world.auth("officer")
    )
    for sent in (placement, moved):
        assert sent.status_code == 422, sent.text
        assert set(sent.json()["errors"]) == {"unit"}
    assert await snapshot() == before


@pytest.mark.parametrize(
    "header",
    ["Bearer pt_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "pt_without_scheme"],
)
async def test_bad_credentials_are_401(
    client: httpx.AsyncClient, world: World, header: str
) -> None:
    sent = await client.get("/api/v1/polls", headers={"Authorization": header})
    assert sent.status_code == 401
    assert sent.json()["status_code"] == 401


def test_every_api_route_has_an_authorization_row() -> None:
    app = create_app(Settings(database_url="sqlite:///unused.sqlite3", secret_key=SECRET))
    declared = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/")
        for method in route.methods - {"OPTIONS", "HEAD"}
    }
    tested = {(e.method, e.route) for e in ENDPOINTS}
    assert declared - tested == set(), "API routes without an authorization test"
    assert tested - declared == set(), "authorization rows for routes that do not exist"
    for endpoint in ENDPOINTS:
        assert set(endpoint.outcomes) == set(ROLES), endpoint.id
