"""Polls: create and edit drafts, open, close, duplicate, and load them scoped to a principal."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from polls import inputs
from polls import tables as t
from polls.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from polls.forms.kinds import KINDS
from polls.i18n import LOCALES
from polls.models import DuplicatePolicy, Option, Poll, PollStatus, Principal, Question
from polls.services import releases, units, unlinking
from polls.services.cache import forget_poll

MAX_QUESTIONS = 50
MAX_OPTIONS = 30
MIN_GROUP_SIZE_RANGE = (3, 1000)
MAX_HELP_CHARS = 500
CHOICE_KINDS = ("single", "multi")


@dataclass(frozen=True)
class QuestionDraft:
    kind: str
    text: str
    required: bool = True
    options: tuple[str, ...] = ()
    max_choices: int | None = None
    min: int | None = None
    max: int | None = None
    min_label: str = ""
    max_label: str = ""
    help: str = ""
    """A line shown under the question's text."""
    other: str = ""
    """The label of an "other (please specify)" option after ``options`` (single and
    multiple choice); empty for none."""


@dataclass(frozen=True)
class PollDraft:
    unit: str
    title: str
    description: str = ""
    language: str = "vi"
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    min_group_size: int = 5
    duplicate_policy: str = DuplicatePolicy.DEVICE
    publish_results: bool = False
    questions: tuple[QuestionDraft, ...] = field(default=())


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- reading ----------------------------------------------------------------------------


def _poll(row: dict, questions: tuple[Question, ...] = ()) -> Poll:
    return Poll(
        id=row["id"],
        unit_id=row["unit"],
        unit_slug=row["unit.slug"],
        unit_name=row["unit.name"],
        unit_path=row["unit.path"],
        title=row["title"],
        description=row["description"],
        language=row["language"],
        status=row["status"],
        opens_at=aware(row["opens_at"]),
        closes_at=aware(row["closes_at"]),
        min_group_size=row["min_group_size"],
        duplicate_policy=row["duplicate_policy"],
        publish_results=bool(row["publish_results"]),
        series=row["series"],
        version=row["version"],
        created_at=aware(row["created_at"]) or now(),
        questions=questions,
        reopened_at=aware(row["reopened_at"]),
        archived_at=aware(row["archived_at"]),
    )


def _poll_query():
    return t.Poll.select(
        *t.Poll.all_columns(), t.Poll.unit.slug, t.Poll.unit.name, t.Poll.unit.path
    )


async def _questions(poll_id: int) -> tuple[Question, ...]:
    question_rows = (
        await t.Question.select().where(t.Question.poll == poll_id).order_by(t.Question.position)
    )
    if not question_rows:
        return ()
    option_rows = (
        await t.Option.select()
        .where(t.Option.question.is_in([q["id"] for q in question_rows]))
        .order_by(t.Option.position)
    )
    options: dict[int, list[Option]] = {}
    for row in option_rows:
        options.setdefault(row["question"], []).append(
            Option(id=row["id"], label=row["label"], other=bool(row["other"]))
        )
    return tuple(
        Question(
            id=q["id"],
            position=q["position"],
            kind=q["kind"],
            text=q["text"],
            required=q["required"],
            options=tuple(options.get(q["id"], ())),
            max_choices=q["max_choices"],
            scale_min=q["scale_min"],
            scale_max=q["scale_max"],
            min_label=q["min_label"],
            max_label=q["max_label"],
            help=q["help"],
        )
        for q in question_rows
    )


async def load(poll_id: int) -> Poll:
    """A poll with its questions and options, unscoped (for the public form)."""
    row = await _poll_query().where(t.Poll.id == poll_id).first()
    if row is None:
        raise NotFound(N_("This poll does not exist."))
    return _poll(row, await _questions(poll_id))


async def get(principal: Principal, poll_id: int) -> Poll:
    """A poll the principal may see; one outside their subtree is simply not found."""
    poll = await load(poll_id)
    if not principal.covers(poll.unit_path):
        raise NotFound(N_("This poll does not exist."))
    return poll


async def get_for_change(principal: Principal, poll_id: int) -> Poll:
    poll = await get(principal, poll_id)
    if not principal.can_run_polls:
        raise Forbidden(N_("Viewers can read results but not change polls."))
    return poll


async def list_polls(principal: Principal, *, archived: bool = False) -> list[tuple[Poll, int]]:
    """The polls of the principal's subtree, newest first, with their response counts;
    archived ones only when asked for (and then only those)."""
    rows = (
        await _poll_query()
        .where(
            t.Poll.unit.path.like(principal.unit_path + "%"),
            t.Poll.archived_at.is_not_null() if archived else t.Poll.archived_at.is_null(),
        )
        .order_by(t.Poll.id, ascending=False)
    )
    found = [_poll(r) for r in rows]
    counts = await released_counts(found)
    return [(poll, counts[poll.id]) for poll in found]


async def released_counts(found: Sequence[Poll]) -> dict[int, int]:
    """Each poll's released total (``services.releases``; 0 while below its minimum), the
    only response count that is shown: it moves in release steps, never by one answer."""
    return {poll.id: (await releases.current(poll)).respondents for poll in found}


# --- validating a definition ------------------------------------------------------------


def _all_options(draft: QuestionDraft) -> tuple[tuple[str, bool], ...]:
    """A choice question's options as stored: its labels, then its "other" option if any."""
    if draft.kind not in CHOICE_KINDS:
        return ()
    other = ((draft.other, True),) if draft.other.strip() else ()
    return tuple((label, False) for label in draft.options) + other


def _question_value(draft: QuestionDraft, position: int) -> Question:
    return Question(
        id=position,
        position=position,
        kind=draft.kind,
        text=draft.text,
        required=draft.required,
        options=tuple(
            Option(id=i, label=label, other=other)
            for i, (label, other) in enumerate(_all_options(draft))
        ),
        max_choices=draft.max_choices,
        scale_min=draft.min if draft.kind == "scale" else None,
        scale_max=draft.max if draft.kind == "scale" else None,
        min_label=draft.min_label,
        max_label=draft.max_label,
        help=draft.help,
    )


def check_draft(draft: PollDraft) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not draft.title.strip() or len(draft.title) > 300:
        errors["title"] = N_("Give a title of up to 300 characters.")
    if len(draft.description) > 5000:
        errors["description"] = N_("Keep the description under 5,000 characters.")
    if draft.language not in LOCALES:
        errors["language"] = N_("The language is vi or en.")
    low, high = MIN_GROUP_SIZE_RANGE
    if not low <= draft.min_group_size <= high:
        errors["min_group_size"] = N_("The minimum group size is between 3 and 1,000.")
    if draft.duplicate_policy not in set(DuplicatePolicy):
        errors["duplicate_policy"] = N_("The duplicate policy is device, messenger, none or code.")
    opens, closes = aware(draft.opens_at), aware(draft.closes_at)
    for name, moment in (("opens_at", opens), ("closes_at", closes)):
        if moment is not None and not inputs.in_window(moment):
            errors[name] = inputs.DATE_OUT_OF_WINDOW
    if opens and closes and closes <= opens and "closes_at" not in errors:
        errors["closes_at"] = N_("The closing time must come after the opening time.")
    if not 1 <= len(draft.questions) <= MAX_QUESTIONS:
        errors["questions"] = N_("A poll has 1 to 50 questions.")
    for index, question in enumerate(draft.questions):
        prefix = f"questions.{index}"
        if question.kind not in KINDS:
            errors[f"{prefix}.kind"] = N_("Unknown question kind.")
            continue
        if not question.text.strip() or len(question.text) > 1000:
            errors[f"{prefix}.text"] = N_("Give the question's text, up to 1,000 characters.")
        if len(question.options) + bool(question.other.strip()) > MAX_OPTIONS or any(
            len(o) > 300 for o in question.options
        ):
            errors[f"{prefix}.options"] = N_("Up to 30 options of up to 300 characters each.")
            continue
        if len(question.help) > MAX_HELP_CHARS:
            errors[f"{prefix}.help"] = N_("Keep the help text under 500 characters.")
        if question.other.strip() and question.kind not in CHOICE_KINDS:
            errors[f"{prefix}.other"] = N_(
                "Only single and multiple choice questions can have an “other” option."
            )
        elif len(question.other) > 300:
            errors[f"{prefix}.other"] = N_("Up to 30 options of up to 300 characters each.")
        if len(question.min_label) > 100 or len(question.max_label) > 100:
            errors[f"{prefix}.labels"] = N_("Scale labels have up to 100 characters.")
        value = _question_value(question, index)
        for name, message in KINDS[question.kind].definition_errors(value).items():
            errors[f"{prefix}.{name}"] = message
    errors.update(_control_character_errors(draft))
    return errors


def _control_character_errors(draft: PollDraft) -> dict[str, str]:
    """Text the officer typed with a control character in it (a NUL, an escape) is refused
    field by field: it would be shown to every worker, drawn in charts and exported. The
    description may span lines; everything else is one line."""
    fields: list[tuple[str, str, bool]] = [
        ("title", draft.title, False),
        ("description", draft.description, True),
    ]
    for index, question in enumerate(draft.questions):
        prefix = f"questions.{index}"
        fields.append((f"{prefix}.text", question.text, False))
        fields.extend((f"{prefix}.options", option, False) for option in question.options)
        fields.append((f"{prefix}.labels", question.min_label + question.max_label, False))
        fields.append((f"{prefix}.help", question.help, False))
        fields.append((f"{prefix}.other", question.other, False))
    return {
        key: inputs.CONTROL_CHARACTERS
        for key, text, multiline in fields
        if inputs.control_characters(text, multiline=multiline)
    }


# --- changing ---------------------------------------------------------------------------


async def _write_questions(poll_id: int, questions: Sequence[QuestionDraft]) -> None:
    for position, draft in enumerate(questions):
        row = t.Question(
            poll=poll_id,
            position=position,
            kind=draft.kind,
            text=draft.text.strip(),
            required=draft.required,
            max_choices=draft.max_choices if draft.kind == "multi" else None,
            scale_min=draft.min if draft.kind == "scale" else None,
            scale_max=draft.max if draft.kind == "scale" else None,
            min_label=draft.min_label.strip() if draft.kind == "scale" else "",
            max_label=draft.max_label.strip() if draft.kind == "scale" else "",
            help=draft.help.strip(),
        )
        await row.save()
        options = _all_options(draft)
        if options:
            await t.Option.insert(
                *(
                    t.Option(question=row.id, position=i, label=label.strip(), other=other)
                    for i, (label, other) in enumerate(options)
                )
            )


async def create(principal: Principal, draft: PollDraft, *, series: str | None = None) -> Poll:
    if not principal.can_run_polls:
        raise Forbidden(N_("Viewers can read results but not change polls."))
    unit = await units.unit_in_scope(principal, draft.unit)
    errors = check_draft(draft)
    if errors:
        raise InvalidInput(errors)
    async with t.Poll._meta.db.transaction():
        row = t.Poll(
            unit=unit.id,
            title=draft.title.strip(),
            description=draft.description.strip(),
            language=draft.language,
            status=PollStatus.DRAFT,
            opens_at=aware(draft.opens_at),
            closes_at=aware(draft.closes_at),
            min_group_size=draft.min_group_size,
            duplicate_policy=draft.duplicate_policy,
            publish_results=draft.publish_results,
            series=series or secrets.token_hex(8),
            created_by=principal.officer_id,
        )
        await row.save()
        await _write_questions(row.id, draft.questions)
    return await load(row.id)


def as_draft(poll: Poll) -> PollDraft:
    return PollDraft(
        unit=poll.unit_slug,
        title=poll.title,
        description=poll.description,
        language=poll.language,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        min_group_size=poll.min_group_size,
        duplicate_policy=poll.duplicate_policy,
        publish_results=poll.publish_results,
        questions=tuple(
            QuestionDraft(
                kind=q.kind,
                text=q.text,
                required=q.required,
                options=tuple(o.label for o in q.options if not o.other),
                max_choices=q.max_choices,
                min=q.scale_min,
                max=q.scale_max,
                min_label=q.min_label,
                max_label=q.max_label,
                help=q.help,
                other=q.other_option.label if q.other_option else "",
            )
            for q in poll.questions
        ),
    )


async def update(principal: Principal, poll_id: int, changes: dict[str, object]) -> Poll:
    """Change a poll. A draft can change in every way. Once open, its questions and the
    unit are fixed (the answers would stop meaning anything), and its anonymity can only
    become stricter: the minimum group size may rise, never fall."""
    poll = await get_for_change(principal, poll_id)
    status = poll.effective_status(now())
    unit = await units.get(poll.unit_id)
    current = as_draft(poll)
    if status != PollStatus.DRAFT:
        locked = {"questions", "unit", "duplicate_policy", "language"} & changes.keys()
        # a closed poll may still decide whether its (suppressed) results are published
        closed_change = status == PollStatus.CLOSED and changes.keys() - {"publish_results"}
        if closed_change or locked:
            raise Conflict(
                N_("Only a draft can change its questions; duplicate the poll to make a new draft.")
            )
        if int(changes.get("min_group_size", poll.min_group_size)) < poll.min_group_size:  # type: ignore[call-overload]
            raise Conflict(N_("Once a poll is open, its anonymity can only become stricter."))
    fields = {**current.__dict__, **changes}
    if "questions" in changes:
        fields["questions"] = tuple(changes["questions"])  # type: ignore[arg-type]
    draft = PollDraft(**fields)  # type: ignore[arg-type]
    if draft.unit != unit.slug:
        unit = await units.unit_in_scope(principal, draft.unit)
    errors = check_draft(draft)
    if errors:
        raise InvalidInput(errors)
    async with t.Poll._meta.db.transaction():
        await t.Poll.update(
            {
                t.Poll.unit: unit.id,
                t.Poll.title: draft.title.strip(),
                t.Poll.description: draft.description.strip(),
                t.Poll.language: draft.language,
                t.Poll.opens_at: aware(draft.opens_at),
                t.Poll.closes_at: aware(draft.closes_at),
                t.Poll.min_group_size: draft.min_group_size,
                t.Poll.duplicate_policy: draft.duplicate_policy,
                t.Poll.publish_results: draft.publish_results,
                t.Poll.updated_at: now(),
                t.Poll.version: t.Poll.version + 1,
            }
        ).where(t.Poll.id == poll.id)
        if "questions" in changes:
            await t.Question.delete().where(t.Question.poll == poll.id)
            await _write_questions(poll.id, draft.questions)
        changed = [name for name in changes if getattr(draft, name) != getattr(current, name)]
        if status != PollStatus.DRAFT and changed:
            await t.PollEdit.insert(
                t.PollEdit(
                    poll=poll.id,
                    officer=principal.officer_id,
                    edited_at=now(),
                    fields=",".join(changed)[:1000],
                )
            )
    forget_poll(poll.id)
    return await load(poll.id)


async def _set_status(poll: Poll, status: PollStatus) -> Poll:
    await t.Poll.update(
        {t.Poll.status: status, t.Poll.updated_at: now(), t.Poll.version: t.Poll.version + 1}
    ).where(t.Poll.id == poll.id)
    forget_poll(poll.id)
    return await load(poll.id)


async def open_poll(principal: Principal, poll_id: int) -> Poll:
    poll = await get_for_change(principal, poll_id)
    if poll.status != PollStatus.DRAFT:
        raise Conflict(N_("Only a draft can be opened."))
    if not poll.questions:
        raise Conflict(N_("A poll needs at least one question before it opens."))
    if poll.closes_at is not None and poll.closes_at <= now():
        raise Conflict(N_("The closing time has passed; change it before opening."))
    return await _set_status(poll, PollStatus.OPEN)


async def close_poll(principal: Principal, poll_id: int) -> Poll:
    poll = await get_for_change(principal, poll_id)
    if poll.status != PollStatus.OPEN:
        raise Conflict(N_("Only an open poll can be closed."))
    closed = await _set_status(poll, PollStatus.CLOSED)
    # its keys go now, and this hour's responses are unlinked without waiting for the hour
    await unlinking.destroy_keys(poll.id)
    await unlinking.unlink_ended_hours(unlinking.next_hour())
    return closed


def can_reopen(poll: Poll, moment: datetime) -> bool:
    """A poll closed by hand (by mistake) opens again once, while its closing time, if it
    has one, is still ahead."""
    return (
        poll.status == PollStatus.CLOSED
        and poll.reopened_at is None
        and poll.archived_at is None
        and (poll.closes_at is None or poll.closes_at > moment)
    )


async def reopen_poll(principal: Principal, poll_id: int) -> Poll:
    """Open a poll closed by mistake again, once. Its answers are kept; its duplicate keys
    were destroyed at the close, so it starts a new key set: a phone or account that
    answered before the close can answer once more, and the console says so before. Its
    releases never show a state with fewer than k respondents more than the last one
    (``releases.current``: a reopened poll makes no closing release of a remainder)."""
    poll = await get_for_change(principal, poll_id)
    moment = now()
    if poll.status != PollStatus.CLOSED:
        raise Conflict(N_("Only a closed poll can be reopened."))
    if poll.reopened_at is not None:
        raise Conflict(N_("This poll was reopened once already; it cannot be reopened again."))
    if not can_reopen(poll, moment):
        raise Conflict(N_("The closing time has passed; this poll can no longer be reopened."))
    await unlinking.destroy_keys(poll.id)  # the close's destruction is finished first
    reopened = await t.Poll.raw(
        'UPDATE "poll" SET "status" = {}, "keys_destroyed" = {}, "reopened_at" = {}, '
        '"updated_at" = {}, "version" = "version" + 1 '
        'WHERE "id" = {} AND "status" = {} AND "reopened_at" IS NULL RETURNING "id"',
        str(PollStatus.OPEN),
        False,
        moment,
        moment,
        poll.id,
        str(PollStatus.CLOSED),
    )
    if not reopened:
        raise Conflict(N_("This poll was reopened once already; it cannot be reopened again."))
    forget_poll(poll.id)
    return await load(poll.id)


async def has_answers(poll_id: int) -> bool:
    return bool(await t.Response.exists().where(t.Response.poll == poll_id))


async def delete_draft(principal: Principal, poll_id: int) -> None:
    """A draft that never had an answer goes, with its questions and placements; a poll
    with answers is archived instead, never destroyed."""
    poll = await get_for_change(principal, poll_id)
    if poll.status != PollStatus.DRAFT:
        raise Conflict(N_("Only a draft can be deleted; archive a poll that has been open."))
    if await has_answers(poll.id):
        raise Conflict(N_("This poll has answers; it can be archived, not deleted."))
    async with t.Poll._meta.db.transaction():
        placement_ids = t.Placement.select(t.Placement.id).where(t.Placement.poll == poll.id)
        await t.PlacementVisit.delete().where(t.PlacementVisit.placement.is_in(placement_ids))
        await t.Placement.delete().where(t.Placement.poll == poll.id)
        question_ids = t.Question.select(t.Question.id).where(t.Question.poll == poll.id)
        await t.Option.delete().where(t.Option.question.is_in(question_ids))
        await t.Question.delete().where(t.Question.poll == poll.id)
        await t.Poll.delete().where(t.Poll.id == poll.id)
    forget_poll(poll.id)


async def set_archived(principal: Principal, poll_id: int, archived: bool) -> Poll:
    """Hide a poll that is not running from the lists (its results and trends stay), or
    bring it back."""
    poll = await get_for_change(principal, poll_id)
    if archived and poll.effective_status(now()) in (PollStatus.OPEN, PollStatus.SCHEDULED):
        raise Conflict(N_("Close the poll before archiving it."))
    await t.Poll.update(
        {t.Poll.archived_at: now() if archived else None, t.Poll.updated_at: now()}
    ).where(t.Poll.id == poll.id)
    forget_poll(poll.id)
    return await load(poll.id)


async def duplicate(principal: Principal, poll_id: int) -> Poll:
    """A new draft with the same questions, in the same series (for trends)."""
    poll = await get_for_change(principal, poll_id)
    draft = as_draft(poll)
    copy = PollDraft(**{**draft.__dict__, "opens_at": None, "closes_at": None})
    return await create(principal, copy, series=poll.series)
