from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.conftest import PASSWORD, World, frozen_minute
from tests.console.conftest import csrf_token, login, post_form


async def test_login_with_the_right_password_opens_the_console(
    client: httpx.AsyncClient, world: World
) -> None:
    signed_in = await login(client, "officer")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/console"
    page = await client.get("/console")
    assert page.status_code == 200
    assert "officer" in page.text
    assert world.principals["officer"].unit_name in page.text


@pytest.mark.usefixtures("english")
async def test_login_with_a_wrong_password_shows_the_form_again(
    client: httpx.AsyncClient, world: World
) -> None:
    refused = await login(client, "officer", "not-the-password")
    assert refused.status_code == 401
    assert "The username or password is wrong." in refused.text
    assert 'value="officer"' in refused.text
    assert 'name="password"' in refused.text
    assert (await client.get("/console")).status_code == 302


@pytest.mark.usefixtures("english")
async def test_login_for_an_unknown_user_is_refused_the_same_way(
    client: httpx.AsyncClient, world: World
) -> None:
    refused = await login(client, "nobody")
    assert refused.status_code == 401
    assert "The username or password is wrong." in refused.text


@pytest.mark.parametrize(
    "path", ["/console", "/console/polls/1", "/console/polls/1/results", "/console/polls/new"]
)
async def test_a_page_without_session_redirects_to_login(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 302
    assert response.headers["location"] == "/console/login"


async def test_logout_ends_the_session(client: httpx.AsyncClient, world: World) -> None:
    await login(client, "admin")
    assert (await client.get("/console")).status_code == 200
    out = await post_form(client, "/console/logout")
    assert out.status_code == 303
    assert (await client.get("/console")).status_code == 302


async def test_login_without_csrf_token_is_refused(client: httpx.AsyncClient, world: World) -> None:
    await client.get("/console/login")
    response = await client.post("/console/login", data={"username": "officer", "password": "x"})
    assert response.status_code == 403
    assert (await client.get("/console")).status_code == 302


async def test_login_page_speaks_vietnamese_by_default(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/login")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert csrf_token(page)


async def test_guessing_from_one_place_is_slowed_but_other_accounts_still_sign_in(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], world: World
) -> None:
    # the clock stands still: the 15 s wait after the fifth failure cannot run out between
    # two requests of a slow run
    client = await make_client(clock=frozen_minute)
    for _ in range(5):
        refused = await login(client, "officer", "wrong-password-123")
        assert refused.status_code == 401
    blocked = await login(client, "officer", PASSWORD)
    assert blocked.status_code == 429
    assert "officer_id" not in str(client.cookies.get("polls_session"))
    # another account is not locked out by the guessing against this one
    assert (await login(client, "admin")).status_code == 303
