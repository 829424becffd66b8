"""Test fixtures: a throwaway database per backend, an app bound to it, and helpers.

Every test that takes ``db`` (directly or through ``client``) runs on SQLite, and also on
PostgreSQL when ``POLLS_TEST_POSTGRES_URL`` names a server (``.ci/run`` sets it, and the run
fails, never skips, if that server cannot be reached). Tables are emptied between tests.
"""

from __future__ import annotations

import inspect
import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.utils.signature import ParsedSignature

from polls import db as polls_db
from polls import disclosure, privacy
from polls import tables as t
from polls.app import create_app
from polls.models import Principal
from polls.services import accounts, placements, units, unlinking
from polls.services.cache import forget_everything
from polls.settings import Settings

POSTGRES_URL = os.environ.get("POLLS_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
SECRET = "test-secret-" + "x" * 20
PASSWORD = "correct-horse-battery"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@dataclass
class Database:
    backend: str
    url: str
    engine: Any


@pytest.fixture(scope="session", params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    backend = request.param
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "polls.sqlite3"
        url = f"sqlite:///{path}"
        admin = None
    else:
        name = "polls_test_" + secrets.token_hex(4)
        admin = await asyncpg.connect(POSTGRES_URL, timeout=10)
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(POSTGRES_URL, name)
    engine = polls_db.engine_for_url(url, "NORMAL")
    await polls_db.migrate(engine, quiet=True)
    await polls_db.start(engine)
    yield Database(backend, url, engine)
    await polls_db.stop(engine)
    if admin is not None:
        await admin.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        await admin.close()


def forget_state(database: Database) -> None:
    """Every cache forgotten, the tables bound to ``database``: what a test starts from
    besides the database's rows."""
    forget_everything()
    # The unlinking step runs only when a test calls it: this hour counts as done already,
    # and no poll is remembered as having lost its keys (ids come again after emptying).
    unlinking.reset_for_tests()
    polls_db.activate(database.engine)


async def empty_database(database: Database) -> None:
    """Every table emptied and every cache forgotten: the state each test starts from (also
    for a test that needs it again, after a request changed the database)."""
    forget_state(database)
    # Units point at their parent with ON DELETE RESTRICT: unlink the tree before emptying it.
    await t.Unit.update({t.Unit.parent: None}, force=True)
    for table in reversed(t.TABLES):
        await table.delete(force=True)


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    await empty_database(database)
    yield database
    await placements.visit_counter.close()  # as the app does at shutdown


def make_settings(database: Database, **changes: Any) -> Settings:
    return Settings(**{"database_url": database.url, "secret_key": SECRET, **changes})


SUBMISSION_PATH = re.compile(r"^/(p/[^/]+|api/v1/forms/[^/]+/responses)$")


def device_giver(client: httpx.AsyncClient, secret: str) -> Callable[[httpx.Request], Any]:
    """A request hook: an answer posted from a client with no device token gets one signed
    with ``secret``, as if the phone had opened the form first, and keeps it in the client's
    cookie jar (so it is the same device next time). Most tests post answers straight away;
    the tests of the device token rule use a client without this hook."""

    async def give(request: httpx.Request) -> None:
        if request.method != "POST" or not SUBMISSION_PATH.match(request.url.path):
            return
        sent = request.headers.get("cookie", "")
        if f"{privacy.DEVICE_COOKIE}=" in sent or "x-polls-device" in request.headers:
            return
        token = privacy.new_device_token(secret)
        client.cookies.set(privacy.DEVICE_COOKIE, token, domain=request.url.host)
        cookie = f"{privacy.DEVICE_COOKIE}={token}"
        request.headers["cookie"] = f"{sent}; {cookie}" if sent else cookie

    return give


def frozen_minute() -> float:
    """The rate limits count per minute: the clock of a test that counts them stands still
    five seconds into a minute, so the minute cannot turn between two requests."""
    return 1_796_000_000.0 + 5


@pytest.fixture
async def make_client(db: Database) -> AsyncIterator[Callable[..., Awaitable[httpx.AsyncClient]]]:
    """Build a client for an app with custom settings (entered and closed by the fixture).
    ``devices=False``: a client that is handed no device token (``device_giver``)."""
    opened: list[httpx.AsyncClient] = []

    async def factory(
        *, devices: bool = True, clock: Callable[[], float] | None = None, **changes: Any
    ) -> httpx.AsyncClient:
        settings = make_settings(db, **changes)
        app = create_app(settings, engine=db.engine, **({"clock": clock} if clock else {}))
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
        )
        if devices:
            client.event_hooks["request"].append(device_giver(client, settings.secret_key))
        client.app = app  # type: ignore[attr-defined]
        opened.append(client)
        return client

    yield factory
    for client in opened:
        await client.aclose()
        await client.app.state.limiter.counter.close()  # type: ignore[attr-defined]  (the lifespan's job)
    polls_db.activate(db.engine)


@pytest.fixture
async def client(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client()


@pytest.fixture
def app(client: httpx.AsyncClient) -> Litestar:
    return client.app  # type: ignore[return-value]


@dataclass
class World:
    """A small unit tree with one officer of each role, and API tokens for them."""

    principals: dict[str, Principal]
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who != "anonymous" else {}


@pytest.fixture
async def world(db: Database) -> World:
    return await make_world()


async def make_world() -> World:
    """The unit tree and its officers, in the (emptied) database."""
    root = await units.create_unit(
        slug="cdtkv", name="Công đoàn Than – Khoáng sản Việt Nam", kind="national", parent=None
    )
    mk = await units.create_unit(
        slug="than-mao-khe",
        name="Công đoàn Công ty Than Mạo Khê",
        kind="subordinate",
        parent=root,
        headcount=0,
    )
    await units.create_unit(
        slug="mk-kt3", name="Phân xưởng Khai thác 3", kind="workshop", parent=mk, headcount=400
    )
    await units.create_unit(
        slug="mk-cd", name="Phân xưởng Cơ điện", kind="workshop", parent=mk, headcount=200
    )
    await units.create_unit(
        slug="than-ha-lam",
        name="Công đoàn Công ty Than Hà Lầm",
        kind="subordinate",
        parent=root,
        headcount=3000,
    )
    people = {
        "admin": ("cdtkv", "admin"),
        "viewer": ("cdtkv", "viewer"),
        "officer": ("than-mao-khe", "officer"),
        "outsider": ("than-ha-lam", "officer"),
        "mk_viewer": ("than-mao-khe", "viewer"),
    }
    principals = {}
    tokens = {}
    for username, (unit, role) in people.items():
        principals[username] = await accounts.create_officer(
            username.replace("_", "-"), PASSWORD, unit_slug=unit, role=role
        )
        tokens[username] = await accounts.issue_token(username.replace("_", "-"))
    return World(principals, tokens)


SAMPLE_POLL = {
    "unit": "than-mao-khe",
    "title": "Bạn nhận thông tin công đoàn qua kênh nào?",
    "description": "Khảo sát ngắn",
    "questions": [
        {"kind": "single", "text": "Kênh nhanh nhất?", "options": ["Zalo", "Bảng tin", "Loa"]},
        {
            "kind": "multi",
            "text": "Các kênh bạn dùng?",
            "options": ["Zalo", "Facebook", "Bảng tin", "Họp tổ"],
            "max_choices": 2,
        },
        {
            "kind": "scale",
            "text": "Mức hài lòng?",
            "min": 1,
            "max": 5,
            "min_label": "Rất không hài lòng",
            "max_label": "Rất hài lòng",
        },
        {"kind": "yes_no", "text": "Muốn nhận tin qua Zalo?"},
        {"kind": "text", "text": "Góp ý", "required": False},
    ],
}


@dataclass
class OpenPoll:
    id: int
    code: str
    questions: list[dict[str, Any]]

    def answers(self, text: str = "Tốt") -> dict[str, Any]:
        q = self.questions
        return {
            str(q[0]["id"]): q[0]["options"][0]["id"],
            str(q[1]["id"]): [q[1]["options"][0]["id"], q[1]["options"][2]["id"]],
            str(q[2]["id"]): 4,
            str(q[3]["id"]): True,
            str(q[4]["id"]): text,
        }


@pytest.fixture
async def open_poll(client: httpx.AsyncClient, world: World) -> OpenPoll:
    """The sample poll, created and opened by the officer, with one placement."""
    return await create_open_poll(client, world)


async def create_open_poll(client: httpx.AsyncClient, world: World, **changes: Any) -> OpenPoll:
    created = await client.post(
        "/api/v1/polls", json={**SAMPLE_POLL, **changes}, headers=world.auth("officer")
    )
    assert created.status_code == 201, created.text
    poll = created.json()
    placement = await client.post(
        f"/api/v1/polls/{poll['id']}/placements",
        json={"label": "Nhà ăn Khai thác 3", "kind": "canteen", "unit": "mk-kt3"},
        headers=world.auth("officer"),
    )
    assert placement.status_code == 201, placement.text
    opened = await client.post(f"/api/v1/polls/{poll['id']}/open", headers=world.auth("officer"))
    assert opened.status_code == 200, opened.text
    return OpenPoll(poll["id"], placement.json()["code"], poll["questions"])


# --- shared helpers for the API, form and privacy tests ----------------------------------


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Hash test passwords with a tiny scrypt cost: every ``world`` makes five officers, and
    the production cost (about 50 ms each) would dominate the suite's time. Verification
    reads the cost from the stored hash, so nothing else changes."""
    saved = accounts.SCRYPT_N
    accounts.SCRYPT_N = 2**4
    yield
    accounts.SCRYPT_N = saved


def _signature_key(fn: Any, namespace: dict[str, Any]) -> tuple[Any, ...]:
    """What a handler's parsed signature depends on: its code, annotations and defaults, and
    the names it is resolved with (a bound method of each app's controller instance and
    Litestar's per-route OPTIONS closure are new objects in every app, with the same
    signature; a closure's cells never enter its type hints)."""
    function = getattr(fn, "__func__", fn)
    names = tuple(sorted((name, id(value)) for name, value in namespace.items()))
    code = getattr(function, "__code__", None)
    if code is None:
        return (function, names)
    return (
        code,
        inspect.ismethod(fn),
        tuple((name, id(value)) for name, value in function.__annotations__.items()),
        tuple(map(id, function.__defaults__ or ())),
        tuple((name, id(value)) for name, value in (function.__kwdefaults__ or {}).items()),
        names,
    )


@pytest.fixture(scope="session", autouse=True)
def handler_signatures_parsed_once() -> Iterator[None]:
    """Most tests build their own app (``make_client``), and Litestar parses every
    handler's signature again for each one (type hints resolved, fields built): about a
    third of ``create_app``'s time, over 350 handlers. The result depends only on the
    handler's function and the names around it, the same in every app of the run, so each
    is parsed once (the first app still parses every handler, and the rest of Litestar's
    registration runs for every app)."""
    parse = ParsedSignature.from_fn.__func__  # type: ignore[attr-defined]
    # each value keeps what its key holds the ids of alive, so no id is reused
    parsed: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def from_fn(cls: Any, fn: Any, signature_namespace: dict[str, Any]) -> Any:
        key = (cls, _signature_key(fn, signature_namespace))
        if key not in parsed:
            parsed[key] = (parse(cls, fn, signature_namespace), fn, signature_namespace)
        return parsed[key][0]

    ParsedSignature.from_fn = classmethod(from_fn)  # type: ignore[assignment,method-assign]
    yield
    ParsedSignature.from_fn = classmethod(parse)  # type: ignore[assignment,method-assign]


RESPONSE_TABLES: tuple[type[t.Table], ...] = (t.Response, t.Answer, t.DuplicateKey)


async def stored_counts() -> dict[str, int]:
    """How many rows each table of anonymous responses holds."""
    return {table._meta.tablename: await table.count() for table in RESPONSE_TABLES}


async def snapshot() -> dict[str, list[str]]:
    """Every row of every table, in a comparable form: equal snapshots mean nothing changed."""
    return {
        table._meta.tablename: sorted(repr(sorted(row.items())) for row in await table.select())
        for table in t.TABLES
    }


async def create_draft_poll(
    client: httpx.AsyncClient, world: World, **changes: Any
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/polls", json={**SAMPLE_POLL, **changes}, headers=world.auth("officer")
    )
    assert created.status_code == 201, created.text
    return created.json()


async def add_placement(
    client: httpx.AsyncClient, world: World, poll_id: int, label: str = "Bảng tin", **fields: Any
) -> dict[str, Any]:
    made = await client.post(
        f"/api/v1/polls/{poll_id}/placements",
        json={"label": label, **fields},
        headers=world.auth("officer"),
    )
    assert made.status_code == 201, made.text
    return made.json()


async def answer(
    client: httpx.AsyncClient, code: str, answers: dict[str, Any], **fields: Any
) -> httpx.Response:
    """One submission through the JSON API, from the client's device (its cookie jar)."""
    return await client.post(f"/api/v1/forms/{code}/responses", json={"answers": answers, **fields})


async def answer_as_new_device(
    client: httpx.AsyncClient, code: str, answers: dict[str, Any], **fields: Any
) -> httpx.Response:
    """One submission from a device that has never answered: no cookies sent or kept."""
    client.cookies.clear()
    sent = await answer(client, code, answers, **fields)
    client.cookies.clear()
    return sent


# --- released figures are perturbed (polls.disclosure) --------------------------------


def near(value: int | float | None, expected: int | float, tolerance: int | float = 10) -> bool:
    """Whether a perturbed figure is within ``tolerance`` of the truth. The noise is two-sided
    geometric with ratio 3: beyond 10 with a chance of about 1 in 40,000 per figure."""
    return value is not None and abs(value - expected) <= tolerance


@pytest.fixture
def without_noise(monkeypatch: pytest.MonkeyPatch) -> None:
    """Released figures exact, for tests of how answers are tallied (what a figure counts);
    the noise itself is tested in tests/privacy."""
    monkeypatch.setattr(disclosure, "noisy", lambda salt, identity, count: count)
