"""The officer's question box queue (``polls.services.question_box``): the items of the
officer's subtree with their clocks, one item's thread and the actions on it. Leadership
(viewers) read; officers and admins act, each action a plain form with the CSRF token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery

from polls.analytics.describe import suppressed
from polls.api.guards import CurrentPrincipal, provide_principal, requires_runner, requires_session
from polls.console.pages import error_text, flash, page, see_other, take_flash
from polls.errors import N_, DomainError, NotFound
from polls.i18n import gettext
from polls.models import Principal
from polls.services import question_box as box
from polls.services.polls import now
from polls.sharing.links import box_link
from polls.web import file_response, settings_of

QUEUE = "/console/hoi"

CLOCK_LABELS = {
    box.ClockState.ON_TIME: N_("Within 24 h"),
    box.ClockState.DUE: N_("Due: past 24 h"),
    box.ClockState.OVERDUE: N_("Overdue: past 48 h"),
    box.ClockState.FOLLOW_UP: N_("New message from the asker"),
    box.ClockState.ANSWERED: N_("Replied"),
    box.ClockState.HANDLED: N_("Handled"),
}
ACTION_LABELS = {
    "assign": N_("Assigned to"),
    "reply": N_("Replied"),
    "handle": N_("Marked handled"),
    "escalate": N_("Escalated to"),
    "hide": N_("Hid a message"),
    "publish": N_("Published the answer"),
    "flag": N_("Flagged as overdue to the leaders' Zalo group"),
}
DONE = {
    "assign": N_("The question is assigned."),
    "reply": N_("Your reply is sent: the worker reads it with the follow-up code."),
    "handle": N_("The question is marked handled."),
    "escalate": N_("The question is passed to the higher level; its clock carries on."),
    "hide": N_("The message is hidden; its text and your reason are kept."),
    "publish": N_("The edited answer is on the unit's public page."),
}


def _labels() -> dict[str, Any]:
    return {
        "topics": box.TOPIC_LABELS,
        "clock_labels": CLOCK_LABELS,
        "action_labels": ACTION_LABELS,
        "boards": box.BOARDS,
    }


Action = Callable[[Principal, int, dict[str, str]], Awaitable[object]]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {
        key: value.replace("\r\n", "\n") for key in form if isinstance(value := form.get(key), str)
    }


class QuestionBoxConsole(Controller):
    path = QUEUE
    include_in_schema = False
    guards = [requires_session]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def queue(
        self, request: Request, principal: CurrentPrincipal, sort: FromQuery[str] = "clock"
    ) -> Response:
        chosen = sort if sort in box.SORTS else "clock"
        items = await box.queue(principal, now=now(), sort=chosen)
        base = settings_of(request).base_url
        return page(
            "box_queue.html",
            principal,
            items=items,
            sort=chosen,
            sorts=box.SORTS,
            overdue=box.overdue_count(items),
            box_link=box_link(base, principal_slug := await box.unit_slug(principal)),
            box_slug=principal_slug,
            flash=take_flash(request),
            **_labels(),
        )

    @get("/so-lieu")
    async def numbers(self, principal: CurrentPrincipal) -> Response:
        """Leadership's numbers: questions per month by topic and unit, reply times."""
        shown = await box.leadership_numbers(principal, now=now())
        return page(
            "box_numbers.html",
            principal,
            numbers=shown,
            hidden=suppressed(shown.min_group_size),
            **_labels(),
        )

    @get("/so-lieu.png")
    async def numbers_chart(self, principal: CurrentPrincipal) -> Response[bytes]:
        return Response(
            await box.reply_chart(principal, now=now()),
            media_type="image/png",
            headers={"Cache-Control": "no-store"},
        )

    @get("/so-lieu.pdf")
    async def numbers_report(
        self, principal: CurrentPrincipal, unit: FromQuery[str | None] = None
    ) -> Response[bytes]:
        """The numbers as the unit's PDF report, for a meeting (``unit``: a unit of one's
        subtree; one's own unless told)."""
        return file_response(await box.numbers_report(principal, unit, now=now()))

    @get("/{item_id:str}")
    async def item(
        self, request: Request, principal: CurrentPrincipal, item_id: FromPath[str]
    ) -> Response:
        shown = await box.item(principal, box.item_number(item_id), now=now())
        return page(
            "box_item.html",
            principal,
            item=shown,
            flash=take_flash(request),
            **_labels(),
        )

    async def _act(
        self, request: Request, principal: Principal, item_id: str, action: str, run: Action
    ) -> Response:
        number = box.item_number(item_id)
        form = await _form(request)
        try:
            await run(principal, number, form)
        except NotFound:
            raise
        except DomainError as error:
            if error.status_code == 403:
                raise
            flash(request, "error", error_text(error))
            return see_other(f"{QUEUE}/{number}")
        flash(request, "ok", gettext(DONE[action]))
        if action == "escalate" and not await box.in_scope(principal, number):
            return see_other(QUEUE)
        return see_other(f"{QUEUE}/{number}")

    @post("/{item_id:str}/assign", guards=[requires_runner])
    async def assign(
        self, request: Request, principal: CurrentPrincipal, item_id: FromPath[str]
    ) -> Response:
        async def run(p: Principal, number: int, form: dict[str, str]) -> None:
            await box.assign(p, number, form.get("assignee"), now=now())

        return await self._act(request, principal, item_id, "assign", run)

    @post("/{item_id:str}/reply", guards=[requires_runner])
    async def reply(
        self, request: Request, principal: CurrentPrincipal, item_id: FromPath[str]
    ) -> Response:
        async def run(p: Principal, number: int, form: dict[str, str]) -> None:
            await box.reply(p, number, form.get("text"), now=now())

        return await self._act(request, principal, item_id, "reply", run)

    @post("/{item_id:str}/handle", guards=[requires_runner])
    async def handle(
        self, request: Request, principal: CurrentPrincipal, item_id: FromPath[str]
    ) -> Response:
        async def run(p: Principal, number: int, form: dict[str, str]) -> None:
            await box.mark_handled(p, number, now=now())

        return await self._act(request, principal, item_id, "handle", run)

    @post("/{item_id:str}/escalate", guards=[requires_runner])
    async def escalate(
        self, request: Request, principal: CurrentPrincipal, item_id: FromPath[str]
    ) -> Response:
        async def run(p: Principal, number: int, form: dict[str, str]) -> None:
            await box.escalate(p, number, now=now())

        return await self._act(request, principal, item_id, "escalate", run)

    @post("/{item_id:str}/hide", guards=[requires_runner])
    async def hide(
        self, request: Request, principal: CurrentPrincipal, item_id: FromPath[str]
    ) -> Response:
        async def run(p: Principal, number: int, form: dict[str, str]) -> None:
            await box.hide(p, number, form.get("position"), form.get("reason"), now=now())

        return await self._act(request, principal, item_id, "hide", run)

    @post("/{item_id:str}/publish", guards=[requires_runner])
    async def publish(
        self, request: Request, principal: CurrentPrincipal, item_id: FromPath[str]
    ) -> Response:
        async def run(p: Principal, number: int, form: dict[str, str]) -> None:
            await box.publish(
                p,
                number,
                question=form.get("question"),
                answer=form.get("answer"),
                consent=form.get("consent") == "yes",
                now=now(),
            )

        return await self._act(request, principal, item_id, "publish", run)
