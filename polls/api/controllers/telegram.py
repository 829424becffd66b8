"""Telegram over HTTP: publishing a placement to its chat, sharing a poll's charts to a chat,
and the bot's webhook."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody

from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_token,
)
from polls.api.schemas import (
    PublishRead,
    SharedMessageRead,
    SharedResultsRead,
    ShareResultsCreate,
)
from polls.errors import N_, DomainError, NotConfigured, Unauthorized
from polls.i18n import gettext
from polls.services import telegram
from polls.web import settings_of

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name


def bot_setup(request: Request) -> telegram.BotSetup:
    settings = settings_of(request)
    return telegram.BotSetup(
        bot=request.app.state.telegram,
        bot_username=settings.telegram_bot_username,
        app_name=settings.telegram_app_name,
        base_url=settings.base_url,
        default_locale=settings.default_locale,
    )


async def requires_telegram_secret(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Telegram names the webhook's secret in a header; compared in constant time."""
    settings = connection.app.state.settings
    if not settings.telegram_configured or not settings.telegram_webhook_secret:
        raise NotConfigured(N_("Telegram is not set up on this server."))
    sent = connection.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(sent.encode(), settings.telegram_webhook_secret.encode()):
        raise Unauthorized(N_("The webhook secret is missing or wrong."))


class TelegramPublishController(Controller):
    tags = ["placements"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/api/v1/placements/{placement_id:str}/publish", guards=[requires_runner])
    async def publish(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> PublishRead:
        """Post the poll to the placement's Telegram chat with a button to its Mini App."""
        published = await telegram.publish(principal, placement_id, bot_setup(request))
        return PublishRead(chat_id=published.chat_id, message_id=published.message_id)

    @post("/api/v1/polls/{poll_id:str}/share-results", tags=["results"], status_code=200)
    async def share_results(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        data: JSONBody[ShareResultsCreate],
    ) -> SharedResultsRead:
        """Send each charted question's chart to a Telegram chat as a photo, captioned with
        the poll's title, the question, n and the poll's period (in ``lang``). Below the
        poll's minimum group size no chart is sent, only a message saying from how many
        responses results appear; free-text answers are never sent. Whoever may read the
        poll's results may share them (viewers too)."""
        shared = await telegram.share_results(
            principal, poll_id, data.chat_id, data.lang, bot_setup(request)
        )
        return SharedResultsRead(
            chat_id=shared.chat_id,
            lang=shared.lang,
            messages=[
                SharedMessageRead(kind=m.kind, message_id=m.message_id, question_id=m.question_id)
                for m in shared.messages
            ],
            complete=shared.stopped is None,
            detail=gettext(shared.stopped) if shared.stopped else None,
        )


class TelegramWebhookController(Controller):
    include_in_schema = False

    @post("/webhooks/telegram", guards=[requires_telegram_secret], status_code=200)
    async def update(self, request: Request) -> Response[dict[str, bool]]:
        """Acknowledge at once; the reply is sent after the response (Telegram retries a
        webhook that answers slowly or with an error). An update delivered before, to this
        process or another, is acknowledged and not handled again."""
        try:
            update: Any = await request.json()
        except Exception:
            raise DomainError(N_("The request body is not valid JSON.")) from None
        if not isinstance(update, dict):
            raise DomainError(N_("The request body is not valid JSON."))
        if not await telegram.first_delivery(update):
            return Response({"ok": True})
        return Response(
            {"ok": True},
            background=BackgroundTask(telegram.handle_update, update, bot_setup(request)),
        )
