"""Polls for officers (create, edit, open, close, duplicate) and results for everyone signed in."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import Provide
from litestar.params import FromQuery, JSONBody

from polls.api import presenters
from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_token,
)
from polls.api.schemas import PollCreate, PollRead, PollSummary, PollUpdate, QuestionIn, ResultsRead
from polls.services import polls, results, standing
from polls.services.polls import PollDraft, QuestionDraft, now


def question_draft(q: QuestionIn) -> QuestionDraft:
    return QuestionDraft(
        kind=q.kind,
        text=q.text,
        required=q.required,
        options=tuple(q.options),
        max_choices=q.max_choices,
        min=q.min,
        max=q.max,
        min_label=q.min_label,
        max_label=q.max_label,
        help=q.help,
        other=q.other or "",
    )


class PollController(Controller):
    path = "/api/v1/polls"
    tags = ["polls"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_polls(self, principal: CurrentPrincipal) -> list[PollSummary]:
        moment = now()
        return [presenters.poll_summary(p, moment, n) for p, n in await polls.list_polls(principal)]

    @post("/", guards=[requires_runner])
    async def create(self, principal: CurrentPrincipal, data: JSONBody[PollCreate]) -> PollRead:
        fields = msgspec.structs.asdict(data)
        fields["questions"] = tuple(question_draft(q) for q in data.questions)
        poll = await polls.create(principal, PollDraft(**fields))
        return presenters.poll(poll, now())

    @get("/{poll_id:str}")
    async def show(self, principal: CurrentPrincipal, poll_id: RowId) -> PollRead:
        poll = await polls.get(principal, poll_id)
        counts = await polls.released_counts([poll])
        return presenters.poll(poll, now(), counts.get(poll.id, 0))

    @patch("/{poll_id:str}", guards=[requires_runner])
    async def update(
        self, principal: CurrentPrincipal, poll_id: RowId, data: JSONBody[PollUpdate]
    ) -> PollRead:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "questions" in changes:
            changes["questions"] = tuple(question_draft(q) for q in changes["questions"])
        return presenters.poll(await polls.update(principal, poll_id, changes), now())

    @post("/{poll_id:str}/open", guards=[requires_runner], status_code=200)
    async def open_poll(self, principal: CurrentPrincipal, poll_id: RowId) -> PollRead:
        return presenters.poll(await polls.open_poll(principal, poll_id), now())

    @post("/{poll_id:str}/close", guards=[requires_runner], status_code=200)
    async def close_poll(self, principal: CurrentPrincipal, poll_id: RowId) -> PollRead:
        return presenters.poll(await polls.close_poll(principal, poll_id), now())

    @post("/{poll_id:str}/reopen", guards=[requires_runner], status_code=200)
    async def reopen_poll(self, principal: CurrentPrincipal, poll_id: RowId) -> PollRead:
        """Open a poll closed by hand again, once, before its closing time. Duplicate keys
        were destroyed at the close: repeats across it cannot be checked."""
        return presenters.poll(await polls.reopen_poll(principal, poll_id), now())

    @delete("/{poll_id:str}", guards=[requires_runner], status_code=204)
    async def delete_draft(self, principal: CurrentPrincipal, poll_id: RowId) -> None:
        """Delete a draft (never answered). A poll that has been open is archived instead."""
        await polls.delete_draft(principal, poll_id)

    @post("/{poll_id:str}/archive", guards=[requires_runner], status_code=200)
    async def archive(self, principal: CurrentPrincipal, poll_id: RowId) -> PollRead:
        """Hide a poll that is not running from the lists; its results and trends stay."""
        return presenters.poll(await polls.set_archived(principal, poll_id, True), now())

    @post("/{poll_id:str}/unarchive", guards=[requires_runner], status_code=200)
    async def unarchive(self, principal: CurrentPrincipal, poll_id: RowId) -> PollRead:
        return presenters.poll(await polls.set_archived(principal, poll_id, False), now())

    @post("/{poll_id:str}/duplicate", guards=[requires_runner], status_code=201)
    async def duplicate(self, principal: CurrentPrincipal, poll_id: RowId) -> PollRead:
        return presenters.poll(await standing.duplicate_wave(principal, poll_id), now())

    @get("/{poll_id:str}/results")
    async def results(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        by: FromQuery[Literal["placement", "unit", "channel"] | None] = None,
    ) -> ResultsRead:
        """Counts per question and, with ``by``, per segment; groups smaller than the poll's
        minimum are marked suppressed and carry no counts."""
        return presenters.results(await results.results(principal, poll_id, by))
