"""The console's poll pages: the list, the editor, a poll with its placements, and results.

Every page needs a session; changes also need a role that runs polls (viewers read only).
The services check the unit subtree, so a poll of another subtree is simply not found."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery

from polls import disclosure
from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_session,
)
from polls.console import drafting, managing, starters
from polls.console.labels import PLACEMENT_KINDS
from polls.console.pages import error_text, flash, page, see_other, take_flash
from polls.console.sharing import telegram_actions
from polls.console.zalo_bot import ZALO_FLASH, zalo_bot_ready
from polls.errors import N_, Conflict, InvalidInput
from polls.i18n import gettext
from polls.models import OpensIn, Poll, PollStatus, Principal
from polls.services import (
    amending,
    overviews,
    placements,
    polls,
    question_box,
    renders,
    standing,
    units,
)
from polls.services.polls import check_draft, now
from polls.sharing import links
from polls.web import file_response, settings_of

Breakdown = Literal["placement", "unit", "channel"]


def _translated(errors: dict[str, str]) -> dict[str, str]:
    return {key: gettext(message) for key, message in errors.items()}


async def _editor(
    principal: Principal,
    form: drafting.DraftForm,
    *,
    poll_id: int | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    starting: bool = False,
    starter: str | None = None,
) -> Response:
    """The editor; ``starting`` a new poll's first page, which offers the templates."""
    return page(
        "edit.html",
        principal,
        status=status,
        starters=starters.STARTERS.values() if starting else (),
        starter=starters.STARTERS.get(starter or ""),
        form=form,
        poll_id=poll_id,
        blank_block=drafting.QuestionBlock(),
        max_questions=polls.MAX_QUESTIONS,
        units=await units.visible_units(principal),
        errors=_translated(errors or {}),
    )


async def _save(principal: Principal, request: Request, poll_id: int | None) -> Response:
    """Create or update from the editor form; on any field error, the form comes back as typed."""
    submitted = await request.form()
    form = drafting.read_form(submitted)
    if "more" in submitted:
        return await _editor(principal, form.with_room(), poll_id=poll_id)
    action = submitted.get("action")
    if isinstance(action, str) and action:
        # a button of the editor without JavaScript: the form comes back changed, unsaved
        return await _editor(principal, drafting.apply_action(form, action), poll_id=poll_id)
    parsed = drafting.to_draft(form)
    try:
        if parsed.errors:
            raise InvalidInput({**check_draft(parsed.draft), **parsed.errors})
        if poll_id is None:
            poll = await polls.create(principal, parsed.draft)
        else:
            poll = await polls.update(principal, poll_id, drafting.changes_for_update(parsed.draft))
    except InvalidInput as error:
        errors = drafting.form_errors(error.errors, parsed.positions)
        return await _editor(
            principal, form.with_one_block(), poll_id=poll_id, errors=errors, status=422
        )
    return see_other(f"/console/polls/{poll.id}")


class PollPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def index(
        self, request: Request, principal: CurrentPrincipal, archived: FromQuery[bool] = False
    ) -> Response:
        return page(
            "list.html",
            principal,
            archived=archived,
            polls=await polls.list_polls(principal, archived=archived),
            box_overdue=await question_box.overdue_in_scope(principal, now()),
            now=now(),
            flash=take_flash(request),
        )

    @get("/polls")
    async def list_alias(self) -> Response:
        return see_other("/console")

    @get("/polls/new", guards=[requires_runner])
    async def new(
        self,
        principal: CurrentPrincipal,
        template: FromQuery[str | None] = None,
        language: FromQuery[str | None] = None,
    ) -> Response:
        """A blank editor, or one filled by a template in the poll language asked for
        (``?template=safety&language=en``): nothing is stored until it is saved."""
        form = drafting.DraftForm().with_one_block()
        if template is not None:
            form = drafting.form_for_draft(starters.draft_of(template, language or "vi"))
        return await _editor(principal, form, poll_id=None, starting=True, starter=template)

    @post("/polls/new", guards=[requires_runner])
    async def create(self, request: Request, principal: CurrentPrincipal) -> Response:
        return await _save(principal, request, None)

    @get("/polls/{poll_id:str}")
    async def show(self, request: Request, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        return await _poll_page(request, principal, poll_id)

    @get("/polls/{poll_id:str}/edit", guards=[requires_runner])
    async def edit(self, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        poll = await _editable(principal, poll_id)
        if poll.status != PollStatus.DRAFT:
            return await managing.amend_form(principal, poll)
        return await _editor(principal, drafting.form_for_poll(poll), poll_id=poll.id)

    @post("/polls/{poll_id:str}/edit", guards=[requires_runner])
    async def update(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        poll = await _editable(principal, poll_id)
        if poll.status != PollStatus.DRAFT:
            return await managing.amend(principal, poll, request)
        return await _save(principal, request, poll_id)

    @post("/polls/{poll_id:str}/open", guards=[requires_runner])
    async def open_poll(self, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        await polls.open_poll(principal, poll_id)
        return see_other(f"/console/polls/{poll_id}")

    @post("/polls/{poll_id:str}/duplicate", guards=[requires_runner])
    async def duplicate(self, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        copy = await standing.duplicate_wave(principal, poll_id)
        return see_other(f"/console/polls/{copy.id}/edit")

    @post("/polls/{poll_id:str}/placements", guards=[requires_runner])
    async def add_placement(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        form = await request.form()
        typed = {
            name: value.strip() if isinstance(value := form.get(name), str) else ""
            for name in ("label", "kind", "unit", "chat_id", "opens_in")
        }
        try:
            await placements.add(
                principal,
                poll_id,
                label=typed["label"],
                kind=typed["kind"],
                unit_slug=typed["unit"] or None,
                chat_id=(typed["chat_id"] or None)
                if typed["kind"] in ("telegram", "zalo")
                else None,
                opens_in=typed["opens_in"] or OpensIn.WEB.value,
                mini_app_id=settings_of(request).zalo_mini_app_id,
            )
        except InvalidInput as error:
            return await _poll_page(
                request, principal, poll_id, typed=typed, errors=error.errors, status=422
            )
        return see_other(f"/console/polls/{poll_id}#placements")

    @post("/placements/{placement_id:str}/opens-in", guards=[requires_runner])
    async def choose_opens_in(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        """Switch a placement between the web form and the Zalo Mini App."""
        form = await request.form()
        chosen = form.get("opens_in")
        placement = await placements.get(principal, placement_id)
        try:
            await placements.choose_opens_in(
                principal,
                placement_id,
                chosen if isinstance(chosen, str) else "",
                settings_of(request).zalo_mini_app_id,
            )
        except InvalidInput as error:
            flash(request, "error", error_text(error))
        return see_other(f"/console/polls/{placement.poll_id}#placements")

    @get("/polls/{poll_id:str}/results")
    async def results(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        by: FromQuery[str | None] = None,
    ) -> Response:
        overview = await overviews.results_overview(principal, poll_id, by or None)
        return page(
            "results.html",
            principal,
            overview=overview,
            edits=await amending.history(poll_id),
            by=by or None,
            flash=take_flash(request),
            telegram=telegram_actions(request),
            zalo_bot=zalo_bot_ready(request),
            zalo_flash=take_flash(request, ZALO_FLASH),
        )

    @get("/polls/{poll_id:str}/charts/{name:str}")
    async def chart(
        self,
        principal: CurrentPrincipal,
        poll_id: RowId,
        name: FromPath[str],
        by: FromQuery[Breakdown | None] = None,
    ) -> Response[bytes]:
        return file_response(await renders.chart(principal, poll_id, name, by))

    @get("/polls/{poll_id:str}/trends/{name:str}")
    async def trend(
        self, principal: CurrentPrincipal, poll_id: RowId, name: FromPath[str]
    ) -> Response[bytes]:
        """A question of this poll across its series (``{position}.svg``)."""
        poll = await polls.get(principal, poll_id)
        return file_response(await renders.trend_chart(principal, poll.series, name, poll.id))

    @get("/polls/{poll_id:str}/report.pdf")
    async def report(
        self,
        principal: CurrentPrincipal,
        poll_id: RowId,
        by: FromQuery[Breakdown | None] = None,
    ) -> Response[bytes]:
        return file_response(await renders.report(principal, poll_id, by or "placement"))

    @get("/polls/{poll_id:str}/export.csv")
    async def export_csv(
        self,
        principal: CurrentPrincipal,
        poll_id: RowId,
        kind: FromQuery[Literal["responses", "summary"]] = "summary",
        by: FromQuery[Breakdown | None] = None,
    ) -> Response[bytes]:
        return file_response(await renders.export(principal, poll_id, "csv", kind, by))

    @get("/polls/{poll_id:str}/export.xlsx")
    async def export_xlsx(
        self,
        principal: CurrentPrincipal,
        poll_id: RowId,
        kind: FromQuery[Literal["responses", "summary"]] = "summary",
        by: FromQuery[Breakdown | None] = None,
    ) -> Response[bytes]:
        return file_response(await renders.export(principal, poll_id, "xlsx", kind, by))


async def _editable(principal: Principal, poll_id: int) -> Poll:
    """A poll whose editor may open: a draft (everything), or an open or scheduled poll
    (its safe edits); a closed one changes no more."""
    poll = await polls.get_for_change(principal, poll_id)
    if poll.effective_status(now()) == PollStatus.CLOSED:
        raise Conflict(
            N_("This poll has closed and can no longer change; duplicate it to make a new draft.")
        )
    return poll


async def _poll_page(
    request: Request,
    principal: Principal,
    poll_id: int,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    overview = await overviews.poll_overview(principal, poll_id)
    mini_app_id = settings_of(request).zalo_mini_app_id
    return page(
        "poll.html",
        principal,
        status=status,
        overview=overview,
        poll_status=overview.poll.effective_status(now()).value,
        base_url=settings_of(request).base_url.rstrip("/"),
        mini_app_id=mini_app_id,
        mini_app_links={p.id: links.mini_app_link(mini_app_id, p.code) for p in overview.placements}
        if mini_app_id
        else {},
        typed=typed
        or {"label": "", "kind": "canteen", "unit": "", "chat_id": "", "opens_in": "web"},
        errors=_translated(errors or {}),
        flash=take_flash(request),
        telegram=telegram_actions(request),
        zalo_bot=zalo_bot_ready(request),
        min_visits=disclosure.MIN_VISITS_FOR_RATE,
        reopenable=polls.can_reopen(overview.poll, now()),
        edits=await amending.history(poll_id),
        standings=await standing.for_series(principal, poll_id),
        standing_kinds={
            k: v for k, v in PLACEMENT_KINDS.items() if k not in standing.NOT_STANDING_KINDS
        },
        standing_flash=take_flash(request, "standing"),
    )
