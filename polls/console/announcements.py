"""The loudspeaker pack in the console (``polls.services.announcements``): a printable page
and the same text as a plain-text download, for whoever may read the poll."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.params import FromQuery

from polls.api.guards import (
    CurrentPrincipal,
    PathId,
    RowId,
    provide_principal,
    requires_session,
)
from polls.console.pages import page
from polls.services import announcements
from polls.web import settings_of


class AnnouncementPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/polls/{poll_id:str}/announcement")
    async def printable(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        placement: FromQuery[PathId | None] = None,
    ) -> Response:
        poll, chosen, choices, text = await announcements.for_poll(
            principal, poll_id, placement, settings_of(request).base_url
        )
        return page(
            "announcement.html",
            principal,
            poll=poll,
            chosen=chosen,
            choices=choices,
            announcement=text,
        )

    @get("/polls/{poll_id:str}/announcement.txt")
    async def plain_text(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        placement: FromQuery[PathId | None] = None,
    ) -> Response[bytes]:
        poll, chosen, _, text = await announcements.for_poll(
            principal, poll_id, placement, settings_of(request).base_url
        )
        return Response(
            text.as_text().encode(),
            media_type="text/plain",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="loa-poll-{poll.id}-{chosen.code}.txt"'
                ),
                "Cache-Control": "no-store",
            },
        )
