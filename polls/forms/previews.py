"""A placement's link preview card, for Zalo's and Facebook's crawlers (``og:image``)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromPath

from polls.services import previews

CARD_CACHE = "public, max-age=600"
"""Crawlers and chats keep a card anyway; a changed title shows within ten minutes here."""


class PreviewPages(Controller):
    include_in_schema = False

    @get("/p/{code:str}" + previews.CARD_PATH, media_type="image/png")
    async def card(self, code: FromPath[str]) -> Response[bytes]:
        """The 1200×630 card of an open poll's placement; a 404 for any other."""
        return Response(
            await previews.card(code),
            media_type="image/png",
            headers={"Cache-Control": CARD_CACHE, "X-Content-Type-Options": "nosniff"},
        )
