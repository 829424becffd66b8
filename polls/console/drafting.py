"""The poll editor's HTML form, as plain values: what the officer typed, turned into a
``PollDraft``, and the service's field errors mapped back onto the form's blocks.

The form works without JavaScript: numbered question blocks (``q0.text``, ``q0.kind``, ...),
where a block with neither text nor options is ignored, and options are one per line of a
textarea. Its buttons to add, remove, move and copy a question are submit buttons
(``action=copy:2``) that come back with the form changed and nothing saved
(``apply_action``); the console's script does the same in the page and renumbers the
blocks, so the server reads one form either way. Everything typed is kept as strings so a
form that failed validation comes back exactly as it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from polls import inputs
from polls.errors import N_
from polls.i18n import TIMEZONE, in_vietnam
from polls.models import DuplicatePolicy, Poll
from polls.services.polls import MAX_QUESTIONS, PollDraft, QuestionDraft, as_draft

EXTRA_BLOCKS = 3
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
QUESTION_FIELDS = (
    "kind",
    "text",
    "help",
    "options",
    "other_label",
    "max_choices",
    "min",
    "max",
    "min_label",
    "max_label",
)
OTHER_LABELS = {"vi": "Khác (ghi rõ)", "en": "Other (please specify)"}
"""The "other" option's label when the officer leaves it empty, in the poll's language."""
ACTIONS = ("add", "remove", "up", "down", "copy")


@dataclass
class QuestionBlock:
    """One question block of the form, as typed."""

    kind: str = "single"
    text: str = ""
    required: bool = True
    options: str = ""
    max_choices: str = ""
    min: str = "1"
    max: str = "5"
    min_label: str = ""
    max_label: str = ""
    help: str = ""
    other: bool = False
    """Offer "other (please specify)" (single and multiple choice)."""
    other_label: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.options.strip()


@dataclass
class DraftForm:
    """The whole editor form, as typed."""

    unit: str = ""
    title: str = ""
    description: str = ""
    language: str = "vi"
    opens_at: str = ""
    closes_at: str = ""
    min_group_size: str = "5"
    duplicate_policy: str = DuplicatePolicy.DEVICE.value
    publish_results: bool = False
    blocks: list[QuestionBlock] = field(default_factory=list)

    def with_room(self, extra: int = EXTRA_BLOCKS) -> DraftForm:
        """The same form with ``extra`` empty blocks after the last filled one."""
        filled = [b for b in self.blocks if not b.is_empty]
        wanted = min(MAX_QUESTIONS, max(len(self.blocks), len(filled) + extra))
        blocks = list(self.blocks) + [QuestionBlock() for _ in range(wanted - len(self.blocks))]
        return replace(self, blocks=blocks)

    def with_one_block(self) -> DraftForm:
        """The same form, with one empty block if it has none (a new poll starts so)."""
        return self if self.blocks else replace(self, blocks=[QuestionBlock()])


def apply_action(form: DraftForm, action: str) -> DraftForm:
    """The form after one of its buttons: ``add`` an empty block at the end, or ``remove``,
    ``up``, ``down`` or ``copy`` (just below) block ``n`` (``"copy:2"``). An action that does
    not apply (a block that is not there, the first moved up, a 51st question) leaves the
    form as it was."""
    name, _, position = action.partition(":")
    blocks = list(form.blocks)
    index = inputs.decimal(position) if position.isdigit() else None
    if name == "add" and len(blocks) < MAX_QUESTIONS:
        blocks.append(QuestionBlock())
    elif index is None or not 0 <= index < len(blocks):
        return form
    elif name == "remove":
        del blocks[index]
    elif name == "up" and index > 0:
        blocks[index - 1], blocks[index] = blocks[index], blocks[index - 1]
    elif name == "down" and index + 1 < len(blocks):
        blocks[index], blocks[index + 1] = blocks[index + 1], blocks[index]
    elif name == "copy" and len(blocks) < MAX_QUESTIONS:
        blocks.insert(index + 1, replace(blocks[index]))
    return replace(form, blocks=blocks).with_one_block()


def _local_input(moment: datetime | None) -> str:
    return in_vietnam(moment).strftime(DATETIME_FORMAT) if moment else ""


def form_for_draft(draft: PollDraft) -> DraftForm:
    """The editor filled with a definition: a saved draft's, or a template's."""
    return DraftForm(
        unit=draft.unit,
        title=draft.title,
        description=draft.description,
        language=draft.language,
        opens_at=_local_input(draft.opens_at),
        closes_at=_local_input(draft.closes_at),
        min_group_size=str(draft.min_group_size),
        duplicate_policy=draft.duplicate_policy,
        publish_results=draft.publish_results,
        blocks=[
            QuestionBlock(
                kind=q.kind,
                text=q.text,
                required=q.required,
                options="\n".join(q.options),
                max_choices="" if q.max_choices is None else str(q.max_choices),
                min="1" if q.min is None else str(q.min),
                max="5" if q.max is None else str(q.max),
                min_label=q.min_label,
                max_label=q.max_label,
                help=q.help,
                other=bool(q.other),
                other_label=q.other,
            )
            for q in draft.questions
        ],
    ).with_one_block()


def form_for_poll(poll: Poll) -> DraftForm:
    return form_for_draft(as_draft(poll))


def _text(form: Mapping[str, Any], name: str, default: str = "") -> str:
    value = form.get(name, default)
    return value.replace("\r\n", "\n") if isinstance(value, str) else default


def read_form(form: Mapping[str, Any]) -> DraftForm:
    """The editor form from a submitted multi-dict; blocks are numbered ``q0`` up to the
    submitted ``blocks`` count (at most ``MAX_QUESTIONS``)."""
    count_text = _text(form, "blocks", "0").strip()
    count = max(0, min(inputs.decimal(count_text) or 0, MAX_QUESTIONS))
    blocks = []
    for i in range(count):
        values = {name: _text(form, f"q{i}.{name}") for name in QUESTION_FIELDS}
        blocks.append(
            QuestionBlock(required=f"q{i}.required" in form, other=f"q{i}.other" in form, **values)
        )
    return DraftForm(
        unit=_text(form, "unit").strip(),
        title=_text(form, "title"),
        description=_text(form, "description"),
        language=_text(form, "language", "vi").strip(),
        opens_at=_text(form, "opens_at").strip(),
        closes_at=_text(form, "closes_at").strip(),
        min_group_size=_text(form, "min_group_size").strip(),
        duplicate_policy=_text(form, "duplicate_policy").strip(),
        publish_results="publish_results" in form,
        blocks=blocks,
    )


def _int(value: str, key: str, errors: dict[str, str], message: str) -> int | None:
    """A typed number (``polls.inputs.decimal``); its range is the service's to check."""
    if not value.strip():
        return None
    try:
        return inputs.integer(value, -999_999, 999_999, message)
    except inputs.InputError:
        errors[key] = message
        return None


def moment_field(value: str, key: str, errors: dict[str, str]) -> datetime | None:
    """A typed ``datetime-local`` value in Vietnam time, or an error under ``key``."""
    if not value:
        return None
    for pattern in (DATETIME_FORMAT, DATETIME_FORMAT + ":%S"):
        try:
            moment = datetime.strptime(value, pattern).replace(tzinfo=TIMEZONE)
        except ValueError:
            continue
        if not value.isascii():
            break  # strptime reads other scripts' digits too
        if not inputs.in_window(moment):
            errors[key] = inputs.DATE_OUT_OF_WINDOW
            return None
        return moment
    errors[key] = N_("Give a date and time like 2026-11-12T07:30.")
    return None


@dataclass(frozen=True)
class Parsed:
    draft: PollDraft
    positions: tuple[int, ...]
    """For each question of the draft, the number of the form block it came from."""
    errors: dict[str, str]
    """Errors found while reading the form (numbers and dates), keyed like the form."""


def to_draft(form: DraftForm) -> Parsed:
    errors: dict[str, str] = {}
    questions: list[QuestionDraft] = []
    positions: list[int] = []
    for i, block in enumerate(form.blocks):
        if block.is_empty:
            continue
        kind = block.kind
        number = N_("Give a whole number.")
        max_choices = _int(block.max_choices, f"q{i}.max_choices", errors, number)
        low = _int(block.min, f"q{i}.scale", errors, number)
        high = _int(block.max, f"q{i}.scale", errors, number)
        is_choice = kind in ("single", "multi")
        other = ""
        if is_choice and block.other:
            other = block.other_label.strip() or OTHER_LABELS.get(form.language, OTHER_LABELS["vi"])
        questions.append(
            QuestionDraft(
                kind=kind,
                text=block.text.strip(),
                required=block.required,
                options=tuple(line.strip() for line in block.options.split("\n") if line.strip())
                if is_choice
                else (),
                max_choices=max_choices if kind == "multi" else None,
                min=low if kind == "scale" else None,
                max=high if kind == "scale" else None,
                min_label=block.min_label.strip() if kind == "scale" else "",
                max_label=block.max_label.strip() if kind == "scale" else "",
                help=block.help.strip(),
                other=other,
            )
        )
        positions.append(i)
    size = _int(
        form.min_group_size,
        "min_group_size",
        errors,
        N_("The minimum group size is between 3 and 1,000."),
    )
    draft = PollDraft(
        unit=form.unit,
        title=form.title,
        description=form.description,
        language=form.language,
        opens_at=moment_field(form.opens_at, "opens_at", errors),
        closes_at=moment_field(form.closes_at, "closes_at", errors),
        min_group_size=5 if size is None else size,
        duplicate_policy=form.duplicate_policy,
        publish_results=form.publish_results,
        questions=tuple(questions),
    )
    if size is None and "min_group_size" not in errors:
        errors["min_group_size"] = N_("The minimum group size is between 3 and 1,000.")
    return Parsed(draft, tuple(positions), errors)


def form_errors(errors: Mapping[str, str], positions: tuple[int, ...]) -> dict[str, str]:
    """The service's field errors (``questions.2.options``) keyed by form block (``q4.options``)."""
    mapped: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == "questions" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            block = positions[index] if index < len(positions) else index
            name = ".".join(parts[2:]) or "text"
            mapped[f"q{block}.{name}"] = message
        else:
            mapped[key] = message
    return mapped


def changes_for_update(draft: PollDraft) -> dict[str, object]:
    """Every field of the draft, as ``polls.update`` takes them."""
    return dict(draft.__dict__)
