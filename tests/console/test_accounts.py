"""Accounts from the console: sign-in throttling that an attacker elsewhere cannot turn into
a lockout, sessions that end everywhere at once (signing out, a password change,
deactivation), their lifetime and idle timeout (the clock moved, never slept), and hashes
upgraded on sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar import Litestar

from polls import tables as t
from polls.services import accounts
from tests.conftest import PASSWORD, World
from tests.console.conftest import csrf_token, login, post_form

ATTACKER = ("203.0.113.9", 40000)
OFFICE = ("198.51.100.7", 40000)
NEW_PASSWORD = "a-new-password-2026"


@pytest.fixture
async def browser(app: Litestar) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Clients of the same app from chosen addresses, each with its own cookies."""
    opened: list[httpx.AsyncClient] = []

    def make(address: tuple[str, int] = OFFICE) -> httpx.AsyncClient:
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=address),
            base_url="http://testserver.local",
            headers={"accept-language": "en"},
        )
        opened.append(made)
        return made

    yield make
    for made in opened:
        await made.aclose()


def copy_of(source: httpx.AsyncClient, make: Callable[..., httpx.AsyncClient]) -> httpx.AsyncClient:
    """Another browser holding a copy of ``source``'s cookies (a stolen cookie)."""
    thief = make(ATTACKER)
    for cookie in source.cookies.jar:
        thief.cookies.set(cookie.name, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC)
        monkeypatch.setattr(accounts, "now", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def test_an_attacker_elsewhere_cannot_lock_the_officer_out(
    browser: Callable[..., httpx.AsyncClient], world: World
) -> None:
    attacker = browser(ATTACKER)
    for _ in range(5):
        assert (await login(attacker, "officer", "guess-guess-guess")).status_code == 401
    for _ in range(10):
        slowed = await login(attacker, "officer", PASSWORD)  # even the right one must wait
        assert slowed.status_code == 429
        assert "Too many failed sign-ins. Please wait 15 s and try again." in slowed.text
        assert 0 < int(slowed.headers["retry-after"]) <= 15
    officer = browser(OFFICE)
    assert (await login(officer, "officer")).status_code == 303
    assert (await officer.get("/console")).status_code == 200


async def test_the_attackers_wait_grows_and_is_said_in_vietnamese(
    browser: Callable[..., httpx.AsyncClient], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    attacker = browser(ATTACKER)
    attacker.headers["accept-language"] = "vi"
    throttle = attacker._transport.app.state.throttle  # type: ignore[attr-defined]
    moment = [1_900_000_000.0]
    monkeypatch.setattr(throttle, "clock", lambda: moment[0])
    waits = []
    for _ in range(10):
        sent = await login(attacker, "officer", "guess-guess-guess")
        if sent.status_code == 429:
            waits.append(int(sent.headers["retry-after"]))
            assert "giây" in sent.text or "phút" in sent.text
            moment[0] += waits[-1]
    assert waits == [15, 30, 60]


async def test_signing_out_ends_a_copied_cookie_and_the_officers_tokens(
    browser: Callable[..., httpx.AsyncClient], world: World
) -> None:
    officer = browser()
    await login(officer, "officer")
    thief = copy_of(officer, browser)
    assert (await thief.get("/console")).status_code == 200
    assert (await officer.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 200
    assert (await post_form(officer, "/console/logout")).status_code == 303
    assert (await thief.get("/console")).status_code == 302
    refused = await thief.get("/api/v1/polls", headers=world.auth("officer"))
    assert refused.status_code == 401
    # other officers keep their sessions and tokens
    assert (await thief.get("/api/v1/polls", headers=world.auth("admin"))).status_code == 200
    assert (await login(officer, "officer")).status_code == 303


async def test_changing_the_password_ends_every_other_session_and_token(
    browser: Callable[..., httpx.AsyncClient], world: World
) -> None:
    officer = browser()
    await login(officer, "officer")
    other = browser()
    await login(other, "officer")
    page = await officer.get("/console/password")
    assert page.status_code == 200
    changed = await officer.post(
        "/console/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
            "_csrf_token": csrf_token(page),
        },
    )
    assert changed.status_code == 303
    welcome = await officer.get("/console")
    assert welcome.status_code == 200  # this browser carries on
    assert "Your password is changed. Other sessions have ended." in welcome.text
    assert (await other.get("/console")).status_code == 302
    assert (await other.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 401
    fresh = browser()
    assert (await login(fresh, "officer")).status_code == 401
    assert (await login(fresh, "officer", NEW_PASSWORD)).status_code == 303


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"current_password": "not-the-password"}, 422, "The current password is wrong."),
        ({"new_password": "short", "repeat_password": "short"}, 422, "at least 10 characters"),
        ({"repeat_password": "something-else-1"}, 422, "The two new passwords differ."),
    ],
)
async def test_a_refused_password_change_changes_nothing(
    browser: Callable[..., httpx.AsyncClient],
    world: World,
    fields: dict[str, str],
    status: int,
    message: str,
) -> None:
    officer = browser()
    await login(officer, "officer")
    before = await t.Officer.select().where(t.Officer.username == "officer").first()
    form = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD,
        **fields,
    }
    refused = await post_form(officer, "/console/password", form, from_page="/console/password")
    assert refused.status_code == status
    assert message in refused.text
    assert await t.Officer.select().where(t.Officer.username == "officer").first() == before
    assert (await officer.get("/console")).status_code == 200


async def test_the_password_form_needs_its_csrf_token(
    browser: Callable[..., httpx.AsyncClient], world: World
) -> None:
    officer = browser()
    await login(officer, "officer")
    forged = await officer.post(
        "/console/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )
    assert forged.status_code == 403
    assert (await login(browser(), "officer")).status_code == 303  # password unchanged


async def test_guessing_the_current_password_is_throttled_like_a_sign_in(
    browser: Callable[..., httpx.AsyncClient], world: World
) -> None:
    thief = browser(ATTACKER)
    await login(thief, "officer")
    codes = []
    for _ in range(7):
        sent = await post_form(
            thief,
            "/console/password",
            {
                "current_password": "guess-guess-guess",
                "new_password": NEW_PASSWORD,
                "repeat_password": NEW_PASSWORD,
            },
            from_page="/console/password",
        )
        codes.append(sent.status_code)
    assert codes == [422] * 5 + [429] * 2


async def test_deactivation_ends_sessions_and_tokens_at_once(
    browser: Callable[..., httpx.AsyncClient], world: World
) -> None:
    officer = browser()
    await login(officer, "officer")
    admin = browser()
    done = await admin.post("/api/v1/officers/officer/deactivate", headers=world.auth("admin"))
    assert done.status_code == 204
    assert (await officer.get("/console")).status_code == 302
    assert (await officer.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 401
    assert (await login(browser(), "officer")).status_code == 401


async def test_a_session_ends_when_idle_for_two_hours(
    browser: Callable[..., httpx.AsyncClient], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    officer = browser()
    await login(officer, "officer")
    clock.advance(hours=1, minutes=59)
    assert (await officer.get("/console")).status_code == 200  # seen again: idle from here
    clock.advance(hours=1, minutes=59)
    assert (await officer.get("/console")).status_code == 200
    clock.advance(hours=2)
    assert (await officer.get("/console")).status_code == 302


async def test_a_session_ends_twelve_hours_after_sign_in_however_busy(
    browser: Callable[..., httpx.AsyncClient], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    officer = browser()
    await login(officer, "officer")
    for _ in range(11):
        clock.advance(hours=1)
        assert (await officer.get("/console")).status_code == 200
    clock.advance(minutes=59)
    assert (await officer.get("/console")).status_code == 200
    clock.advance(minutes=1)
    assert (await officer.get("/console")).status_code == 302


async def test_an_old_hash_is_upgraded_on_the_next_sign_in(
    browser: Callable[..., httpx.AsyncClient], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = await t.Officer.select(t.Officer.password_hash).where(t.Officer.username == "officer")
    assert old[0]["password_hash"].startswith(f"scrypt${accounts.SCRYPT_N}$")
    monkeypatch.setattr(accounts, "SCRYPT_N", accounts.SCRYPT_N * 2)
    assert accounts.needs_rehash(old[0]["password_hash"])
    assert (await login(browser(), "officer", "wrong-password-1")).status_code == 401
    unchanged = await t.Officer.select(t.Officer.password_hash).where(
        t.Officer.username == "officer"
    )
    assert unchanged == old
    assert (await login(browser(), "officer")).status_code == 303
    new = await t.Officer.select(t.Officer.password_hash).where(t.Officer.username == "officer")
    assert new[0]["password_hash"].startswith(f"scrypt${accounts.SCRYPT_N}$8$1$")
    assert (await login(browser(), "officer")).status_code == 303


def test_production_hashes_use_owasps_scrypt_parameters() -> None:
    # the suite hashes cheaply (tests/conftest.py); the defaults are read from the source
    import ast
    import inspect

    source = inspect.getsource(accounts)
    assert "SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1" in source
    ast.parse(source)


async def test_a_minute_after_sign_in_the_idle_time_counts_from_the_last_request(
    browser: Callable[..., httpx.AsyncClient], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last-seen time is refreshed once a minute (``guards.SEEN_EVERY``), from the 60th
    second: a request then starts the two idle hours again."""
    clock = Clock(monkeypatch)
    officer = browser()
    await login(officer, "officer")
    clock.advance(seconds=60)
    assert (await officer.get("/console")).status_code == 200  # seen again: idle from here
    clock.advance(hours=2, seconds=-1)
    assert (await officer.get("/console")).status_code == 200
