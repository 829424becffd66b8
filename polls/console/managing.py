"""The console's pages for a poll past its draft: safe edits of an open poll, closing with a
confirmation step, reopening once, archiving, deleting a draft; and a placement's label and
kind. Every confirmation is a page of its own, so all of it works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide

from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_session,
)
from polls.console.drafting import form_for_poll, moment_field
from polls.console.pages import error_text, flash, page, see_other
from polls.errors import N_, Conflict, InvalidInput
from polls.i18n import gettext
from polls.models import Poll, Principal
from polls.services import amending, placements, polls
from polls.services.polls import now


def _text(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value.replace("\r\n", "\n") if isinstance(value, str) else None


def read_amendment(poll: Poll, form: Mapping[str, Any]) -> tuple[amending.Amendment, dict]:
    """The safe-edit form (``title``, ..., ``t{question id}``, ``h{question id}`` for its
    help, ``o{option id}``)."""
    errors: dict[str, str] = {}
    closes = (_text(form, "closes_at") or "").strip()
    size_text = (_text(form, "min_group_size") or "").strip()
    size = int(size_text) if size_text.isascii() and size_text.isdigit() else None
    if size_text and size is None:
        errors["min_group_size"] = N_("The minimum group size is between 3 and 1,000.")
    texts = {q.id: text for q in poll.questions if (text := _text(form, f"t{q.id}")) is not None}
    helps = {q.id: help for q in poll.questions if (help := _text(form, f"h{q.id}")) is not None}
    labels = {
        o.id: label
        for q in poll.questions
        for o in q.options
        if (label := _text(form, f"o{o.id}")) is not None
    }
    amendment = amending.Amendment(
        title=_text(form, "title"),
        description=_text(form, "description"),
        closes_at=moment_field(closes, "closes_at", errors),
        clear_closes_at=not closes,
        publish_results="publish_results" in form,
        min_group_size=size,
        question_texts=texts,
        option_labels=labels,
        question_helps=helps,
    )
    return amendment, errors


def _amend_page(
    principal: Principal,
    poll: Poll,
    *,
    typed: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    form = form_for_poll(poll)
    return page(
        "amend.html",
        principal,
        status=status,
        poll=poll,
        form=form,
        typed=typed or {},
        errors={
            key: message if key == "form" else gettext(message)
            for key, message in (errors or {}).items()
        },
    )


async def amend_form(principal: Principal, poll: Poll) -> Response:
    return _amend_page(principal, poll)


async def amend(principal: Principal, poll: Poll, request: Request) -> Response:
    submitted = await request.form()
    if "blocks" in submitted:  # the draft editor's form, sent to a poll opened meanwhile
        raise Conflict(
            N_("Only a draft can change its questions; duplicate the poll to make a new draft.")
        )
    amendment, errors = read_amendment(poll, submitted)
    typed = {key: value for key, value in submitted.items() if isinstance(value, str)}
    try:
        if errors:
            raise InvalidInput(errors)
        await amending.amend(principal, poll.id, amendment)
    except InvalidInput as error:
        return _amend_page(principal, poll, typed=typed, errors=error.errors, status=422)
    except Conflict as error:
        return _amend_page(
            principal, poll, typed=typed, errors={"form": error_text(error)}, status=409
        )
    flash(request, "ok", gettext("Saved. The change is recorded in the poll's history."))
    return see_other(f"/console/polls/{poll.id}")


async def _confirmation(
    principal: Principal, poll_id: int, action: Literal["close", "reopen", "delete"]
) -> Response:
    """The page that asks before closing, reopening or deleting a poll (one template, one
    wording per action); only whoever may change the poll sees it. The reopen page says
    whether a reopen is still possible."""
    poll = await polls.get_for_change(principal, poll_id)
    possible = polls.can_reopen(poll, now())
    return page("confirm.html", principal, poll=poll, action=action, possible=possible)


def _done(request: Request, text: str, to: str) -> Response:
    flash(request, "ok", text)
    return see_other(to)


class ManagingPages(Controller):
    path = "/console"
    include_in_schema = False
    guards = [requires_session, requires_runner]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/polls/{poll_id:str}/close")
    async def confirm_close(self, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        return await _confirmation(principal, poll_id, "close")

    @post("/polls/{poll_id:str}/close")
    async def close_poll(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        """Closes only from the confirmation page (``confirm``); otherwise goes there."""
        await polls.get_for_change(principal, poll_id)
        if (await request.form()).get("confirm") != "close":
            return see_other(f"/console/polls/{poll_id}/close")
        await polls.close_poll(principal, poll_id)
        return see_other(f"/console/polls/{poll_id}")

    @get("/polls/{poll_id:str}/reopen")
    async def confirm_reopen(self, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        return await _confirmation(principal, poll_id, "reopen")

    @post("/polls/{poll_id:str}/reopen")
    async def reopen(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        await polls.reopen_poll(principal, poll_id)
        return _done(request, gettext("The poll is open again."), f"/console/polls/{poll_id}")

    @get("/polls/{poll_id:str}/delete")
    async def confirm_delete(self, principal: CurrentPrincipal, poll_id: RowId) -> Response:
        return await _confirmation(principal, poll_id, "delete")

    @post("/polls/{poll_id:str}/delete")
    async def delete(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        await polls.delete_draft(principal, poll_id)
        return _done(request, gettext("The draft was deleted."), "/console")

    @post("/polls/{poll_id:str}/archive")
    async def archive(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        await polls.set_archived(principal, poll_id, True)
        return _done(
            request,
            gettext("The poll was archived: hidden from the list, its results and trends kept."),
            f"/console/polls/{poll_id}",
        )

    @post("/polls/{poll_id:str}/unarchive")
    async def unarchive(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> Response:
        await polls.set_archived(principal, poll_id, False)
        return _done(request, gettext("The poll is back in the list."), f"/console/polls/{poll_id}")

    @get("/placements/{placement_id:str}/edit")
    async def edit_placement(self, principal: CurrentPrincipal, placement_id: RowId) -> Response:
        placement = await placements.get(principal, placement_id)
        poll = await polls.get_for_change(principal, placement.poll_id)
        return page(
            "placement.html",
            principal,
            poll=poll,
            placement=placement,
            typed={"label": placement.label, "kind": placement.kind},
            errors={},
        )

    @post("/placements/{placement_id:str}/edit")
    async def change_placement(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        placement = await placements.get(principal, placement_id)
        form = await request.form()
        typed = {
            name: value.strip() if isinstance(value := form.get(name), str) else ""
            for name in ("label", "kind")
        }
        try:
            await placements.change(principal, placement_id, **typed)
        except InvalidInput as error:
            poll = await polls.get_for_change(principal, placement.poll_id)
            return page(
                "placement.html",
                principal,
                status=422,
                poll=poll,
                placement=placement,
                typed=typed,
                errors={key: gettext(message) for key, message in error.errors.items()},
            )
        return see_other(f"/console/polls/{placement.poll_id}#placements")

    @post("/placements/{placement_id:str}/delete")
    async def delete_placement(
        self, request: Request, principal: CurrentPrincipal, placement_id: RowId
    ) -> Response:
        try:
            placement = await placements.delete(principal, placement_id)
        except Conflict as error:
            found = await placements.get(principal, placement_id)
            flash(request, "error", error_text(error))
            return see_other(f"/console/polls/{found.poll_id}#placements")
        flash(request, "ok", gettext("The placement %(place)s was deleted.", place=placement.label))
        return see_other(f"/console/polls/{placement.poll_id}#placements")
