"""The console's downloads of a poll's QR codes, posters and table cards (the API's, behind
the console's session instead of a token), and its Telegram actions: publishing a placement
to its chat, and sharing a poll's charts to a chat; each comes back to its page with a
message saying what happened."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide

from polls import inputs
from polls.api.controllers.sharing import CODES_CACHE, pdf_response, svg_response
from polls.api.controllers.telegram import bot_setup
from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_session,
)
from polls.console.chat_shares import form_field, share_from_form, shared_text
from polls.console.pages import error_text, flash, see_other
from polls.errors import DomainError, Forbidden, NotFound
from polls.i18n import gettext, ngettext
from polls.services import placements, sharing, telegram
from polls.web import settings_of


def telegram_actions(request: Request) -> dict[str, bool]:
    """Which Telegram actions this server can do: sharing needs the bot's token, publishing
    its username and Mini App name too. The pages say so instead of offering a failure."""
    setup = bot_setup(request)
    return {
        "share": setup.bot is not None,
        "publish": setup.bot is not None and bool(setup.bot_username and setup.app_name),
    }


def _shared_text(shared: telegram.SharedResults) -> str:
    charts = sum(1 for m in shared.messages if m.kind == "chart")
    not_yet = gettext(
        "Results are not shown yet, so no chart was sent: the chat %(chat)s was told "
        "from how many responses they appear.",
        chat=shared.chat_id,
    )
    sent = ngettext(
        "Sent %(n)s chart to the Telegram chat %(chat)s.",
        "Sent %(n)s charts to the Telegram chat %(chat)s.",
        charts,
        n=charts,
        chat=shared.chat_id,
    )
    return shared_text(charts, not_yet, sent, shared.stopped)


class SharingPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/placements/{placement_id:str}/qr.svg", media_type="image/svg+xml")
    async def qr_svg(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[str]:
        where = settings_of(request)
        return svg_response(
            await sharing.qr_symbol(principal, placement_id, where.base_url, where.zalo_mini_app_id)
        )

    @get("/placements/{placement_id:str}/poster.pdf", media_type="application/pdf")
    async def poster(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[bytes]:
        where = settings_of(request)
        content = await sharing.poster(
            principal, placement_id, where.base_url, where.zalo_mini_app_id
        )
        return pdf_response(content, await sharing.file_name(principal, placement_id, "poster"))

    @get("/placements/{placement_id:str}/cards.pdf", media_type="application/pdf")
    async def cards(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response[bytes]:
        where = settings_of(request)
        content = await sharing.cards(
            principal, placement_id, where.base_url, where.zalo_mini_app_id
        )
        return pdf_response(content, await sharing.file_name(principal, placement_id, "cards"))

    @get("/polls/{poll_id:str}/posters.pdf", media_type="application/pdf")
    async def posters(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response[bytes]:
        where = settings_of(request)
        content = await sharing.posters_for_poll(
            principal, poll_id, where.base_url, where.zalo_mini_app_id
        )
        return pdf_response(content, await sharing.poll_file_name(principal, poll_id, "posters"))

    @post("/placements/{placement_id:str}/codes.pdf", guards=[requires_runner])
    async def code_sheet(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        """A sheet of new one-time codes (``sharing.code_sheet``), or back to the poll's
        placements with the reason it was not made."""
        placement = await placements.get(principal, placement_id)
        count = inputs.decimal(form_field(dict(await request.form()), "count"))
        settings = settings_of(request)
        try:
            content = await sharing.code_sheet(
                principal,
                placement_id,
                count if count is not None else 0,
                settings.base_url,
                secret=settings.secret_key,
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            flash(request, "error", error_text(error))
            return see_other(f"/console/polls/{placement.poll_id}#placements")
        return pdf_response(content, f"codes-{placement_id}.pdf", CODES_CACHE)

    @post("/placements/{placement_id:str}/publish", guards=[requires_runner])
    async def publish(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        placement = await placements.get(principal, placement_id)
        try:
            published = await telegram.publish(principal, placement_id, bot_setup(request))
        except DomainError as error:
            flash(request, "error", error_text(error))
        else:
            text = gettext("Posted to the Telegram chat %(chat)s.", chat=published.chat_id)
            flash(request, "ok", text)
        return see_other(f"/console/polls/{placement.poll_id}#placements")

    @post("/polls/{poll_id:str}/share-results")
    async def share_results(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        """Viewers may share what they may read, as in the API."""

        async def share(chat_id: str, lang: str | None) -> telegram.SharedResults:
            return await telegram.share_results(
                principal, poll_id, chat_id, lang, bot_setup(request)
            )

        return await share_from_form(
            request, share, _shared_text, f"/console/polls/{poll_id}/results#share"
        )
