"""Zalo over HTTP: the Official Account's webhook."""

from __future__ import annotations

from typing import cast

from litestar import Controller, Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from polls.errors import N_, NotConfigured, Unauthorized
from polls.messengers import zalo as zalo_api
from polls.services import zalo

SIGNATURE_HEADER = "x-zevent-signature"


def zalo_setup(connection: ASGIConnection) -> zalo.ZaloSetup:
    setup = connection.app.state.zalo
    if setup is None:
        raise NotConfigured(zalo.NOT_CONFIGURED)
    return setup


async def requires_zalo_signature(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Zalo signs each event with the OA Secret Key: SHA-256 over our app id, the raw body
    and the event's timestamp, compared in constant time. The body read here is kept by
    Litestar for the handler."""
    settings = connection.app.state.settings
    if not settings.zalo_webhook_configured:
        raise NotConfigured(zalo.NOT_CONFIGURED)
    body = await cast(Request, connection).body()
    if not zalo_api.signature_valid(
        body,
        connection.headers.get(SIGNATURE_HEADER),
        app_id=settings.zalo_app_id,
        oa_secret_key=settings.zalo_oa_secret_key,
    ):
        raise Unauthorized(N_("The webhook signature is missing or wrong."))


class ZaloWebhookController(Controller):
    include_in_schema = False

    @post("/webhooks/zalo", guards=[requires_zalo_signature], status_code=200)
    async def event(self, request: Request) -> Response[dict[str, bool]]:
        """Acknowledge at once (Zalo retries a webhook that answers slowly or with an
        error); a new event is answered after the response, a retried one is not."""
        setup = zalo_setup(request)
        event = await zalo.receive(await request.body(), setup)
        if event is None:
            return Response({"ok": True})
        return Response({"ok": True}, background=BackgroundTask(zalo.handle_event, event, setup))
