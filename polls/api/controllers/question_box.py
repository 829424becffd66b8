"""The question box's API: the public side a page or the Zalo Mini App uses to ask and
follow up (JSON only, never from another site's page, rate limited like the pages), and
the officers' side (bearer token; scoped to the officer's subtree; viewers read)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody

from polls.api.guards import (
    CurrentPrincipal,
    provide_principal,
    requires_box_runner,
    requires_token,
)
from polls.api.question_box_schemas import (
    AssignCreate,
    ClockRead,
    EventRead,
    FollowUp,
    FollowUpMessage,
    HideCreate,
    ItemRead,
    MessageRead,
    PublishCreate,
    PublishedRead,
    QuestionAsked,
    QuestionCreate,
    QueueItemRead,
    ReplyCreate,
    ThreadRead,
)
from polls.forms.guards import requires_json_question
from polls.forms.question_box import limit_asking, limit_lookups
from polls.models import Principal
from polls.services import question_box as box
from polls.services.polls import now
from polls.web import file_response, settings_of


def _messages(messages: tuple[box.Message, ...]) -> list[MessageRead]:
    return [
        MessageRead(m.position, m.author, m.body, m.officer_name, m.at, m.hidden, m.hidden_reason)
        for m in messages
    ]


def _thread(thread: box.Thread) -> ThreadRead:
    return ThreadRead(
        thread.unit_slug, thread.topic, thread.status, _messages(thread.messages), thread.may_add
    )


def _published(p: box.Published) -> PublishedRead:
    return PublishedRead(p.topic, p.question, p.reply, p.published_at)


def _clock(clock: box.Clock) -> ClockRead:
    return ClockRead(str(clock.state), clock.hours)


def _item(item: box.Item) -> ItemRead:
    return ItemRead(
        id=item.id,
        unit=item.unit.slug,
        origin=item.origin.slug,
        topic=item.topic,
        arrived_hour=item.arrived_hour,
        clock=_clock(item.clock),
        assignee=item.assignee,
        status=item.status,
        escalations=item.escalations,
        messages=_messages(item.messages),
        events=[EventRead(e.at, e.officer_name, e.action, e.detail) for e in item.events],
        published=_published(item.published) if item.published else None,
    )


class QuestionBoxPublicController(Controller):
    path = "/api/v1/box"
    tags = ["question box (public)"]

    @post("/{slug:str}/questions", status_code=201, guards=[requires_json_question])
    async def ask(
        self, request: Request, slug: FromPath[str], data: JSONBody[QuestionCreate]
    ) -> QuestionAsked:
        """Ask the unit's box. The answer's ``code`` is the worker's only key to the thread:
        the server keeps a keyed hash of it, never the code. Stored: the unit, topic, text
        and the hour of arrival; nothing of the asker."""
        await box.box_unit(slug)
        await limit_asking(request, slug)
        code = await box.ask(
            slug, data.topic, data.text, secret=settings_of(request).secret_key, now=now()
        )
        return QuestionAsked(code=code, follow_path=f"/hoi/{slug}/theo-doi")

    @post("/follow-up", status_code=200, guards=[requires_json_question])
    async def follow_up(self, request: Request, data: JSONBody[FollowUp]) -> ThreadRead:
        """The thread of a follow-up code (in the body, never in the address). A wrong code
        and a code of nothing get the same 422; look-ups are rate limited."""
        await limit_lookups(request)
        return _thread(await box.thread(data.code, secret=settings_of(request).secret_key))

    @post("/follow-up/messages", status_code=201, guards=[requires_json_question])
    async def add_message(self, request: Request, data: JSONBody[FollowUpMessage]) -> ThreadRead:
        """The worker's one further message (409 once it was sent)."""
        await limit_lookups(request)
        thread = await box.add_message(
            data.code, data.text, secret=settings_of(request).secret_key, now=now()
        )
        return _thread(thread)

    @get("/{slug:str}/answers")
    async def answers(self, slug: FromPath[str]) -> list[PublishedRead]:
        """The unit's published answers: edited copies, newest first."""
        _, published = await box.published_answers(slug)
        return [_published(p) for p in published]


class QuestionBoxController(Controller):
    path = "/api/v1/box/items"
    tags = ["question box"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def queue(
        self, principal: CurrentPrincipal, sort: FromQuery[str] = "clock"
    ) -> list[QueueItemRead]:
        """The items held by units of the caller's subtree; ``sort``: ``clock`` (most
        urgent first), ``arrival``, ``topic`` or ``unit``."""
        items = await box.queue(principal, now=now(), sort=sort)
        return [
            QueueItemRead(
                id=i.id,
                unit=i.unit_name,
                origin=i.origin_name,
                topic=i.topic,
                excerpt=i.excerpt,
                arrived_hour=i.arrived_hour,
                clock=_clock(i.clock),
                assignee=i.assignee,
                status=i.status,
                escalations=i.escalations,
                hidden=i.hidden,
            )
            for i in items
        ]

    @get("/{item_id:str}")
    async def read(self, principal: CurrentPrincipal, item_id: FromPath[str]) -> ItemRead:
        return await self._read(principal, item_id)

    async def _read(self, principal: Principal, item_id: str) -> ItemRead:
        return _item(await box.item(principal, box.item_number(item_id), now=now()))

    @post("/{item_id:str}/assign", status_code=200, guards=[requires_box_runner])
    async def assign(
        self, principal: CurrentPrincipal, item_id: FromPath[str], data: JSONBody[AssignCreate]
    ) -> ItemRead:
        """Assign to a person or a board (free text, e.g. one of programme V.5.2's)."""
        await box.assign(principal, box.item_number(item_id), data.assignee, now=now())
        return await self._read(principal, item_id)

    @post("/{item_id:str}/reply", status_code=200, guards=[requires_box_runner])
    async def reply(
        self, principal: CurrentPrincipal, item_id: FromPath[str], data: JSONBody[ReplyCreate]
    ) -> ItemRead:
        """Reply; the first reply stops the item's clock."""
        await box.reply(principal, box.item_number(item_id), data.text, now=now())
        return await self._read(principal, item_id)

    @post("/{item_id:str}/handle", status_code=200, guards=[requires_box_runner])
    async def handle(self, principal: CurrentPrincipal, item_id: FromPath[str]) -> ItemRead:
        await box.mark_handled(principal, box.item_number(item_id), now=now())
        return await self._read(principal, item_id)

    @post("/{item_id:str}/escalate", status_code=200, guards=[requires_box_runner])
    async def escalate(self, principal: CurrentPrincipal, item_id: FromPath[str]) -> ItemRead:
        """Pass to the parent unit; the clock keeps counting from arrival. The item may
        leave the caller's subtree: then it is read as the parent's admin would see it."""
        number = box.item_number(item_id)
        await box.escalate(principal, number, now=now())
        if await box.in_scope(principal, number):
            return await self._read(principal, item_id)
        return _item(await box.item_unscoped(number, now=now()))

    @post("/{item_id:str}/hide", status_code=200, guards=[requires_box_runner])
    async def hide(
        self, principal: CurrentPrincipal, item_id: FromPath[str], data: JSONBody[HideCreate]
    ) -> ItemRead:
        """Hide one message (it names or threatens a person); the text and reason are kept."""
        await box.hide(principal, box.item_number(item_id), data.position, data.reason, now=now())
        return await self._read(principal, item_id)

    @post("/{item_id:str}/publish", status_code=200, guards=[requires_box_runner])
    async def publish(
        self, principal: CurrentPrincipal, item_id: FromPath[str], data: JSONBody[PublishCreate]
    ) -> ItemRead:
        """Publish edited copies of the question and reply on the unit's public page, with
        ``consent: true`` only (422 without); the original thread stays private."""
        await box.publish(
            principal,
            box.item_number(item_id),
            question=data.question,
            answer=data.answer,
            consent=data.consent,
            now=now(),
        )
        return await self._read(principal, item_id)


class QuestionBoxNumbersController(Controller):
    path = "/api/v1/box"
    tags = ["question box"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/numbers.pdf", media_type="application/pdf")
    async def numbers_report(
        self, principal: CurrentPrincipal, unit: FromQuery[str | None] = None
    ) -> Response[bytes]:
        """The question box's numbers as the unit's PDF report, in the caller's language:
        questions per month by topic and unit, the median time to the first reply and the
        shares answered within 24 h and 48 h, small groups hidden; never a question's text.
        ``unit``: a unit of the caller's subtree (its own unless told; 404 outside it)."""
        return file_response(await box.numbers_report(principal, unit, now=now()))
