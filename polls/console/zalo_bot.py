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
from polls.console.pages import error_text, flash, see_other
from polls.errors import DomainError, Forbidden, NotFound
from polls.i18n import gettext, ngettext
from polls.services import placements, zalo_bot

ZALO_FLASH = "zalo_flash"
"""The results page shows the Zalo share's message on its own card."""


def zalo_bot_ready(request: Request) -> bool:
    """Whether this server has a Zalo Bot: the pages say so instead of offering a failure."""
    return bot_setup(request).bot is not None


def _field(form: dict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _shared_text(shared: zalo_bot.Shared) -> str:
    if not shared.charts:
        return gettext(
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
    if shared.stopped:
        return f"{sent} {gettext('The rest was not sent:')} {gettext(shared.stopped)}"
    return sent


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
        form = dict(await request.form())
        try:
            shared = await zalo_bot.share_results(
                principal,
                poll_id,
                _field(form, "chat_id"),
                _field(form, "lang") or None,
                bot_setup(request),
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            flash(request, "error", error_text(error), key=ZALO_FLASH)
        else:
            flash(
                request, "error" if shared.stopped else "ok", _shared_text(shared), key=ZALO_FLASH
            )
        return see_other(f"/console/polls/{poll_id}/results#zalo-share")
