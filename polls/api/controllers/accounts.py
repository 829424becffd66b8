"""The caller's own account: API tokens (list, revoke) and password.

An admin also reaches the tokens of the officers of their subtree (and deactivates those
officers) through ``/api/v1/officers/{username}/...`` in ``units.py``.
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import JSONBody

from polls.api import presenters
from polls.api.guards import CurrentPrincipal, RowId, provide_principal, requires_token
from polls.api.schemas import PasswordChange, TokenRead
from polls.ratelimit import SignInThrottle
from polls.services import accounts
from polls.web import client_address


class TokenController(Controller):
    path = "/api/v1/tokens"
    tags = ["accounts"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_tokens(self, principal: CurrentPrincipal) -> list[TokenRead]:
        """The caller's own tokens, active, expired and revoked."""
        at = accounts.now()
        return [presenters.token(i, at) for i in await accounts.tokens_for(principal)]

    @post("/{token_id:str}/revoke", status_code=200)
    async def revoke(self, principal: CurrentPrincipal, token_id: RowId) -> TokenRead:
        """One's own token, or (an admin) a token of an officer of their subtree."""
        info = await accounts.revoke_token_as(principal, token_id)
        return presenters.token(info, accounts.now())


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["accounts"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/password", status_code=204)
    async def change_password(
        self, request: Request, principal: CurrentPrincipal, data: JSONBody[PasswordChange]
    ) -> None:
        """Needs the current password (throttled like a sign-in). Every session and API
        token of the caller ends, this one included: issue a new token afterwards."""
        throttle: SignInThrottle = request.app.state.throttle
        await throttle.attempt(
            username=principal.username,
            address=client_address(request),
            check=lambda: accounts.change_password(
                principal, data.current_password, data.new_password
            ),
        )
