"""A poll's results poster in the console (``polls.services.result_posters``): the officer
drafts it, the unit's leadership approves it, either gives it a public link; its files are
downloaded as drafts (marked) until approved. Every change comes back to the page with a
message, or with the form's errors (422) and nothing stored."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath

from polls.api.controllers.result_posters import poster_file
from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_session,
)
from polls.console.pages import error_text, flash, page, see_other, take_flash
from polls.errors import DomainError, Forbidden, InvalidInput, NotFound
from polls.i18n import gettext
from polls.inputs import row_id
from polls.models import Principal
from polls.services import result_posters
from polls.services.polls import now
from polls.sharing.result_sheets import SHOWN_AS
from polls.web import settings_of

NOT_SHOWN = "none"


def _text(form: dict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def read_form(poster: result_posters.ResultsPoster, form: dict) -> result_posters.PosterDraft:
    """The questions in the poll's order, each ``show_{id}`` chart, sentence or not shown
    (anything else is "not shown"); where the QR code leads: ``none``, ``box`` (the unit's
    question box) or a placement's id."""
    choices = tuple(
        result_posters.Choice(q.id, _text(form, f"show_{q.id}"))
        for q in poster.poll.questions
        if q.kind != "text" and _text(form, f"show_{q.id}") in SHOWN_AS
    )
    qr = _text(form, "qr")
    text = _text(form, "response_text")
    if qr in (NOT_SHOWN, ""):
        return result_posters.PosterDraft(choices, text, None, result_posters.QR_NONE)
    if qr == result_posters.QR_BOX:
        return result_posters.PosterDraft(choices, text, None, result_posters.QR_BOX)
    # an id that cannot be a row's is 0: no placement has it, so it is refused as one
    placement = row_id(qr) or 0
    return result_posters.PosterDraft(choices, text, placement, result_posters.QR_PLACEMENT)


async def _page(
    request: Request,
    principal: Principal,
    poll_id: int,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    poster = await result_posters.get(principal, poll_id)
    shown = {c.question_id: c.shown_as for c in poster.choices}
    base = settings_of(request).base_url.rstrip("/")
    return page(
        "results_poster.html",
        principal,
        status=status,
        poll=poster.poll,
        poster=poster,
        shown=shown,
        typed=typed,
        errors={key: gettext(message) for key, message in (errors or {}).items()},
        waves=await result_posters.next_waves(poster.poll),
        can_approve=result_posters.can_approve(principal, poster.poll),
        public_url=f"{base}{result_posters.public_path(poster.token)}" if poster.token else "",
        flash=take_flash(request),
    )


def _back(poll_id: int) -> Response:
    return see_other(f"/console/polls/{poll_id}/results-poster")


class ResultPosterPages(Controller):
    path = "/console/polls/{poll_id:str}/results-poster"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def show(self, request: Request, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        return await _page(request, principal, poll_id)

    @post("/", guards=[requires_runner])
    async def save(self, request: Request, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        form = dict(await request.form())
        poster = await result_posters.get(principal, poll_id)
        typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "_csrf_token"}
        try:
            await result_posters.save(principal, poll_id, read_form(poster, form), now=now())
        except InvalidInput as error:
            return await _page(
                request, principal, poll_id, typed=typed, errors=error.errors, status=422
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            flash(request, "error", error_text(error))
            return _back(poll_id)
        flash(request, "ok", gettext("The results poster is saved. It needs approval to print."))
        return _back(poll_id)

    @post("/approve")
    async def approve(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        try:
            await result_posters.approve(principal, poll_id, now=now())
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            flash(request, "error", error_text(error))
            return _back(poll_id)
        flash(request, "ok", gettext("The results poster is approved and ready to print."))
        return _back(poll_id)

    @post("/link")
    async def link(self, request: Request, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        """``action`` ``publish``: a new public link (the old one stops working);
        anything else: no public link."""
        publish = _text(dict(await request.form()), "action") == "publish"
        try:
            await result_posters.set_link(principal, poll_id, publish=publish)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            flash(request, "error", error_text(error))
            return _back(poll_id)
        flash(
            request,
            "ok",
            gettext("A new public link is made; an older one no longer works.")
            if publish
            else gettext("The public link no longer works."),
        )
        return _back(poll_id)

    @get("/{name:str}", media_type="application/pdf")
    async def download(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId, name: FromPath[str]
    ) -> Response[bytes]:
        return await poster_file(request, principal, poll_id, name)
