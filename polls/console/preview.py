"""A poll previewed as the worker will see it: the console page with a phone-sized or full
frame, and inside it the worker's own form template in either language and every state
(the blank form, the form with its errors, the thank-you page).

Answers given in a preview are checked by the same rules as the real form
(``polls.forms.kinds.parse_answers``) and then dropped: nothing is written, no placement's
visits are counted, no duplicate key is made. The frame's own address carries ``locale``
rather than ``lang``, so switching the previewed language leaves the console's alone."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from polls.api.guards import CurrentPrincipal, RowId, provide_principal, requires_session
from polls.console.pages import page
from polls.forms.kinds import parse_answers
from polls.forms.pages import Kept, Preview, preview_form, read_answers, thanks_message
from polls.i18n import LOCALES, get_locale, gettext, set_locale
from polls.models import Poll
from polls.services import placements, polls
from polls.services.submission import OTHER_SUFFIX
from polls.web import security_headers

Size = Literal["phone", "full"]
View = Literal["form", "error", "thanks"]

FRAME_HEADERS = {**security_headers(frame_ancestors="'self'"), "Cache-Control": "no-store"}
"""The framed form may be framed by the console's own preview page only."""


def _frame_path(poll_id: int, **query: str) -> str:
    return f"/console/polls/{poll_id}/preview/form?{urlencode(query)}"


async def _preview(poll: Poll, locale: str) -> Preview:
    code = await placements.first_code(poll.id)
    return Preview(
        action=_frame_path(poll.id, locale=locale),
        language_href=_frame_path(poll.id, view="form") + "&locale={locale}",
        privacy_href=f"/p/{code}/privacy" if code else "/privacy",
    )


def _speak(locale: str | None) -> str:
    """The previewed language: asked for, else the poll's reader's current one."""
    chosen = locale if locale in LOCALES else get_locale()
    set_locale(chosen)
    return chosen


class PreviewPages(Controller):
    path = "/console/polls/{poll_id:str}/preview"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def show(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        size: FromQuery[Size] = "phone",
        locale: FromQuery[str | None] = None,
        view: FromQuery[View] = "form",
    ) -> Response:
        poll = await polls.get(principal, poll_id)
        shown = locale if locale in LOCALES else poll.language
        return page(
            "preview.html",
            principal,
            poll=poll,
            size=size,
            locale=shown,
            view=view,
            locales=LOCALES,
            frame=_frame_path(poll.id, locale=shown, view=view),
        )

    @get("/form")
    async def frame(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        locale: FromQuery[str | None] = None,
        view: FromQuery[View] = "form",
    ) -> Template:
        poll = await polls.get(principal, poll_id)
        chosen = _speak(locale)
        if view == "thanks":
            return thanks_message(poll, headers=FRAME_HEADERS)
        errors = _messages(poll, {}) if view == "error" else {}
        return preview_form(poll, await _preview(poll, chosen), {}, errors, headers=FRAME_HEADERS)

    @post("/form")
    async def answer(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        locale: FromQuery[str | None] = None,
    ) -> Response:
        """Check the answers like the real form does, keep none of them."""
        poll = await polls.get(principal, poll_id)
        chosen = _speak(locale)
        _, kept = read_answers(await request.form())
        errors = _messages(poll, kept)
        if errors:
            preview = await _preview(poll, chosen)
            return preview_form(poll, preview, kept, errors, status=422, headers=FRAME_HEADERS)
        return Redirect(
            path=_frame_path(poll.id, locale=chosen, view="thanks"),
            status_code=303,
            headers=FRAME_HEADERS,
        )


def _messages(poll: Poll, kept: Kept) -> dict[int, str]:
    """The form's own error messages for ``kept`` (an empty form: every required one)."""
    others = {
        q.id: kept[f"{q.id}{OTHER_SUFFIX}"]
        for q in poll.questions
        if f"{q.id}{OTHER_SUFFIX}" in kept
    }
    values = {key: value for key, value in kept.items() if isinstance(key, int)}
    _, errors = parse_answers(poll.questions, values, others)
    return {question: gettext(message, params) for question, (message, params) in errors.items()}
