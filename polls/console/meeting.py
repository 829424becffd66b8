"""Meeting mode pages (``polls.services.meeting``): the projector's full-screen page and its
event stream, the phone remote, and the one action endpoint both use.

Whoever may read the poll's results may watch the screen (leadership included); opening,
closing and revealing need an officer who runs polls, with the console's CSRF token like
every form: the remote posts plain forms (it works without script), the projector's script
posts the same with the token from its page.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import ServerSentEvent, ServerSentEventMessage

from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_session,
)
from polls.console.pages import page, see_other
from polls.errors import N_, InvalidInput
from polls.i18n import get_locale
from polls.services import meeting
from polls.web import settings_of

MEETING_SCRIPT = (Path(__file__).parent / "static" / "meeting.js").read_bytes()
RECONNECT_MS = 3000


def _number(value: object) -> int | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 3:
        raise InvalidInput({"question": N_("There is no question with that number.")})
    return int(text)


class MeetingPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/meetings/{placement_id:str}")
    async def screen(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        shown = await meeting.meeting(principal, placement_id, settings_of(request).base_url)
        return page("meeting.html", principal, meeting=shown, screen=shown.screen)

    @get("/meetings/{placement_id:str}/remote", guards=[requires_runner])
    async def remote(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        shown = await meeting.meeting(principal, placement_id, settings_of(request).base_url)
        return page("meeting_remote.html", principal, meeting=shown, screen=shown.screen)

    @post("/meetings/{placement_id:str}/act", guards=[requires_runner])
    async def act(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        form = await request.form()
        action = form.get("action")
        await meeting.act(
            principal,
            placement_id,
            action if isinstance(action, str) else "",
            _number(form.get("question")),
        )
        return see_other(f"/console/meetings/{placement_id}/remote")

    @get("/meetings/{placement_id:str}/events")
    async def events(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> ServerSentEvent:
        settings = settings_of(request)
        shown = await meeting.meeting(principal, placement_id, settings.base_url)
        updates = meeting.updates(
            shown.poll,
            shown.placement,
            get_locale(),
            every=settings.live_check_seconds,
            lifetime=settings.live_max_seconds,
        )

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            async for screen in updates:
                if screen is None:
                    yield ServerSentEventMessage(data=None, comment="still here")
                else:
                    data = json.dumps(screen.as_json(), ensure_ascii=False)
                    yield ServerSentEventMessage(data=data, event="screen")

        return ServerSentEvent(
            messages(),
            retry_duration=RECONNECT_MS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @get("/meeting.js")
    async def script(self) -> Response[bytes]:
        return Response(
            MEETING_SCRIPT,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )
