"""Request and response shapes of the JSON API, version 1 (msgspec Structs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

Kind = Literal["single", "multi", "scale", "yes_no", "text"]
DuplicatePolicyName = Literal["device", "messenger", "none", "code"]
PlacementKindName = Literal[
    "canteen", "notice_board", "telegram", "zalo", "link", "meeting", "paper"
]
OpensInName = Literal["web", "zalo_mini_app"]
ShortText = Annotated[str, Meta(max_length=1000)]
LongText = Annotated[str, Meta(max_length=5000)]


class QuestionIn(Struct, forbid_unknown_fields=True):
    kind: Kind
    text: ShortText
    required: bool = True
    options: Annotated[list[Annotated[str, Meta(max_length=300)]], Meta(max_length=30)] = []
    max_choices: Annotated[int, Meta(ge=1, le=30)] | None = None
    min: Annotated[int, Meta(ge=0, le=10)] | None = None
    max: Annotated[int, Meta(ge=0, le=10)] | None = None
    min_label: Annotated[str, Meta(max_length=100)] = ""
    max_label: Annotated[str, Meta(max_length=100)] = ""
    help: Annotated[str, Meta(max_length=500)] = ""
    """A line shown under the question's text."""
    other: Annotated[str, Meta(max_length=300)] | None = None
    """Single and multiple choice: the label of an "other (please specify)" option added
    after ``options``; what workers write there is released only as free text is."""


class PollCreate(Struct, forbid_unknown_fields=True):
    unit: Annotated[str, Meta(max_length=80)]
    title: Annotated[str, Meta(max_length=300)]
    questions: Annotated[list[QuestionIn], Meta(max_length=50)]
    description: LongText = ""
    language: Literal["vi", "en"] = "vi"
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    min_group_size: Annotated[int, Meta(ge=3, le=1000)] = 5
    duplicate_policy: DuplicatePolicyName = "device"
    publish_results: bool = False


class PollUpdate(Struct, forbid_unknown_fields=True):
    unit: Annotated[str, Meta(max_length=80)] | UnsetType = UNSET
    title: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET
    description: LongText | UnsetType = UNSET
    language: Literal["vi", "en"] | UnsetType = UNSET
    opens_at: datetime | UnsetType | None = UNSET
    closes_at: datetime | UnsetType | None = UNSET
    min_group_size: Annotated[int, Meta(ge=3, le=1000)] | UnsetType = UNSET
    duplicate_policy: DuplicatePolicyName | UnsetType = UNSET
    publish_results: bool | UnsetType = UNSET
    questions: Annotated[list[QuestionIn], Meta(max_length=50)] | UnsetType = UNSET


class OptionRead(Struct):
    id: int
    label: str
    other: bool = False
    """The "other (please specify)" option: a choice that takes a text, sent as
    ``"<question id>.other"`` beside the question's answer."""


class QuestionRead(Struct):
    id: int
    position: int
    kind: str
    text: str
    required: bool
    options: list[OptionRead]
    max_choices: int | None = None
    min: int | None = None
    max: int | None = None
    min_label: str = ""
    max_label: str = ""
    help: str = ""


class PollRead(Struct):
    id: int
    unit: str
    unit_name: str
    title: str
    description: str
    language: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    min_group_size: int
    duplicate_policy: str
    series: str
    publish_results: bool
    questions: list[QuestionRead]
    responses: int = 0


class PollSummary(Struct):
    id: int
    unit: str
    unit_name: str
    title: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    responses: int


class PlacementCreate(Struct, forbid_unknown_fields=True):
    label: Annotated[str, Meta(max_length=200)]
    kind: PlacementKindName = "link"
    unit: Annotated[str, Meta(max_length=80)] | None = None
    chat_id: Annotated[str, Meta(max_length=100)] | None = None
    opens_in: OpensInName = "web"
    """``zalo_mini_app``: its QR code, poster and link open the union's Zalo Mini App (only on
    a server with ``ZALO_MINI_APP_ID``); the web link stays printed as the fallback."""


class PlacementUpdate(Struct, forbid_unknown_fields=True):
    """What a placement can change: its label, kind, and the app its QR opens; its code,
    link and QR stay."""

    opens_in: OpensInName | UnsetType = UNSET
    label: Annotated[str, Meta(max_length=200)] | UnsetType = UNSET
    kind: PlacementKindName | UnsetType = UNSET


class StandingPlacementCreate(Struct, forbid_unknown_fields=True):
    """A placement for every wave of the poll's series: one poster, printed once."""

    label: Annotated[str, Meta(max_length=200)]
    kind: PlacementKindName = "notice_board"
    unit: Annotated[str, Meta(max_length=80)] | None = None


class StandingPlacementRead(Struct):
    id: int
    code: str
    """Never changes: the poster's QR code and link lead to the series' open wave."""
    url: str
    scan_url: str
    label: str
    kind: str
    unit: str
    """The unit whose series it serves."""
    series: str
    place_unit: str | None
    created_at: datetime
    stopped_at: datetime | None


class PlacementRead(Struct):
    id: int
    poll: int
    code: str
    url: str
    label: str
    kind: str
    unit: str | None
    visits: int | None = 0
    """Openings of the link in the latest release, perturbed; null below 10."""
    responses: int | None = 0
    """Respondents from it in the latest release, perturbed; null when disclosure control
    hides them (a small group, or one a smaller neighbour could be worked out from)."""
    chat_id: str | None = None
    """The Telegram chat a ``telegram`` placement is published to."""
    chat_unreachable: bool = False
    """Telegram refused the bot in that chat the last time (blocked or removed)."""
    opens_in: str = "web"
    """What its QR code and poster open: ``web`` or ``zalo_mini_app``."""
    standing: int | None = None
    """The standing placement it stands for in this wave: ``code`` and ``url`` are then the
    standing one's, the same in every wave."""
    mini_app_url: str | None = None
    """The same placement in the union's Zalo Mini App; null when the server has none."""
    scan_url: str = ""
    """What its QR code carries: ``mini_app_url`` when it opens in the Mini App, else the web
    link (in uppercase, for a smaller QR code)."""


class PublishRead(Struct):
    chat_id: str
    """Where the poll was posted (a group's new id, if it had become a supergroup)."""
    message_id: int


class ShareResultsCreate(Struct, forbid_unknown_fields=True):
    chat_id: Annotated[str, Meta(min_length=1, max_length=100)]
    """A chat's numeric id (e.g. ``-1001234567890``) or a public channel's ``@username``."""
    lang: Annotated[str, Meta(max_length=5)] | None = None
    """``vi`` or ``en``; the request's language unless given."""


class SharedMessageRead(Struct):
    kind: Literal["chart", "notice"]
    """A question's chart (a photo), or the notice that results are not shown yet."""
    message_id: int
    question_id: int | None = None


class SharedResultsRead(Struct):
    chat_id: str
    """Where the messages went (a group's new id, if it had become a supergroup)."""
    lang: str
    messages: list[SharedMessageRead]
    complete: bool
    """False when Telegram refused a message after the first; ``detail`` says why."""
    detail: str | None = None


class ZaloPostedRead(Struct):
    chat_id: str
    """The Zalo group the poll was posted to."""
    message_id: str
    beta: str
    """Zalo's Bot API still has group chats in beta: what that means for the officer."""


class ZaloShareResultsCreate(Struct, forbid_unknown_fields=True):
    chat_id: Annotated[str, Meta(min_length=1, max_length=100)]
    """The Zalo group's id, as the bot tells it when someone writes ``/id`` in the group."""
    lang: Annotated[str, Meta(max_length=5)] | None = None
    """``vi`` or ``en``; the request's language unless given."""


class ZaloSharedRead(Struct):
    chat_id: str
    lang: str
    charts: int
    """Charts sent, each a photo with its caption."""
    notice: bool
    """Whether the notice that results are not shown yet was sent instead of charts."""
    complete: bool
    """False when Zalo refused a message after the first; ``detail`` says why."""
    beta: str
    detail: str | None = None


class UnitRead(Struct):
    slug: str
    name: str
    kind: str
    parent: str | None
    headcount: int
    depth: int
    leaders_zalo_chat_id: str | None = None
    """The Zalo group of the unit's leaders, where its overdue questions are flagged; null
    unless the caller may change the unit's settings (an admin whose subtree holds it)."""
    leaders_chat_unreachable: bool | None = None
    """The Zalo Bot was refused in that group the last time it wrote there; null, as the
    group, unless the caller may change the unit's settings."""


class UnitCreate(Struct, forbid_unknown_fields=True):
    slug: Annotated[str, Meta(max_length=80)]
    name: Annotated[str, Meta(max_length=200)]
    kind: Literal["national", "subordinate", "grassroots", "workshop"]
    parent: Annotated[str, Meta(max_length=80)]
    headcount: Annotated[int, Meta(ge=0, le=1_000_000)] = 0


class UnitUpdate(Struct, forbid_unknown_fields=True):
    """What is given changes: the headcount, the name, the parent (a move, with everything
    below the unit)."""

    headcount: Annotated[int, Meta(ge=0, le=1_000_000)] | UnsetType = UNSET
    name: Annotated[str, Meta(max_length=200)] | UnsetType = UNSET
    parent: Annotated[str, Meta(max_length=80)] | UnsetType = UNSET
    leaders_zalo_chat_id: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    """The Zalo group of the unit's leaders (the id the bot gives on ``/id`` in the group),
    where ``polls box-overdue`` flags overdue questions; "" removes it."""


class OfficerCreate(Struct, forbid_unknown_fields=True):
    username: Annotated[str, Meta(max_length=80)]
    password: Annotated[str, Meta(max_length=200)]
    unit: Annotated[str, Meta(max_length=80)]
    role: Literal["admin", "officer", "viewer"]
    display_name: Annotated[str, Meta(max_length=200)] = ""


class OfficerRead(Struct):
    username: str
    display_name: str
    role: str
    unit: str
    active: bool = True


class OfficerUpdate(Struct, forbid_unknown_fields=True):
    role: Literal["admin", "officer", "viewer"] | UnsetType = UNSET
    unit: Annotated[str, Meta(max_length=80)] | UnsetType = UNSET
    display_name: Annotated[str, Meta(max_length=200)] | UnsetType = UNSET


class PasswordReset(Struct, forbid_unknown_fields=True):
    """Without ``password``, one is generated."""

    password: Annotated[str, Meta(max_length=500)] | UnsetType = UNSET


class PasswordResetRead(Struct):
    """The new password, shown this once (it is stored only as a hash)."""

    username: str
    password: str


class AuditEntryRead(Struct):
    id: int
    at: datetime
    actor: str
    action: str
    officer: str
    unit: str
    from_unit: str
    detail: str


class AuditPageRead(Struct):
    entries: list[AuditEntryRead]
    page: int
    pages: int
    total: int


class TokenRead(Struct):
    """An API token's record; the token itself is shown once, when it is issued."""

    id: int
    officer: str
    name: str
    state: Literal["active", "expired", "revoked"]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class PasswordChange(Struct, forbid_unknown_fields=True):
    current_password: Annotated[str, Meta(max_length=500)]
    new_password: Annotated[str, Meta(max_length=500)]


class FormTexts(Struct):
    """What a client drawing the form itself (the Zalo Mini App) says around the questions,
    in the request's language: the web form's own sentences, from the same catalog."""

    anonymity: str
    results_rule: str
    required: str
    yes: str
    no: str
    choose_up_to: str
    """With ``%(n)s`` where the question's ``max_choices`` goes."""
    send: str
    sending: str
    kept_offline: str
    sent_kept: str
    fix_answers: str
    thanks: str
    received: str
    not_open: str
    open_until: str
    """Empty when the poll has no closing time."""
    box_intro: str = ""
    ask_union: str = ""
    """The link to the unit's question box (``FormRead.box_url``) and the line before it."""


class FormRead(Struct):
    code: str
    poll: int
    title: str
    description: str
    unit_name: str
    language: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    duplicate_policy: str
    questions: list[QuestionRead]
    texts: FormTexts | None = None
    box_url: str = ""
    """The poll's unit's question box ("Hỏi công đoàn", ``/hoi/{unit}``), the same for every
    visitor: the Mini App links to it from its form and its thank-you screen."""


AnswerValue = int | bool | str | list[int] | None


class ResponseCreate(Struct, forbid_unknown_fields=True):
    answers: Annotated[dict[Annotated[str, Meta(max_length=20)], AnswerValue], Meta(max_length=100)]
    """Question id -> its answer; ``"<id>.other"`` -> the text beside its "other" option."""
    submission_id: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    code: Annotated[str, Meta(max_length=40)] | None = None
    """The printed one-time code, on a poll that counts one answer per code."""


class CodeSheetCreate(Struct, forbid_unknown_fields=True):
    count: Annotated[int, Meta(ge=1, le=500)]
    """How many one-time codes to print (16 slips a page)."""


class StoredRead(Struct):
    """The response is stored (durably). ``replayed``: this was the retry of a submission
    stored before. Nothing here identifies the response."""

    stored: bool
    replayed: bool


class ShareRead(Struct):
    id: int | None
    key: str
    label: str
    count: int
    percent: float


class QuestionResultRead(Struct):
    id: int
    kind: str
    text: str
    answered: int
    options: list[ShareRead]
    mean: float | None = None
    texts: list[str] | None = None


class SegmentRead(Struct):
    key: str
    label: str
    suppressed: bool
    responses: int | None
    questions: list[QuestionResultRead] | None
    members: list[str] = []


class ResultsRead(Struct):
    poll: int
    responses: int
    min_group_size: int
    questions_visible: bool
    texts_visible: bool
    questions: list[QuestionResultRead]
    breakdown_by: str | None
    breakdown: list[SegmentRead]


class ErrorRead(Struct):
    status_code: int
    detail: str
    errors: dict[str, str] = {}
    extra: dict[str, Any] | None = None


class Health(Struct, omit_defaults=True):
    """``/livez`` and ``/readyz``: each dependency ``ok``, ``unreachable`` or (the SQLite
    database's disk) ``full``; a dependency not checked is left out."""

    status: str
    database: str | None = None
    redis: str | None = None
    disk: str | None = None


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)
