"""Signing in and out of the console: a username and password become ``officer_id`` in the
signed, encrypted session cookie; ``requires_session`` reads it back on every page."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post

from polls.console.pages import page, see_other
from polls.errors import RateLimited, Unauthorized
from polls.i18n import gettext
from polls.ratelimit import RateLimiter
from polls.services import accounts
from polls.web import client_address


class SessionPages(Controller):
    path = "/console"
    include_in_schema = False

    @get("/login")
    async def login_form(self) -> Response:
        return page("login.html", None, username="", error=None)

    @post("/login")
    async def login(self, request: Request) -> Response:
        form = await request.form()
        username = form.get("username")
        password = form.get("password")
        username = username if isinstance(username, str) else ""
        password = password if isinstance(password, str) else ""
        limiter: RateLimiter = request.app.state.limiter
        try:
            await limiter.check_sign_in(username=username[:200], address=client_address(request))
            principal = await accounts.authenticate(username[:200], password[:500])
        except RateLimited as error:
            message = gettext(error.message, error.params)
            return page("login.html", None, status=429, username=username[:200], error=message)
        except Unauthorized as error:
            message = gettext(error.message, error.params)
            return page("login.html", None, status=401, username=username[:200], error=message)
        request.clear_session()
        request.set_session({"officer_id": principal.officer_id})
        return see_other("/console")

    @post("/logout")
    async def logout(self, request: Request) -> Response:
        request.clear_session()
        return see_other("/console/login")
