"""Plain, frozen values that leave the service layer: no table row goes further than it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    VIEWER = "viewer"


class PollStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class DuplicatePolicy(StrEnum):
    DEVICE = "device"
    MESSENGER = "messenger"
    """One answer per messenger account (Telegram), checked by the messenger's signature."""
    NONE = "none"
    CODE = "code"
    """One answer per printed one-time code (``services.codes``): for shared phones, kiosks
    and meetings, where the device rule would let only one person answer."""


class PlacementKind(StrEnum):
    CANTEEN = "canteen"
    NOTICE_BOARD = "notice_board"
    TELEGRAM = "telegram"
    ZALO = "zalo"
    LINK = "link"
    MEETING = "meeting"
    """A session led on a projector (``polls.services.meeting``): answers from its QR code."""
    PAPER = "paper"
    """Counts entered by an officer for a show of hands or paper ballots
    (``polls.services.tallies``); its link takes no answers."""


class OpensIn(StrEnum):
    """Which app a placement's QR code, poster and link open: the web form, or the union's
    Zalo Mini App (only when ``ZALO_MINI_APP_ID`` is set; the web link stays the fallback)."""

    WEB = "web"
    ZALO_MINI_APP = "zalo_mini_app"


class Channel(StrEnum):
    WEB = "web"
    TELEGRAM = "telegram"
    ZALO = "zalo"
    PAPER = "paper"
    """Counted by hand at a session and entered by an officer: never a stored response."""


class UnitKind(StrEnum):
    NATIONAL = "national"
    SUBORDINATE = "subordinate"
    GRASSROOTS = "grassroots"
    WORKSHOP = "workshop"


@dataclass(frozen=True)
class Unit:
    id: int
    slug: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    headcount: int
    leaders_zalo_chat_id: str | None = None
    """The Zalo group of the unit's leaders, where its overdue questions are flagged (None
    also to a reader who may not change it: ``services.units.seen_by``)."""
    leaders_chat_unreachable: bool | None = False
    """Whether the Zalo Bot was refused in that group the last time (None to such a reader)."""

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


@dataclass(frozen=True)
class Principal:
    """Who is acting: an officer, their role, and the unit subtree they may touch."""

    officer_id: int
    username: str
    display_name: str
    role: Role
    unit_id: int
    unit_path: str
    unit_name: str

    def covers(self, unit_path: str) -> bool:
        return unit_path.startswith(self.unit_path)

    @property
    def can_run_polls(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICER)

    @property
    def can_manage_people(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class Option:
    id: int
    label: str
    other: bool = False
    """The "other (please specify)" option: choosing it lets the worker type a text."""


@dataclass(frozen=True)
class Question:
    id: int
    position: int
    kind: str
    text: str
    required: bool
    options: tuple[Option, ...] = ()
    max_choices: int | None = None
    scale_min: int | None = None
    scale_max: int | None = None
    min_label: str = ""
    max_label: str = ""
    help: str = ""
    """Shown under the question's text."""

    def option(self, option_id: int) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def other_option(self) -> Option | None:
        """The "other (please specify)" option, if the question has one (it is the last)."""
        return next((o for o in self.options if o.other), None)

    @property
    def has_texts(self) -> bool:
        """Whether workers write text here: a free-text question, or an "other" option."""
        return self.kind == "text" or self.other_option is not None


@dataclass(frozen=True)
class Poll:
    id: int
    unit_id: int
    unit_slug: str
    unit_name: str
    unit_path: str
    title: str
    description: str
    language: str
    status: str
    """As stored: draft, open or closed."""
    opens_at: datetime | None
    closes_at: datetime | None
    min_group_size: int
    duplicate_policy: str
    series: str
    version: int
    created_at: datetime
    questions: tuple[Question, ...] = field(default=())
    publish_results: bool = False
    reopened_at: datetime | None = None
    """Reopened after a close (allowed once): duplicates across that close are unchecked."""
    archived_at: datetime | None = None

    def effective_status(self, now: datetime) -> PollStatus:
        """The status that counts now: an open poll is scheduled before ``opens_at`` and
        closed from ``closes_at`` on, without anything having to run at those times."""
        if self.status == PollStatus.DRAFT:
            return PollStatus.DRAFT
        if self.status == PollStatus.CLOSED:
            return PollStatus.CLOSED
        if self.closes_at is not None and now >= self.closes_at:
            return PollStatus.CLOSED
        if self.opens_at is not None and now < self.opens_at:
            return PollStatus.SCHEDULED
        return PollStatus.OPEN

    def question(self, question_id: int) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Placement:
    id: int
    poll_id: int
    code: str
    label: str
    kind: str
    unit_id: int | None
    unit_name: str | None
    chat_id: str | None = None
    chat_unreachable: bool = False
    """The bot was blocked or removed there, the last time it tried to post."""
    opens_in: str = OpensIn.WEB.value
    visits: int | None = 0
    """Released openings of its link (perturbed); None below ``MIN_VISITS_FOR_RATE``."""
    responses: int | None = 0
    """Released respondents (perturbed); None when disclosure control hides them."""
    standing_id: int | None = None
    """The standing placement this wave's placement stands for, while it is not stopped:
    ``code`` is then the standing's permanent code (on its link, QR, poster and cards)."""
    own_code: str | None = None
    """This wave's own code when ``code`` is the standing's: the form posts to it, so an
    answer goes to the wave its page showed."""

    @property
    def answer_code(self) -> str:
        """The code the form answers through: this placement's own."""
        return self.own_code or self.code

    @property
    def conversion(self) -> float | None:
        """Responses per opening of the link; None unless both are released (the rate
        would give a hidden count away)."""
        if self.responses is None or not self.visits:
            return None
        return self.responses / self.visits


@dataclass(frozen=True)
class StandingPlacement:
    """A poster printed once for every wave of a unit's series (``services.standing``)."""

    id: int
    unit_id: int
    unit_name: str
    series: str
    code: str
    label: str
    kind: str
    place_unit_id: int | None
    place_unit_name: str | None
    created_at: datetime
    stopped_at: datetime | None


@dataclass(frozen=True)
class Stored:
    """A submission is stored; ``replayed`` when it was the retry of one stored before.
    Nothing identifies the response: there is no receipt to keep or to leak."""

    replayed: bool = False
