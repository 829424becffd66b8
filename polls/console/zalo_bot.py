"""The console's Zalo Bot actions: posting a placement's poll to its Zalo group, and sending
a poll's charts to a Zalo group (leadership's); each comes back to its page with a message
saying what happened, and where Zalo's group support is still in beta."""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from litestar.di import Provide

from polls.api.controllers.zalo_bot import bot_setup
from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_session,
)
from polls.console.chat_shares import share_from_form, shared_text
from polls.console.pages import error_text, flash, see_other
from polls.errors import DomainError
from polls.i18n import gettext, ngettext
from polls.services import placements, zalo_bot

ZALO_FLASH = "zalo_flash"
"""The results page shows the Zalo share's message on its own card."""


def zalo_bot_ready(request: Request) -> bool:
    """Whether this server has a Zalo Bot: the pages say so instead of offering a failure."""
    return bot_setup(request).bot is not None


def _shared_text(shared: zalo_bot.Shared) -> str:
    not_yet = gettext(
        "Results are not shown yet, so no chart was sent: the Zalo group %(chat)s was told "
        "from how many responses they appear.",
        chat=shared.chat_id,
    )
    sent = ngettext(
        "Sent %(n)s chart to the Zalo group %(chat)s.",
        "Sent %(n)s charts to the Zalo group %(chat)s.",
        shared.charts,
        n=shared.charts,
        chat=shared.chat_id,
    )
    return shared_text(shared.charts, not_yet, sent, shared.stopped)


class ZaloBotPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/placements/{placement_id:str}/zalo-post", guards=[requires_runner])
    async def post_invitation(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        placement = await placements.get(principal, placement_id)
        try:
            posted = await zalo_bot.post_invitation(principal, placement_id, bot_setup(request))
        except DomainError as error:
            flash(request, "error", error_text(error))
        else:
            text = gettext("Posted to the Zalo group %(chat)s.", chat=posted.chat_id)
            flash(request, "ok", f"{text} {gettext(zalo_bot.GROUPS_BETA)}")
        return see_other(f"/console/polls/{placement.poll_id}#placements")

    @post("/polls/{poll_id:str}/zalo-share-results")
    async def share_results(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        """Viewers may share what they may read, as in the API."""

        async def share(chat_id: str, lang: str | None) -> zalo_bot.Shared:
            return await zalo_bot.share_results(
                principal, poll_id, chat_id, lang, bot_setup(request)
            )

        return await share_from_form(
            request,
            share,
            _shared_text,
            f"/console/polls/{poll_id}/results#zalo-share",
            key=ZALO_FLASH,
        )
