"""The console's downloads of a poll's QR codes, posters and table cards: the API's, behind
the console's session instead of a token."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.di import Provide

from polls.api.controllers.sharing import pdf_response, svg_response
from polls.api.guards import CurrentPrincipal, RowId, provide_principal, requires_session
from polls.services import sharing
from polls.web import settings_of


class SharingPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/placements/{placement_id:int}/qr.svg", media_type="image/svg+xml")
    async def qr_svg(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[str]:
        base = settings_of(request).base_url
        return svg_response(await sharing.qr_symbol(principal, placement_id, base))

    @get("/placements/{placement_id:int}/poster.pdf", media_type="application/pdf")
    async def poster(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[bytes]:
        content = await sharing.poster(principal, placement_id, settings_of(request).base_url)
        return pdf_response(content, f"poster-{placement_id}.pdf")

    @get("/placements/{placement_id:int}/cards.pdf", media_type="application/pdf")
    async def cards(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[bytes]:
        content = await sharing.cards(principal, placement_id, settings_of(request).base_url)
        return pdf_response(content, f"cards-{placement_id}.pdf")

    @get("/polls/{poll_id:int}/posters.pdf", media_type="application/pdf")
    async def posters(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response[bytes]:
        content = await sharing.posters_for_poll(principal, poll_id, settings_of(request).base_url)
        return pdf_response(content, f"posters-poll-{poll_id}.pdf")
