"""The Zalo Bot over HTTP: posting a placement's poll to its Zalo group, sending a poll's
charts to a Zalo group, the charts' signed URLs Zalo fetches, and the bot's webhook."""

from __future__ import annotations

from typing import cast

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody

from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_token,
)
from polls.api.schemas import ZaloPostedRead, ZaloSharedRead, ZaloShareResultsCreate
from polls.errors import N_, NotConfigured, NotFound, Unauthorized
from polls.i18n import gettext
from polls.messengers import zalo_bot as zalo_bot_api
from polls.services import zalo_bot
from polls.web import settings_of

PHOTO_SUFFIX = ".png"


def bot_setup(connection: ASGIConnection) -> zalo_bot.ZaloBotSetup:
    setup: zalo_bot.ZaloBotSetup = connection.app.state.zalo_bot
    return setup


async def requires_zalo_bot_secret(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Zalo sends the webhook's secret in ``X-Bot-Api-Secret-Token``; compared in constant
    time. Refused without it."""
    settings = connection.app.state.settings
    if not settings.zalo_bot_configured or not settings.zalo_bot_webhook_secret:
        raise NotConfigured(zalo_bot.NOT_CONFIGURED)
    sent = connection.headers.get(zalo_bot_api.SECRET_HEADER)
    if not zalo_bot_api.secret_valid(sent, settings.zalo_bot_webhook_secret):
        raise Unauthorized(N_("The webhook secret is missing or wrong."))


def posted_read(posted: zalo_bot.Posted) -> ZaloPostedRead:
    return ZaloPostedRead(
        chat_id=posted.chat_id, message_id=posted.message_id, beta=gettext(zalo_bot.GROUPS_BETA)
    )


def shared_read(shared: zalo_bot.Shared) -> ZaloSharedRead:
    return ZaloSharedRead(
        chat_id=shared.chat_id,
        lang=shared.lang,
        charts=shared.charts,
        notice=shared.notice,
        complete=shared.stopped is None,
        beta=gettext(zalo_bot.GROUPS_BETA),
        detail=gettext(shared.stopped) if shared.stopped else None,
    )


class ZaloBotController(Controller):
    tags = ["zalo"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/api/v1/placements/{placement_id:str}/zalo-post", guards=[requires_runner])
    async def post_invitation(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> ZaloPostedRead:
        """Post the poll, with its link (the Zalo Mini App's when the server has one), to
        the Zalo group the placement names. Zalo's group support is still in beta."""
        return posted_read(
            await zalo_bot.post_invitation(principal, placement_id, bot_setup(request))
        )

    @post("/api/v1/polls/{poll_id:str}/zalo-share-results", tags=["results"], status_code=200)
    async def share_results(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        data: JSONBody[ZaloShareResultsCreate],
    ) -> ZaloSharedRead:
        """Send each charted question's released chart to a Zalo group as a photo, with the
        same captions and rules as the Telegram share (below the minimum group size, only a
        notice; free text never). Whoever may read the poll's results may share them."""
        shared = await zalo_bot.share_results(
            principal, poll_id, data.chat_id, data.lang, bot_setup(request)
        )
        return shared_read(shared)


class ZaloBotPublicController(Controller):
    include_in_schema = False

    @get("/shared/charts/{name:str}", media_type="image/png")
    async def chart(self, request: Request, name: FromPath[str]) -> Response[bytes]:
        """A shared chart by its signed URL, until it expires (Zalo fetches it)."""
        if not name.endswith(PHOTO_SUFFIX):
            raise NotFound(N_("There is no such chart."))
        token = name[: -len(PHOTO_SUFFIX)]
        rendered = await zalo_bot.shared_chart(token, settings_of(request).secret_key)
        return Response(
            rendered.content,
            media_type="image/png",
            headers={"Cache-Control": "private, max-age=3600", "Referrer-Policy": "no-referrer"},
        )

    @post("/webhooks/zalo-bot", guards=[requires_zalo_bot_secret], status_code=200)
    async def update(self, request: Request) -> Response[dict[str, bool]]:
        """Acknowledge at once; the reply is sent after the response. An event delivered
        before, to this process or another, is acknowledged and not handled again."""
        setup = bot_setup(cast(ASGIConnection, request))
        update = await zalo_bot.receive(await request.body(), setup)
        if update is None:
            return Response({"ok": True})
        return Response(
            {"ok": True}, background=BackgroundTask(zalo_bot.handle_update, update, setup)
        )
