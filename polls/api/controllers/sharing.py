"""What a placement looks like on a wall: its QR code, poster and table cards, and a poll's
posters in one PDF. Authorized like the placements themselves (the services scope them)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.params import FromQuery

from polls.api.guards import CurrentPrincipal, RowId, provide_principal, requires_token
from polls.services import sharing
from polls.sharing import qr
from polls.web import settings_of

QR_CACHE = "private, max-age=3600"
"""A placement's code never changes, nor does its QR code."""
PDF_CACHE = "private, no-cache"
"""A poster shows the poll's title and deadline, which may change."""


def svg_response(symbol: qr.Symbol) -> Response[str]:
    return Response(qr.svg(symbol), media_type="image/svg+xml", headers={"Cache-Control": QR_CACHE})


def png_response(content: bytes) -> Response[bytes]:
    return Response(content, media_type="image/png", headers={"Cache-Control": QR_CACHE})


def pdf_response(content: bytes, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Cache-Control": PDF_CACHE,
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


class SharingController(Controller):
    tags = ["placements"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/api/v1/placements/{placement_id:str}/qr.svg", media_type="image/svg+xml")
    async def qr_svg(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[str]:
        where = settings_of(request)
        return svg_response(
            await sharing.qr_symbol(principal, placement_id, where.base_url, where.zalo_mini_app_id)
        )

    @get("/api/v1/placements/{placement_id:str}/qr.png", media_type="image/png")
    async def qr_png(
        self,
        request: Request,
        principal: CurrentPrincipal,
        placement_id: RowId,
        size: FromQuery[str] = str(qr.PNG_DEFAULT),
    ) -> Response[bytes]:
        where = settings_of(request)
        return png_response(
            await sharing.qr_png(
                principal, placement_id, where.base_url, size, where.zalo_mini_app_id
            )
        )

    @get("/api/v1/placements/{placement_id:str}/poster.pdf", media_type="application/pdf")
    async def poster(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[bytes]:
        where = settings_of(request)
        content = await sharing.poster(
            principal, placement_id, where.base_url, where.zalo_mini_app_id
        )
        return pdf_response(content, f"poster-{placement_id}.pdf")

    @get("/api/v1/placements/{placement_id:str}/cards.pdf", media_type="application/pdf")
    async def cards(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[bytes]:
        where = settings_of(request)
        content = await sharing.cards(
            principal, placement_id, where.base_url, where.zalo_mini_app_id
        )
        return pdf_response(content, f"cards-{placement_id}.pdf")

    @get("/api/v1/polls/{poll_id:str}/posters.pdf", media_type="application/pdf")
    async def posters(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response[bytes]:
        where = settings_of(request)
        content = await sharing.posters_for_poll(
            principal, poll_id, where.base_url, where.zalo_mini_app_id
        )
        return pdf_response(content, f"posters-poll-{poll_id}.pdf")
