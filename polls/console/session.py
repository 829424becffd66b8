"""Signing in and out of the console, and changing one's password.

Signing in puts the officer, their session version and the times it was issued and last
seen in the signed, encrypted session cookie; ``requires_session`` reads it back on every
page. Wrong passwords are slowed by the sign-in throttle (``polls/ratelimit.py``), per
account and address. Signing out ends every session and API token of the officer.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide

from polls.api.guards import (
    CurrentPrincipal,
    new_session,
    provide_principal,
    requires_session,
    session_principal,
)
from polls.console.pages import field, flash, page, see_other
from polls.errors import N_, InvalidInput, RateLimited, Unauthorized
from polls.i18n import gettext
from polls.ratelimit import SignInThrottle
from polls.services import accounts
from polls.web import client_address


def _throttle(request: Request) -> SignInThrottle:
    return request.app.state.throttle


class SessionPages(Controller):
    path = "/console"
    include_in_schema = False

    @get("/login")
    async def login_form(self) -> Response:
        return page("login.html", None, username="", error=None)

    @post("/login")
    async def login(self, request: Request) -> Response:
        form = await request.form()
        username = field(form, "username", 200)
        password = field(form, "password", 500)
        try:
            signed = await _throttle(request).attempt(
                username=username,
                address=client_address(request),
                check=lambda: accounts.authenticate(username, password),
            )
        except RateLimited as error:
            message = gettext(error.message, error.params)
            refused = page("login.html", None, status=429, username=username, error=message)
            refused.headers["Retry-After"] = str(error.retry_after)
            return refused
        except Unauthorized as error:
            message = gettext(error.message, error.params)
            return page("login.html", None, status=401, username=username, error=message)
        request.clear_session()
        request.set_session(new_session(signed))
        return see_other("/console")

    @post("/logout")
    async def logout(self, request: Request) -> Response:
        """Ends every session and token of the officer: a copied cookie stops working too."""
        principal = await session_principal(request)
        if principal is not None:
            await accounts.sign_out(principal.officer_id)
        request.clear_session()
        return see_other("/console/login")


class PasswordPages(Controller):
    path = "/console/password"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def password_form(self, principal: CurrentPrincipal) -> Response:
        return page("password.html", principal, errors={})

    @post("/")
    async def change_password(self, request: Request, principal: CurrentPrincipal) -> Response:
        """The current password is checked like a sign-in (and throttled the same way); on
        success every other session and token ends, and this browser carries on."""
        form = await request.form()
        current = field(form, "current_password", 500)
        new = field(form, "new_password", 500)
        repeated = field(form, "repeat_password", 500)
        try:
            if new != repeated:
                raise InvalidInput({"repeat_password": N_("The two new passwords differ.")})
            version = await _throttle(request).attempt(
                username=principal.username,
                address=client_address(request),
                check=lambda: accounts.change_password(principal, current, new),
            )
        except RateLimited as error:
            errors = {"current_password": gettext(error.message, error.params)}
            refused = page("password.html", principal, status=429, errors=errors)
            refused.headers["Retry-After"] = str(error.retry_after)
            return refused
        except InvalidInput as error:
            errors = {key: gettext(message) for key, message in error.errors.items()}
            return page("password.html", principal, status=422, errors=errors)
        request.set_session(new_session(accounts.SignedIn(principal, version)))
        flash(request, "ok", gettext("Your password is changed. Other sessions have ended."))
        return see_other("/console")
