"""Rules: every officer action is scoped and authorized; every state-changing console route
is CSRF-protected. Both are checked for every route the app itself lists (``app.routes``),
so a route added without a row here fails the suite instead of going unguarded.

- ``CSRF_EXEMPT``: the only state-changing routes outside CSRF protection, each with the
  reason it needs none (it carries no cookie credential, or authenticates otherwise). Every
  other POST/PUT/PATCH/DELETE, sent by a signed-in admin without the token, is refused with
  403 and changes nothing.
- ``CONSOLE``: one row per console route: the rule it follows (``Access``), from which
  every role's outcome comes, and four roles' outcomes written out, which the rule must
  give (the JSON API's rows are ``tests/api/test_authorization.py``'s ``ENDPOINTS``,
  checked against ``app.routes`` there; ``PUBLIC`` lists the routes that are neither).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from polls import db as polls_db
from polls import tables as t
from polls.app import UNPROTECTED, create_app
from polls.models import Poll, Principal, Role
from polls.services import accounts, placements, polls
from polls.settings import Settings
from tests.api.test_authorization import ENDPOINTS, Scene, make_scene
from tests.conftest import (
    PASSWORD,
    SECRET,
    Database,
    World,
    add_placement,
    create_open_poll,
    device_giver,
    empty_database,
    forget_state,
    make_settings,
    make_world,
    snapshot,
)
from tests.console.conftest import csrf_token, login
from tests.console.test_polls import ALL_KINDS, editor_form
from tests.console.test_preview import answers_for

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

CSRF_EXEMPT: dict[tuple[str, str], str] = {
    ("POST", "/p/{code:str}"): "the worker's form: no account, no session to ride on; "
    "checked by polls/forms/guards.py (same origin, its own form's media type)",
    ("POST", "/webhooks/telegram"): "Telegram's call, authenticated by its secret token",
    ("POST", "/webhooks/zalo"): "Zalo's call, authenticated by the OA's signature",
    ("POST", "/webhooks/zalo-bot"): "the Zalo Bot's call, authenticated by its secret token",
    ("POST", "/hoi/{slug:str}"): "the question box: no account, no session to ride on; "
    "checked by polls/forms/guards.py like the worker's form",
    ("POST", "/hoi/{slug:str}/theo-doi"): "the question box's follow-up by code: no session; "
    "checked by polls/forms/guards.py like the worker's form",
    ("POST", "/hoi/{slug:str}/da-gui"): "the code page's language switch: no session; the "
    "grant is the page's own sealed code; checked by polls/forms/guards.py like the form",
}
"""Besides ``/api/``: bearer tokens, never cookies (the session middleware skips it too)."""

EXPECTED_UNPROTECTED = [
    "/p/",
    "/P/",
    "/tg",
    "/api/",
    "/privacy",
    "/livez",
    "/readyz",
    "/webhooks/",
    "/schema",
    "/shared/",
    "^/hoi/",
]


DAY = 86_400.0


class SharedApps:
    """One app per backend for the whole grid: building one takes about a second (two on a
    loaded machine), and the grid has hundreds of tests. Nothing a request leaves behind
    in an app outlives its test: sessions live in the client's cookies, the database is
    emptied (``db``), the services' caches forgotten, and the rate limits and sign-in
    throttle count by the app's clock, which each test moves on by a day, so every test
    starts with fresh counters."""

    def __init__(self) -> None:
        self.apps: dict[str, Litestar] = {}
        self.now = 1_796_000_000.0 + 5

    def clock(self) -> float:
        return self.now

    def app_for(self, database: Database) -> Litestar:
        if database.backend not in self.apps:
            settings = make_settings(database, live_check_seconds=0.05, live_max_seconds=0.2)
            self.apps[database.backend] = create_app(
                settings, engine=database.engine, clock=self.clock
            )
        return self.apps[database.backend]


@pytest.fixture(scope="module")
async def shared_apps() -> AsyncIterator[SharedApps]:
    shared = SharedApps()
    yield shared
    for app in shared.apps.values():
        await app.state.limiter.counter.close()  # the lifespan's job


_pristine: set[str] = set()
"""Backends whose database the last test left exactly as built, row for row (compared by
``test_console_authorization`` after a request that changed nothing)."""


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    """``tests.conftest.db``, except that a database the last test left exactly as built
    is not emptied (nor filled again by ``built``): most rows of the grid read or are
    refused, and emptying and filling is most of a test's time. Caches are forgotten
    either way."""
    if database.backend in _pristine:
        forget_state(database)
    else:
        await empty_database(database)
    yield database
    await placements.visit_counter.close()  # as the app does at shutdown


@pytest.fixture
async def client(db: Database, shared_apps: SharedApps) -> AsyncIterator[httpx.AsyncClient]:
    """A new browser (no cookies) on the backend's shared app, in a day of its own. The
    live view's event stream ends after a fraction of a second (the test transport answers
    once a stream has ended)."""
    shared_apps.now += DAY
    app = shared_apps.app_for(db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as client:
        client.event_hooks["request"].append(device_giver(client, SECRET))
        client.app = app  # type: ignore[attr-defined]
        yield client
    polls_db.activate(db.engine)


@dataclass(frozen=True)
class ConsoleScene:
    """The API's scene and what the console's meeting, tally, reopen and placement pages
    need besides: on the open poll a meeting and a hand count, a poll already closed, and
    the draft's own placement (a placement's label and kind change only in a draft). The
    API's scene holds the question box's items and the closed poll with released results
    and a drafted results poster (``released``)."""

    api: Scene
    meeting: int
    paper: int
    closed: int
    draft_placement: int

    @property
    def released(self) -> int:
        return self.api.released

    def url(self, template: str) -> str:
        for name in ("meeting", "paper", "closed", "draft_placement", "released"):
            template = template.replace("{" + name + "}", str(getattr(self, name)))
        return self.api.url(template)

    def tally(self) -> dict[str, str]:
        """Seven hands for the open poll's first option, moving the meeting on a question."""
        question = self.api.open.questions[0]
        return {"action": "next", f"q{question['id']}_o{question['options'][0]['id']}": "7"}

    def answers(self) -> dict[str, Any]:
        """A complete answer to the open poll, as its preview's form posts it."""
        return answers_for({"questions": self.api.open.questions})

    def poster(self) -> dict[str, str]:
        """The results poster's form: the first question as a chart, the yes/no one as a
        sentence, what the union will do, no QR code."""
        first, _, _, yes_no = self.api.released_questions[:4]
        return {
            f"show_{first}": "chart",
            f"show_{yes_no}": "sentence",
            "response_text": "Công đoàn đề nghị Công ty lập nhóm Zalo cho từng phân xưởng.",
            "qr": "none",
        }


async def make_console_scene(client: httpx.AsyncClient, world: World) -> ConsoleScene:
    api = await make_scene(client, world)
    meeting = await add_placement(client, world, api.open.id, "Hội nghị", kind="meeting")
    paper = await add_placement(client, world, api.open.id, "Giơ tay", kind="paper")
    closed = await create_open_poll(client, world)
    shut = await client.post(f"/api/v1/polls/{closed.id}/close", headers=world.auth("officer"))
    assert shut.status_code == 200, shut.text
    listed = await client.get(
        f"/api/v1/polls/{api.draft}/placements", headers=world.auth("officer")
    )
    return ConsoleScene(api, meeting["id"], paper["id"], closed.id, listed.json()[0]["id"])


@dataclass(frozen=True)
class Built:
    world: World
    scene: ConsoleScene
    rows: dict[type[t.Table], list[dict[str, Any]]]
    poll: Poll
    """The scene's open poll, in Mạo Khê, as the services read it (``Check``)."""
    snapshot: dict[str, list[str]]
    """``rows`` as ``tests.conftest.snapshot`` shows them."""


async def grid_world() -> World:
    """The suite's world, with an admin of Mạo Khê beside its leadership (``mk_viewer``)."""
    world = await make_world()
    admin = await accounts.create_officer(
        "mk-admin", PASSWORD, unit_slug="than-mao-khe", role="admin"
    )
    return World({**world.principals, "mk_admin": admin}, world.tokens)


_built: dict[str, Built] = {}
"""Per backend: the world and scene as first built, and every row they wrote."""


async def _every_row() -> dict[type[t.Table], list[dict[str, Any]]]:
    return {table: await table.select().order_by(table._meta.primary_key) for table in t.TABLES}


async def _put_back(rows: dict[type[t.Table], list[dict[str, Any]]]) -> None:
    """The rows exactly as they were, ids included (in ``t.TABLES``' order, which the
    foreign keys follow; a unit's parent comes before it). Ids already given are never
    handed out again (PostgreSQL's sequences only grow; SQLite's next id is past the
    largest), so whatever a test adds gets a fresh one."""
    for table, kept in rows.items():
        if kept:
            await table.insert(*(table(_ignore_missing=True, **row) for row in kept))


@pytest.fixture
async def built(client: httpx.AsyncClient, db: Database) -> Built:
    """Building the world and the scene takes a few dozen requests and five password
    hashes; the grid has hundreds of tests. So the first test of a backend builds them
    and keeps their rows, and every later one, in its emptied database (``db``), gets
    the same rows back. Everything else a test sees is its own: its app, the caches the
    ``db`` fixture forgets, its session."""
    kept = _built.get(db.backend)
    if kept is None:
        world = await grid_world()
        scene = await make_console_scene(client, world)
        poll = await polls.load(scene.api.open.id)
        kept = Built(world, scene, await _every_row(), poll, await snapshot())
        _built[db.backend] = kept
    elif db.backend not in _pristine:
        await _put_back(kept.rows)
    _pristine.discard(db.backend)
    return kept


@pytest.fixture
def world(built: Built) -> World:
    return built.world


@pytest.fixture
def scene(built: Built) -> ConsoleScene:
    return built.scene


async def test_the_kept_rows_come_back_exactly(built: Built) -> None:
    """The shared set-up is sound: emptied and put back, the database holds what the build
    left, row for row."""
    await t.Unit.update({t.Unit.parent: None}, force=True)
    for table in reversed(t.TABLES):
        await table.delete(force=True)
    assert await t.Poll.count() == 0
    await _put_back(built.rows)
    assert await _every_row() == built.rows
    assert len(built.rows[t.ResultsPoster]) == 1
    assert len(built.rows[t.BoxItem]) == 2


def built_app() -> Litestar:
    return create_app(Settings(database_url="sqlite:///unused.sqlite3", secret_key=SECRET))


def declared_routes() -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in built_app().routes
        if isinstance(route, HTTPRoute)
        for method in route.methods - {"OPTIONS", "HEAD"}
    }


def exempt(path: str) -> bool:
    """As Litestar reads an exclusion: a regular expression searched anywhere in the path."""
    return any(re.search(pattern, path) for pattern in UNPROTECTED)


def test_the_csrf_exclusions_are_exactly_the_known_ones() -> None:
    """Widening an exclusion (``/console/...``, ``/``) is a rule removed: it must show here."""
    app = built_app()
    assert app.csrf_config is not None
    assert list(app.csrf_config.exclude or []) == EXPECTED_UNPROTECTED
    changing = {(m, p) for m, p in declared_routes() if m in CHANGING}
    excluded = {(m, p) for m, p in changing if exempt(p) and not p.startswith("/api/")}
    assert excluded == set(CSRF_EXEMPT), "a state-changing route outside CSRF protection"
    assert not any(exempt(p) for _, p in changing if p.startswith("/console"))


@dataclass(frozen=True)
class Page:
    method: str
    route: str
    url: str
    access: Access
    data: dict[str, Any] | Callable[[ConsoleScene], dict[str, Any]] | None = None

    def form(self, scene: ConsoleScene) -> dict[str, Any]:
        return dict(self.data(scene) if callable(self.data) else self.data or {})

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


ROLES = ("anonymous", "viewer", "outsider", "officer", "mk_viewer", "mk_admin")
"""``tests.conftest.make_world``'s people: the viewer at the national root, the officer at
Mạo Khê, the outsider an officer of Hà Lầm; and Mạo Khê's own leadership (``mk_viewer``)
and admin (``mk_admin``, made for this grid: ``grid_world``)."""
WRITTEN = ROLES[:4]
"""The roles whose outcomes each row also writes out by hand (``Access.table``)."""
LOGIN = 302
"""Anonymous: sent to the sign-in page."""

Check = Callable[[Principal, Poll], int | None]
"""What a route asks of a signed-in officer about the poll it touches: the refusal's
status, or None when the officer passes. Every object the grid touches lies in Mạo Khê's
subtree (its polls, the question box of its workshop KT3, the officers and units the admin
pages edit), so the scene's poll stands for all of them.

The checks state the design's rules on the officer's role and unit alone, apart from the
code that enforces them (``Principal.covers``, ``can_run_polls``, ``can_manage_people``,
``result_posters.can_approve``), so that a change there shows here."""

RUNNERS = {Role.OFFICER, Role.ADMIN}
"""Who runs polls (creates, changes, opens, closes them, and acts on the question box)."""
APPROVERS = {Role.VIEWER, Role.ADMIN}
"""Who approves a results poster: the unit's leadership, or an admin."""
MANAGERS = {Role.ADMIN}
"""Who manages officers and units."""


def anyone(who: Principal, poll: Poll) -> int | None:
    return None


def signed_in(who: Principal, poll: Poll) -> int | None:
    return None


def runs_polls(who: Principal, poll: Poll) -> int | None:
    return None if who.role in RUNNERS else 403


def reads(who: Principal, poll: Poll) -> int | None:
    """Scope: the officer's own unit and the units below it; outside it, a poll is not
    found (its existence untold)."""
    return None if poll.unit_path.startswith(who.unit_path) else 404


def runs(who: Principal, poll: Poll) -> int | None:
    return reads(who, poll) or runs_polls(who, poll)


def approves(who: Principal, poll: Poll) -> int | None:
    return reads(who, poll) or (None if who.role in APPROVERS else 403)


def runs_or_approves(who: Principal, poll: Poll) -> int | None:
    """The results poster's public link: whoever runs the poll or approves its poster."""
    return reads(who, poll) or (None if who.role in RUNNERS | APPROVERS else 403)


def manages_people(who: Principal, poll: Poll) -> int | None:
    """Admins only (every other role refused alike), in their subtree."""
    return (None if who.role in MANAGERS else 403) or reads(who, poll)


@dataclass(frozen=True)
class Access:
    """Who gets what from a route: the rule it follows (``check``) and the answer to a
    request that passes it; beside them the outcomes of ``WRITTEN`` written out by hand,
    which the rule must give too (so a rule that drifted shows), and every other role
    follows the same rule."""

    table: dict[str, int]
    check: Check
    granted: int

    def outcome(self, who: Principal | None, poll: Poll) -> int:
        if who is None:
            return self.granted if self.check is anyone else LOGIN
        return self.check(who, poll) or self.granted


def expect(anonymous: int, viewer: int, outsider: int, officer: int) -> dict[str, int]:
    return dict(zip(WRITTEN, (anonymous, viewer, outsider, officer), strict=True))


READ = Access(expect(LOGIN, 200, 404, 200), reads, 200)
RUN = Access(expect(LOGIN, 403, 404, 303), runs, 303)
"""A change to a poll by whoever runs it; 303: done, see the poll's page."""
RUN_PAGE = Access(expect(LOGIN, 403, 404, 200), runs, 200)
"""The form of such a change, or a page only a runner sees."""
READ_THEN_SEE = Access(expect(LOGIN, 303, 404, 303), reads, 303)
"""An action any reader may take (a share to a chat, a preview's answers); 303: done."""
SIGNED_IN = Access(expect(LOGIN, 200, 200, 200), signed_in, 200)
ADMIN = Access(expect(LOGIN, 403, 403, 403), manages_people, 200)
"""The admin's pages: every other role refused (an admin's scope beyond this scene's, per
unit, is ``tests/console/test_admin.py``)."""
ADMIN_CHANGE = Access(expect(LOGIN, 403, 403, 403), manages_people, 303)

CONSOLE = (
    Page(
        "GET", "/console/login", "/console/login", Access(expect(200, 200, 200, 200), anyone, 200)
    ),
    Page(
        "POST",
        "/console/login",
        "/console/login",
        Access(expect(401, 401, 401, 401), anyone, 401),
        {"username": "officer", "password": "wrong-password"},
    ),
    Page(
        "POST",
        "/console/logout",
        "/console/logout",
        Access(expect(303, 303, 303, 303), anyone, 303),
    ),
    Page("GET", "/console/password", "/console/password", SIGNED_IN),
    Page(
        "POST",
        "/console/password",
        "/console/password",
        Access(expect(LOGIN, 422, 422, 422), signed_in, 422),
        {"current_password": "wrong-password", "new_password": "x", "confirm": "y"},
    ),
    Page("GET", "/console", "/console", SIGNED_IN),
    Page(
        "GET",
        "/console/polls",
        "/console/polls",
        Access(expect(LOGIN, 303, 303, 303), signed_in, 303),
    ),
    Page(
        "GET",
        "/console/polls/new",
        "/console/polls/new",
        Access(expect(LOGIN, 403, 200, 200), runs_polls, 200),
    ),
    Page(
        "POST",
        "/console/polls/new",
        "/console/polls/new",
        Access(expect(LOGIN, 403, 422, 422), runs_polls, 422),
        {},
    ),
    Page("GET", "/console/polls/{poll_id:str}", "/console/polls/{poll}", READ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/edit",
        "/console/polls/{draft}/edit",
        RUN_PAGE,
    ),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/edit",
        "/console/polls/{draft}/edit",
        RUN,
        editor_form(*ALL_KINDS),
    ),
    Page("POST", "/console/polls/{poll_id:str}/open", "/console/polls/{draft}/open", RUN),
    Page("POST", "/console/polls/{poll_id:str}/close", "/console/polls/{poll}/close", RUN),
    Page("POST", "/console/polls/{poll_id:str}/duplicate", "/console/polls/{poll}/duplicate", RUN),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/placements",
        "/console/polls/{draft}/placements",
        RUN,
        {"label": "Nhà ăn", "kind": "canteen"},
    ),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/standing",
        "/console/polls/{poll}/standing",
        RUN,
        {"label": "Nhà ăn trung tâm", "kind": "canteen"},
    ),
    Page(
        "POST",
        "/console/placements/{placement_id:str}/standing",
        "/console/placements/{placement}/standing",
        RUN,
    ),
    Page(
        "POST",
        "/console/standing/{standing_id:str}/stop",
        "/console/standing/{standing}/stop",
        RUN,
        {"poll": "1"},
    ),
    Page("GET", "/console/polls/{poll_id:str}/results", "/console/polls/{poll}/results", READ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/charts/{name:str}",
        "/console/polls/{poll}/charts/{question}.png",
        READ,
    ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/trends/{name:str}",
        "/console/polls/{poll}/trends/1.png",
        READ,
    ),
    Page(
        "GET", "/console/polls/{poll_id:str}/report.pdf", "/console/polls/{poll}/report.pdf", READ
    ),
    Page(
        "GET", "/console/polls/{poll_id:str}/export.csv", "/console/polls/{poll}/export.csv", READ
    ),
    Page(
        "GET", "/console/polls/{poll_id:str}/export.xlsx", "/console/polls/{poll}/export.xlsx", READ
    ),
    Page("GET", "/console/polls/{poll_id:str}/live", "/console/polls/{poll}/live", READ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/live/events",
        "/console/polls/{poll}/live/events",
        READ,
    ),
    Page("GET", "/console/live.js", "/console/live.js", SIGNED_IN),
    Page(
        "GET",
        "/console/placements/{placement_id:str}/qr.svg",
        "/console/placements/{placement}/qr.svg",
        READ,
    ),
    Page(
        "GET",
        "/console/placements/{placement_id:str}/poster.pdf",
        "/console/placements/{placement}/poster.pdf",
        READ,
    ),
    Page(
        "GET",
        "/console/placements/{placement_id:str}/cards.pdf",
        "/console/placements/{placement}/cards.pdf",
        READ,
    ),
    Page(
        "GET", "/console/polls/{poll_id:str}/posters.pdf", "/console/polls/{poll}/posters.pdf", READ
    ),
    Page(
        "POST",
        "/console/placements/{placement_id:str}/publish",
        "/console/placements/{placement}/publish",
        RUN,
    ),
    Page(
        "POST",
        "/console/placements/{placement_id:str}/opens-in",
        "/console/placements/{placement}/opens-in",
        RUN,
        {"opens_in": "web"},
    ),
    Page(
        "POST",
        "/console/placements/{placement_id:str}/zalo-post",
        "/console/placements/{placement}/zalo-post",
        RUN,  # the runner is told on the poll's page that no Zalo Bot is set up
    ),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/zalo-share-results",
        "/console/polls/{poll}/zalo-share-results",
        READ_THEN_SEE,
        {"chat_id": "zalo-group-1"},
    ),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/share-results",
        "/console/polls/{poll}/share-results",
        READ_THEN_SEE,
        {"chat_id": "-1001234567890"},
    ),
    Page("GET", "/console/admin/officers", "/console/admin/officers", ADMIN),
    Page(
        "POST",
        "/console/admin/officers",
        "/console/admin/officers",
        ADMIN_CHANGE,
        {"username": "new-one", "unit": "mk-kt3", "role": "admin", "password": "long-enough-1"},
    ),
    Page("GET", "/console/admin/officers/{username:str}", "/console/admin/officers/officer", ADMIN),
    Page(
        "POST",
        "/console/admin/officers/{username:str}",
        "/console/admin/officers/officer",
        ADMIN_CHANGE,
        {"role": "admin", "unit": "than-mao-khe", "display_name": "X"},
    ),
    Page(
        "POST",
        "/console/admin/officers/{username:str}/password",
        "/console/admin/officers/officer/password",
        ADMIN,  # the page itself, never a redirect: it shows the new password once
        {"how": "generate"},
    ),
    Page(
        "POST",
        "/console/admin/officers/{username:str}/deactivate",
        "/console/admin/officers/mk-viewer/deactivate",
        ADMIN_CHANGE,
    ),
    Page(
        "POST",
        "/console/admin/officers/{username:str}/reactivate",
        "/console/admin/officers/mk-viewer/reactivate",
        ADMIN_CHANGE,
    ),
    Page("GET", "/console/admin/units", "/console/admin/units", ADMIN),
    Page(
        "POST",
        "/console/admin/units",
        "/console/admin/units",
        ADMIN_CHANGE,
        {"parent": "mk-kt3", "name": "Tổ 1", "slug": "mk-kt3-to1", "kind": "workshop"},
    ),
    Page("GET", "/console/admin/units/{slug:str}", "/console/admin/units/mk-kt3", ADMIN),
    Page(
        "POST",
        "/console/admin/units/{slug:str}",
        "/console/admin/units/mk-kt3",
        ADMIN_CHANGE,
        {"name": "Tên mới", "parent": "mk-cd", "headcount": "1"},
    ),
    Page("GET", "/console/admin/audit", "/console/admin/audit", ADMIN),
    Page("GET", "/console/meetings/{placement_id:str}", "/console/meetings/{meeting}", READ),
    Page(
        "GET",
        "/console/meetings/{placement_id:str}/remote",
        "/console/meetings/{meeting}/remote",
        RUN_PAGE,
    ),
    Page(
        "GET",
        "/console/meetings/{placement_id:str}/events",
        "/console/meetings/{meeting}/events",
        READ,
    ),
    Page(
        "POST",
        "/console/meetings/{placement_id:str}/act",
        "/console/meetings/{meeting}/act",
        RUN,
        ConsoleScene.tally,
    ),
    Page(
        "GET",
        "/console/placements/{placement_id:str}/tally",
        "/console/placements/{paper}/tally",
        RUN_PAGE,
    ),
    Page(
        "POST",
        "/console/placements/{placement_id:str}/tally",
        "/console/placements/{paper}/tally",
        RUN,
        ConsoleScene.tally,
    ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/announcement",
        "/console/polls/{poll}/announcement",
        READ,
    ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/announcement.txt",
        "/console/polls/{poll}/announcement.txt",
        READ,
    ),
    Page(
        "POST",
        "/console/placements/{placement_id:str}/codes.pdf",
        "/console/placements/{placement}/codes.pdf",
        RUN,
        {"count": "3"},
    ),
    Page(
        "GET",
        "/console/placements/{placement_id:str}/edit",
        "/console/placements/{draft_placement}/edit",
        RUN_PAGE,
    ),
    Page(
        "POST",
        "/console/placements/{placement_id:str}/edit",
        "/console/placements/{draft_placement}/edit",
        RUN,
        {"label": "Nhà ăn PX3", "kind": "notice_board"},
    ),
    Page(
        "POST",
        "/console/placements/{placement_id:str}/delete",
        "/console/placements/{draft_placement}/delete",
        RUN,
    ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/close",
        "/console/polls/{poll}/close",
        RUN_PAGE,
    ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/reopen",
        "/console/polls/{closed}/reopen",
        RUN_PAGE,
    ),
    Page("POST", "/console/polls/{poll_id:str}/reopen", "/console/polls/{closed}/reopen", RUN),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/delete",
        "/console/polls/{draft}/delete",
        RUN_PAGE,
    ),
    Page("POST", "/console/polls/{poll_id:str}/delete", "/console/polls/{draft}/delete", RUN),
    Page("POST", "/console/polls/{poll_id:str}/archive", "/console/polls/{closed}/archive", RUN),
    Page(
        "POST", "/console/polls/{poll_id:str}/unarchive", "/console/polls/{closed}/unarchive", RUN
    ),
    Page("GET", "/console/polls/{poll_id:str}/preview", "/console/polls/{poll}/preview", READ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/preview/form",
        "/console/polls/{poll}/preview/form",
        READ,
    ),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/preview/form",
        "/console/polls/{poll}/preview/form",
        READ_THEN_SEE,
        ConsoleScene.answers,
    ),
    # the question box: every signed-in officer has a queue (an outsider's is empty, see
    # tests/console/test_question_box.py); an item is its subtree's; leadership reads
    Page("GET", "/console/hoi", "/console/hoi", SIGNED_IN),
    Page("GET", "/console/hoi/so-lieu", "/console/hoi/so-lieu", SIGNED_IN),
    Page("GET", "/console/hoi/so-lieu.png", "/console/hoi/so-lieu.png", SIGNED_IN),
    # the unit's PDF report: a unit outside the reader's subtree is not found
    Page("GET", "/console/hoi/so-lieu.pdf", "/console/hoi/so-lieu.pdf?unit=mk-kt3", READ),
    Page("GET", "/console/hoi/{item_id:str}", "/console/hoi/{box_item}", READ),
    Page(
        "POST",
        "/console/hoi/{item_id:str}/assign",
        "/console/hoi/{box_item}/assign",
        RUN,
        {"assignee": "Văn phòng tư vấn pháp luật"},
    ),
    Page(
        "POST",
        "/console/hoi/{item_id:str}/reply",
        "/console/hoi/{box_item}/reply",
        RUN,
        {"text": "Công đoàn đã kiểm tra."},
    ),
    Page("POST", "/console/hoi/{item_id:str}/handle", "/console/hoi/{box_item}/handle", RUN),
    Page("POST", "/console/hoi/{item_id:str}/escalate", "/console/hoi/{box_item}/escalate", RUN),
    Page(
        "POST",
        "/console/hoi/{item_id:str}/hide",
        "/console/hoi/{box_item}/hide",
        RUN,
        {"position": "0", "reason": "Nêu tên một người"},
    ),
    Page(
        "POST",
        "/console/hoi/{item_id:str}/publish",
        "/console/hoi/{box_answered}/publish",
        RUN,
        {"question": "Cơm nguội?", "answer": "Đã báo bếp.", "consent": "yes"},
    ),
    # the results poster of the closed poll with released results, drafted by its officer
    Page(
        "GET",
        "/console/polls/{poll_id:str}/results-poster",
        "/console/polls/{released}/results-poster",
        READ,
    ),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/results-poster",
        "/console/polls/{released}/results-poster",
        RUN,
        ConsoleScene.poster,
    ),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/results-poster/approve",
        "/console/polls/{released}/results-poster/approve",
        Access(expect(LOGIN, 303, 404, 403), approves, 303),  # an officer never approves
    ),
    Page(
        "POST",
        "/console/polls/{poll_id:str}/results-poster/link",
        "/console/polls/{released}/results-poster/link",
        Access(expect(LOGIN, 303, 404, 303), runs_or_approves, 303),
        {"action": "publish"},
    ),
    Page(
        "GET",
        "/console/polls/{poll_id:str}/results-poster/{name:str}",
        "/console/polls/{released}/results-poster/poster.pdf",
        READ,
    ),
)

PUBLIC = {
    ("GET", "/livez"),
    ("GET", "/readyz"),
    ("POST", "/webhooks/telegram"),
    ("POST", "/webhooks/zalo"),
    ("GET", "/p/{code:str}"),
    ("POST", "/p/{code:str}"),
    ("GET", "/p/{code:str}/thanks"),
    ("GET", "/p/{code:str}/privacy"),
    ("GET", "/P/{code:str}"),
    ("GET", "/privacy"),
    ("GET", "/tg"),
    ("GET", "/tg/{code:str}"),
    ("GET", "/tg/{code:str}/answered"),
    ("GET", "/schema"),
    ("GET", "/schema/{path:str}"),
    ("GET", "/schema/openapi.json"),
    ("POST", "/webhooks/zalo-bot"),
    ("GET", "/p/{code:str}/card.png"),
    ("GET", "/shared/charts/{name:str}"),
    ("GET", "/"),
    ("GET", "/favicon.ico"),
    ("GET", "/favicon.svg"),
    ("GET", "/console/console.js"),
    ("GET", "/console/meeting.js"),
    ("GET", "/r/{token:str}"),
    ("GET", "/r/{token:str}/{name:str}"),
    ("GET", "/hoi/box.js"),
    ("GET", "/hoi/{slug:str}"),
    ("POST", "/hoi/{slug:str}"),
    ("GET", "/hoi/{slug:str}/da-gui"),
    ("POST", "/hoi/{slug:str}/da-gui"),
    ("GET", "/hoi/{slug:str}/theo-doi"),
    ("POST", "/hoi/{slug:str}/theo-doi"),
    ("GET", "/hoi/{slug:str}/tra-loi"),
    ("GET", "/hoi/{slug:str}/qr.svg"),
}
"""Routes for everyone (the worker, the platforms' webhooks, health, the API reference, the
landing page and the console's static files)."""


def test_every_route_has_an_authorization_row() -> None:
    declared = declared_routes()
    api = {(e.method, e.route) for e in ENDPOINTS}
    console = {(p.method, p.route) for p in CONSOLE}
    assert len(console) == len(CONSOLE), "a console route with two rows"
    assert declared - api - console - PUBLIC == set(), "routes without an authorization row"
    assert (api | console | PUBLIC) - declared == set(), "rows for routes that do not exist"
    for page in CONSOLE:
        assert set(page.access.table) == set(WRITTEN), page.id


CHANGING_CONSOLE = [p for p in CONSOLE if p.method in CHANGING]


async def sign_in(client: httpx.AsyncClient, who: str) -> None:
    if who != "anonymous":
        sent = await login(client, who.replace("_", "-"))
        assert sent.status_code in (302, 303), sent.text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", CONSOLE, ids=lambda p: p.id)
async def test_console_authorization(
    client: httpx.AsyncClient,
    db: Database,
    built: Built,
    page: Page,
    role: str,
) -> None:
    world, scene = built.world, built.scene
    expected = page.access.outcome(world.principals.get(role), built.poll)
    if role in page.access.table:
        assert page.access.table[role] == expected, "the rule and the written outcome differ"
    await sign_in(client, role)
    form = await client.get("/console/login" if role == "anonymous" else "/console/password")
    before = await snapshot()
    url = scene.url(page.url)
    if page.method == "GET":
        sent = await client.get(url)
    else:
        data = {**page.form(scene), "_csrf_token": csrf_token(form)}
        sent = await client.request(page.method, url, data=data)
    assert sent.status_code == expected, f"got {sent.status_code}: {sent.text[:200]}"
    if expected == LOGIN:
        assert sent.headers["location"] == "/console/login"
    if expected >= 400 or expected == LOGIN or page.method == "GET":
        after = await snapshot()
        assert after == before, "a refused or reading request changed the database"
        if after == built.snapshot:
            _pristine.add(db.backend)


@pytest.mark.parametrize("page", CHANGING_CONSOLE, ids=lambda p: p.id)
async def test_a_console_change_without_its_csrf_token_is_refused(
    client: httpx.AsyncClient,
    world: World,
    scene: ConsoleScene,
    page: Page,
) -> None:
    await sign_in(client, "admin")
    before = await snapshot()
    for data in (page.form(scene), {**page.form(scene), "_csrf_token": "forged"}):
        sent = await client.request(page.method, scene.url(page.url), data=data)
        assert sent.status_code == 403, (page.id, sent.status_code)
    assert await snapshot() == before
