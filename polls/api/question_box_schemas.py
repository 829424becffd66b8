"""Request and response shapes of the question box's API (``polls.api.controllers.question_box``).
Worker input is plain ``str`` with a length bound: the service reads it strictly and answers
in the worker's language."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

Text = Annotated[str, Meta(max_length=8000)]


class QuestionCreate(Struct, forbid_unknown_fields=True):
    topic: Annotated[str, Meta(max_length=20)]
    """``wages``, ``safety``, ``meals``, ``insurance``, ``union`` or ``other``."""
    text: Text


class QuestionAsked(Struct):
    code: str
    """The follow-up code, shown once to the worker: it is not kept by the server."""
    follow_path: str
    """The follow-up page; append ``#`` and the code for a link the phone keeps."""


class FollowUp(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(max_length=40)]


class FollowUpMessage(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(max_length=40)]
    text: Text


class MessageRead(Struct):
    position: int
    author: str
    """``worker`` or ``officer``."""
    body: str
    officer_name: str
    at: datetime
    """For a worker's message, the hour only."""
    hidden: bool
    hidden_reason: str


class ThreadRead(Struct):
    unit: str
    topic: str
    status: str
    messages: list[MessageRead]
    may_add: bool


class PublishedRead(Struct):
    topic: str
    question: str
    reply: str
    published_at: datetime


class ClockRead(Struct):
    state: str
    """``on_time`` (under 24 h), ``due`` (past 24 h), ``overdue`` (48 h or more),
    ``answered``, ``handled``."""
    hours: int


class QueueItemRead(Struct):
    id: int
    unit: str
    origin: str
    topic: str
    excerpt: str
    arrived_hour: datetime
    clock: ClockRead
    assignee: str
    status: str
    escalations: int
    hidden: bool


class EventRead(Struct):
    at: datetime
    officer_name: str
    action: str
    detail: str


class ItemRead(Struct):
    id: int
    unit: str
    origin: str
    topic: str
    arrived_hour: datetime
    clock: ClockRead
    assignee: str
    status: str
    escalations: int
    messages: list[MessageRead]
    events: list[EventRead]
    published: PublishedRead | None


class AssignCreate(Struct, forbid_unknown_fields=True):
    assignee: Annotated[str, Meta(max_length=400)]


class ReplyCreate(Struct, forbid_unknown_fields=True):
    text: Text


class HideCreate(Struct, forbid_unknown_fields=True):
    position: Annotated[int, Meta(ge=0, le=10_000)]
    reason: Annotated[str, Meta(max_length=2000)]


class PublishCreate(Struct, forbid_unknown_fields=True):
    question: Text
    answer: Text
    consent: bool
    """The officer confirms that the edited texts identify no one; without it, 422."""
