"""The live view for meetings: a poll's results full screen for a projector, updated through
server-sent events as answers arrive (``polls.services.live``), with the page's one small
script served from here (the CSP allows scripts of this origin only). Without the script,
the page refreshes itself every few seconds.

Viewers may watch; a poll of another subtree is not found; without a session, the console
sends the browser to the login page."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.params import FromQuery
from litestar.response import ServerSentEvent, ServerSentEventMessage

from polls.api.guards import (
    CurrentPrincipal,
    PathId,
    RowId,
    provide_principal,
    requires_session,
)
from polls.console.pages import page
from polls.i18n import get_locale
from polls.services import live
from polls.web import settings_of

LIVE_SCRIPT = (Path(__file__).parent / "static" / "live.js").read_bytes()
RECONNECT_MS = 3000


class LivePages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/polls/{poll_id:str}/live")
    async def live(
        self, principal: CurrentPrincipal, poll_id: RowId, q: FromQuery[PathId | None] = None
    ) -> Response:
        poll, snapshot = await live.snapshot(principal, poll_id)
        return page("live.html", principal, poll=poll, snapshot=snapshot, question=q)

    @get("/polls/{poll_id:str}/live/events")
    async def events(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> ServerSentEvent:
        poll = await live.watched(principal, poll_id)
        settings = settings_of(request)
        updates = live.updates(
            poll,
            get_locale(),
            every=settings.live_check_seconds,
            lifetime=settings.live_max_seconds,
        )

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            async for snapshot in updates:
                if snapshot is None:
                    yield ServerSentEventMessage(data=None, comment="still here")
                else:
                    data = json.dumps(snapshot.as_json(), ensure_ascii=False)
                    yield ServerSentEventMessage(data=data, event="results")

        return ServerSentEvent(
            messages(),
            retry_duration=RECONNECT_MS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @get("/live.js")
    async def script(self) -> Response[bytes]:
        return Response(
            LIVE_SCRIPT,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )
