"""Who may call each endpoint of the JSON API: one row per endpoint, one outcome per role.

Roles (``tests.conftest.world``): ``viewer`` and ``admin`` sit at the national root,
``officer`` at Mạo Khê (which owns every poll here), ``outsider`` is an officer of Hà Lầm.
An outsider gets 404 for a poll of another subtree, never 403, so its existence is not
confirmed. A refused change leaves every table exactly as it was.

``test_every_api_route_has_an_authorization_row`` fails when an endpoint is added to
``polls/api`` without a row here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from litestar.routes import HTTPRoute

from polls.app import create_app
from polls.services import accounts, polls, question_box, result_posters, unlinking
from polls.services.cache import forget_everything
from polls.services.submission import Submission, submit_response
from polls.settings import Settings
from tests.conftest import (
    PASSWORD,
    SAMPLE_POLL,
    SECRET,
    Database,
    OpenPoll,
    World,
    add_placement,
    create_draft_poll,
    create_open_poll,
    empty_database,
    make_world,
    snapshot,
)

ROLES = ("anonymous", "viewer", "outsider", "officer", "admin")


@dataclass
class Scene:
    """A draft poll and an open poll of Mạo Khê, the open one with a placement, and a
    closed poll of Mạo Khê with released results and a drafted results poster."""

    draft: int
    open: OpenPoll
    placement: int
    series: str
    token: int
    """A spare API token of the officer (not the one the officer's requests use)."""
    standing: int = 0
    """A standing placement of the open poll's series."""
    box_item: int = 0
    """A question asked in Mạo Khê's workshop KT3's box; ``box_answered`` one replied to."""
    box_answered: int = 0
    box_code: str = ""
    """The follow-up code of ``box_item``."""
    released: int = 0
    released_questions: tuple[int, ...] = ()

    def url(self, template: str) -> str:
        return template.format(
            released=self.released,
            draft=self.draft,
            poll=self.open.id,
            code=self.open.code,
            placement=self.placement,
            question=self.open.questions[0]["id"],
            series=self.series,
            token=self.token,
            standing=self.standing,
            box_item=self.box_item,
            box_answered=self.box_answered,
            box_code=self.box_code,
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
    Endpoint("GET", "/api/v1/units/{slug:str}", "/api/v1/units/mk-kt3", READ_POLL),
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
    # results posters, of the closed poll with released results and a drafted poster (a
    # poll with no release is refused with 409 whoever asks, tests/console/test_result_posters.py)
    Endpoint(
        "GET",
        "/api/v1/polls/{poll_id:str}/results-poster",
        "/api/v1/polls/{released}/results-poster",
        READ_POLL,
    ),
    Endpoint(
        "PUT",
        "/api/v1/polls/{poll_id:str}/results-poster",
        "/api/v1/polls/{released}/results-poster",
        CHANGE_POLL,
        body=lambda s: {
            "questions": [{"question": s.released_questions[0], "shown_as": "chart"}],
            "response_text": "Công đoàn sẽ báo lại.",
        },
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/results-poster/approve",
        "/api/v1/polls/{released}/results-poster/approve",
        expect(401, 200, 404, 403, 200),  # leadership or an admin; an officer never
    ),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/results-poster/link",
        "/api/v1/polls/{released}/results-poster/link",
        expect(401, 200, 404, 200, 200),  # whoever runs the poll or approves its poster
    ),
    Endpoint(
        "DELETE",
        "/api/v1/polls/{poll_id:str}/results-poster/link",
        "/api/v1/polls/{released}/results-poster/link",
        expect(401, 200, 404, 200, 200),
    ),
    Endpoint(
        "GET",
        "/api/v1/polls/{poll_id:str}/results-poster/{name:str}",
        "/api/v1/polls/{released}/results-poster/poster.pdf",
        READ_POLL,
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
        "PATCH",
        "/api/v1/officers/{username:str}",
        "/api/v1/officers/mk-viewer",
        ADMIN_ONLY,
        body=lambda _: {"role": "officer", "unit": "mk-kt3"},
    ),
    Endpoint(
        "POST",
        "/api/v1/officers/{username:str}/password",
        "/api/v1/officers/mk-viewer/password",
        ADMIN_ONLY,
        body=lambda _: {},
    ),
    Endpoint(
        "POST",
        "/api/v1/officers/{username:str}/reactivate",
        "/api/v1/officers/mk-viewer/reactivate",
        expect(401, 403, 403, 403, 204),
    ),
    Endpoint("GET", "/api/v1/audit", "/api/v1/audit", ADMIN_ONLY),
    Endpoint(
        "POST",
        "/api/v1/me/password",
        "/api/v1/me/password",
        expect(401, 204, 204, 204, 204),
        body=lambda _: {"current_password": PASSWORD, "new_password": "another-password-1"},
    ),
    Endpoint("GET", "/api/v1/standing-placements", "/api/v1/standing-placements", READ_OWN_SUBTREE),
    Endpoint(
        "POST",
        "/api/v1/polls/{poll_id:str}/standing-placements",
        "/api/v1/polls/{draft}/standing-placements",
        CREATE_UNDER_POLL,
        body=lambda _: {"label": "Nhà ăn", "kind": "canteen"},
    ),
    Endpoint(
        "POST",
        "/api/v1/placements/{placement_id:str}/standing",
        "/api/v1/placements/{placement}/standing",
        CREATE_UNDER_POLL,
    ),
    Endpoint(
        "POST",
        "/api/v1/standing-placements/{standing_id:str}/stop",
        "/api/v1/standing-placements/{standing}/stop",
        CHANGE_POLL,
    ),
    Endpoint("GET", "/api/v1/forms/{code:str}", "/api/v1/forms/{code}", PUBLIC),
    Endpoint(
        "POST",
        "/api/v1/forms/{code:str}/responses",
        "/api/v1/forms/{code}/responses",
        PUBLIC_CREATE,
        body=lambda scene: {"answers": scene.open.answers()},
    ),
    Endpoint("GET", "/api/v1/box/items", "/api/v1/box/items", READ_OWN_SUBTREE),
    Endpoint("GET", "/api/v1/box/numbers.pdf", "/api/v1/box/numbers.pdf", READ_OWN_SUBTREE),
    Endpoint("GET", "/api/v1/box/numbers.pdf", "/api/v1/box/numbers.pdf?unit=mk-kt3", READ_POLL),
    Endpoint("GET", "/api/v1/box/items/{item_id:str}", "/api/v1/box/items/{box_item}", READ_POLL),
    Endpoint(
        "POST",
        "/api/v1/box/items/{item_id:str}/assign",
        "/api/v1/box/items/{box_item}/assign",
        CHANGE_POLL,
        body=lambda _: {"assignee": "Văn phòng tư vấn pháp luật"},
    ),
    Endpoint(
        "POST",
        "/api/v1/box/items/{item_id:str}/reply",
        "/api/v1/box/items/{box_item}/reply",
        CHANGE_POLL,
        body=lambda _: {"text": "Công đoàn đã kiểm tra."},
    ),
    Endpoint(
        "POST",
        "/api/v1/box/items/{item_id:str}/handle",
        "/api/v1/box/items/{box_item}/handle",
        CHANGE_POLL,
    ),
    Endpoint(
        "POST",
        "/api/v1/box/items/{item_id:str}/escalate",
        "/api/v1/box/items/{box_item}/escalate",
        CHANGE_POLL,
    ),
    Endpoint(
        "POST",
        "/api/v1/box/items/{item_id:str}/hide",
        "/api/v1/box/items/{box_item}/hide",
        CHANGE_POLL,
        body=lambda _: {"position": 0, "reason": "Nêu tên một người"},
    ),
    Endpoint(
        "POST",
        "/api/v1/box/items/{item_id:str}/publish",
        "/api/v1/box/items/{box_answered}/publish",
        CHANGE_POLL,
        body=lambda _: {"question": "Cơm nguội?", "answer": "Đã báo bếp.", "consent": True},
    ),
    Endpoint(
        "POST",
        "/api/v1/box/{slug:str}/questions",
        "/api/v1/box/mk-kt3/questions",
        PUBLIC_CREATE,
        body=lambda _: {"topic": "other", "text": "Đề xuất thêm xe đưa đón ca ba."},
    ),
    Endpoint(
        "POST",
        "/api/v1/box/follow-up",
        "/api/v1/box/follow-up",
        PUBLIC,
        body=lambda scene: {"code": scene.box_code},
    ),
    Endpoint(
        "POST",
        "/api/v1/box/follow-up/messages",
        "/api/v1/box/follow-up/messages",
        PUBLIC_CREATE,
        body=lambda scene: {"code": scene.box_code, "text": "Vẫn chưa có nước."},
    ),
    Endpoint("GET", "/api/v1/box/{slug:str}/answers", "/api/v1/box/mk-kt3/answers", PUBLIC),
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
    standing = await client.post(
        f"/api/v1/polls/{opened.id}/standing-placements",
        json={"label": "Bảng tin cổng mỏ"},
        headers=world.auth("officer"),
    )
    assert standing.status_code == 201, standing.text
    moment = datetime.now(UTC)
    box_code = await question_box.ask(
        "mk-kt3", "safety", "Ca ba thiếu nước uống ở lò chợ.", secret=SECRET, now=moment
    )
    await question_box.ask("mk-kt3", "meals", "Cơm ca đêm bị nguội.", secret=SECRET, now=moment)
    asked = await question_box.queue(world.principals["admin"], now=moment, sort="topic")
    box_item, box_answered = asked[0].id, asked[1].id
    await question_box.reply(world.principals["officer"], box_answered, "Đã báo bếp.", now=moment)
    released = await released_poll(client, world, moment)
    return Scene(
        draft["id"],
        opened,
        placements.json()[0]["id"],
        read.json()["series"],
        spare,
        standing.json()["id"],
        box_item,
        box_answered,
        box_code,
        released.id,
        tuple(question["id"] for question in released.questions),
    )


RELEASED_RESPONSES = 6
"""Past the default k of 5: the close releases them all."""


async def released_poll(client: httpx.AsyncClient, world: World, moment: datetime) -> OpenPoll:
    """A poll of Mạo Khê answered by six phones and closed (the close makes its release,
    as a real one does), with a results poster drafted by its officer: the first question
    as a chart, the yes/no one as a sentence. Through the services, not the HTTP API: the
    grid builds its scene again after every change."""
    opened = await create_open_poll(client, world, duplicate_policy="none")
    poll = await polls.load(opened.id)
    for _ in range(RELEASED_RESPONSES):
        await submit_response(poll, Submission(answers=opened.answers()), secret=SECRET)
    officer = world.principals["officer"]
    await polls.close_poll(officer, opened.id)
    first, _, _, yes_no = (question["id"] for question in opened.questions[:4])
    draft = result_posters.PosterDraft(
        (result_posters.Choice(first, "chart"), result_posters.Choice(yes_no, "sentence")),
        "Công đoàn sẽ báo lại kết quả.",
    )
    await result_posters.save(officer, opened.id, draft, now=moment)  # refused with no release
    return opened


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
async def test_endpoint_authorization(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], db: Database, endpoint: Endpoint
) -> None:
    """Each role of the row in turn, each meeting the scene as a test of its own would: a
    request that changed any table is followed by an emptied database, a new world, scene
    and client; after one that changed nothing (checked) the next role meets the same
    scene, with the caches forgotten and no cookies kept."""
    world: World | None = None
    scene: Scene | None = None
    client: httpx.AsyncClient | None = None
    for role in ROLES:
        if world is None or scene is None or client is None:
            if client is not None:
                await empty_database(db)
            world = await make_world()
            client = await make_client()
            scene = await make_scene(client, world)
        else:
            forget_everything()
            unlinking.reset_for_tests()
            client.cookies.clear()
        before = await snapshot()
        body = endpoint.body(scene) if endpoint.body else None
        sent = await client.request(
            endpoint.method, scene.url(endpoint.url), json=body, headers=world.auth(role)
        )
        expected = endpoint.outcomes[role]
        assert sent.status_code == expected, (role, sent.text)
        if expected >= 400:
            error = sent.json()
            assert error["status_code"] == expected, role
            assert isinstance(error["detail"], str), role
            assert error["detail"], role
            assert await snapshot() == before, f"{role}: a refused request changed the database"
        if expected == 422:  # an outsider creating a poll in a unit outside their subtree
            assert set(sent.json()["errors"]) == {"unit"}, role
        if expected < 400 and await snapshot() != before:
            world = None


@pytest.mark.parametrize(
    ("role", "polls", "units"),
    [
        (
            "viewer",
            {"draft", "open", "released"},
            {"cdtkv", "than-mao-khe", "mk-kt3", "mk-cd", "than-ha-lam"},
        ),
        (
            "admin",
            {"draft", "open", "released"},
            {"cdtkv", "than-mao-khe", "mk-kt3", "mk-cd", "than-ha-lam"},
        ),
        ("officer", {"draft", "open", "released"}, {"than-mao-khe", "mk-kt3", "mk-cd"}),
        ("mk_viewer", {"draft", "open", "released"}, {"than-mao-khe", "mk-kt3", "mk-cd"}),
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
    names = {scene.draft: "draft", scene.open.id: "open", scene.released: "released"}
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
