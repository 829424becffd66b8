"""Safe edits of an open poll, and the poll's history of them.

Once answers are coming in, a change may not alter what an answer already given means. So
an open (or scheduled) poll may change its title, description, closing time (to a later
moment than now: closing now is ``close_poll``'s, with its confirmation), whether results
are published, its minimum group size upwards only, and the wording of a question or option
by a typo's worth (``is_typo_fix``), the help text under a question likewise. Its kinds,
an "other (please specify)" option added or taken away, options, order, scales, required flags,
unit, language and duplicate policy stay; the console explains why. Each edit is kept in
``poll_edit`` with which fields changed and when, and shown on results as "edited at ...".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from polls import tables as t
from polls.errors import N_, Conflict, InvalidInput
from polls.i18n import local_datetime
from polls.models import Poll, PollStatus, Principal
from polls.services import polls
from polls.services.cache import forget_poll

TYPO_SHARE = 0.2
"""A wording fix may change up to this share of a text's characters (at least 3)."""


@dataclass(frozen=True)
class Amendment:
    """What an open poll's safe edit may change; ``None`` keeps the current value."""

    title: str | None = None
    description: str | None = None
    closes_at: datetime | None = None
    clear_closes_at: bool = False
    publish_results: bool | None = None
    min_group_size: int | None = None
    question_texts: Mapping[int, str] = field(default_factory=dict)
    """Question id -> its corrected text."""
    option_labels: Mapping[int, str] = field(default_factory=dict)
    """Option id -> its corrected label."""
    question_helps: Mapping[int, str] = field(default_factory=dict)
    """Question id -> its corrected help text."""


@dataclass(frozen=True)
class Edit:
    edited_at: datetime
    fields: tuple[str, ...]

    @property
    def when(self) -> str:
        """The moment of the edit in the reader's language."""
        return local_datetime(self.edited_at)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions of one character."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right))
            )
        previous = current
    return previous[-1]


def is_typo_fix(old: str, new: str) -> bool:
    """Whether ``new`` corrects ``old`` rather than saying something else: at most a fifth
    of its characters (and at least 3) inserted, removed or replaced. "Có" to "Không" is
    not a fix; "Bảng tín" to "Bảng tin" is."""
    allowed = max(3, math.ceil(TYPO_SHARE * len(old.strip())))
    return edit_distance(old.strip(), new.strip()) <= allowed


def _fixed_questions(poll: Poll, amendment: Amendment) -> tuple[dict[str, str], list[str]]:
    """Errors keyed like the poll's definition, and the names of the fields that change."""
    errors: dict[str, str] = {}
    changed: list[str] = []
    options = {o.id: (index, q, o) for index, q in enumerate(poll.questions) for o in q.options}
    questions = {q.id: (index, q) for index, q in enumerate(poll.questions)}
    for question_id, text in amendment.question_texts.items():
        if question_id not in questions:
            errors["questions"] = N_("This question is not part of the poll.")
            continue
        index, question = questions[question_id]
        if text.strip() == question.text:
            continue
        if not is_typo_fix(question.text, text):
            errors[f"questions.{index}.text"] = N_(
                "That changes more than a typo, and answers already given would change their "
                "meaning. Duplicate the poll to ask a different question."
            )
        changed.append(f"questions.{index}.text")
    for question_id, help in amendment.question_helps.items():
        if question_id not in questions:
            errors["questions"] = N_("This question is not part of the poll.")
            continue
        index, question = questions[question_id]
        if help.strip() == question.help:
            continue
        if not is_typo_fix(question.help, help):
            errors[f"questions.{index}.help"] = N_(
                "That changes more than a typo of the help text. Duplicate the poll to explain "
                "the question differently."
            )
        changed.append(f"questions.{index}.help")
    for option_id, label in amendment.option_labels.items():
        if option_id not in options:
            errors["questions"] = N_("This option is not part of the poll.")
            continue
        index, question, option = options[option_id]
        if label.strip() == option.label:
            continue
        if not is_typo_fix(option.label, label):
            errors[f"questions.{index}.options"] = N_(
                "That changes more than a typo, and answers already given would change their "
                "meaning. Duplicate the poll to offer different options."
            )
        changed.append(f"questions.{index}.options")
    return errors, changed


async def amend(principal: Principal, poll_id: int, amendment: Amendment) -> Poll:
    """Apply a safe edit to an open or scheduled poll, or refuse all of it."""
    poll = await polls.get_for_change(principal, poll_id)
    status = poll.effective_status(polls.now())
    if status == PollStatus.DRAFT:
        raise Conflict(N_("A draft changes in the editor."))
    if status == PollStatus.CLOSED:
        raise Conflict(N_("This poll has closed; only publishing its results can change."))
    size = poll.min_group_size if amendment.min_group_size is None else amendment.min_group_size
    if size < poll.min_group_size:
        raise Conflict(N_("Once a poll is open, its anonymity can only become stricter."))
    closes_at = None if amendment.clear_closes_at else amendment.closes_at or poll.closes_at
    errors, changed = _fixed_questions(poll, amendment)
    if closes_at is not None and closes_at <= polls.now() and closes_at != poll.closes_at:
        errors["closes_at"] = N_(
            "The closing time must be later than now. To close the poll now, use Close."
        )
    current = polls.as_draft(poll)
    texts = dict(amendment.question_texts)
    labels = dict(amendment.option_labels)
    helps = dict(amendment.question_helps)
    draft = replace(
        current,
        title=current.title if amendment.title is None else amendment.title,
        description=current.description if amendment.description is None else amendment.description,
        closes_at=closes_at,
        min_group_size=size,
        publish_results=current.publish_results
        if amendment.publish_results is None
        else amendment.publish_results,
        questions=tuple(
            replace(
                q_draft,
                text=texts.get(q.id, q.text).strip(),
                options=tuple(labels.get(o.id, o.label).strip() for o in q.options if not o.other),
                other=labels.get(q.other_option.id, q.other_option.label).strip()
                if q.other_option
                else "",
                help=helps.get(q.id, q.help).strip(),
            )
            for q, q_draft in zip(poll.questions, current.questions, strict=True)
        ),
    )
    errors = {**polls.check_draft(draft), **errors}
    if errors:
        raise InvalidInput(errors)
    for name in ("title", "description", "closes_at", "min_group_size", "publish_results"):
        if getattr(draft, name) != getattr(current, name):
            changed.insert(0, name)
    if not changed:
        return poll
    async with t.Poll._meta.db.transaction():
        await t.Poll.update(
            {
                t.Poll.title: draft.title.strip(),
                t.Poll.description: draft.description.strip(),
                t.Poll.closes_at: closes_at,
                t.Poll.min_group_size: size,
                t.Poll.publish_results: draft.publish_results,
                t.Poll.updated_at: polls.now(),
                t.Poll.version: t.Poll.version + 1,
            }
        ).where(t.Poll.id == poll.id)
        for question in poll.questions:
            if question.id in texts and texts[question.id].strip() != question.text:
                await t.Question.update({t.Question.text: texts[question.id].strip()}).where(
                    t.Question.id == question.id
                )
            if question.id in helps and helps[question.id].strip() != question.help:
                await t.Question.update({t.Question.help: helps[question.id].strip()}).where(
                    t.Question.id == question.id
                )
            for option in question.options:
                if option.id in labels and labels[option.id].strip() != option.label:
                    await t.Option.update({t.Option.label: labels[option.id].strip()}).where(
                        t.Option.id == option.id
                    )
        await t.PollEdit.insert(
            t.PollEdit(
                poll=poll.id,
                officer=principal.officer_id,
                edited_at=polls.now(),
                fields=",".join(dict.fromkeys(changed))[:1000],
            )
        )
    forget_poll(poll.id)
    return await polls.load(poll.id)


async def history(poll_id: int) -> list[Edit]:
    """The poll's safe edits, oldest first."""
    rows = (
        await t.PollEdit.select(t.PollEdit.edited_at, t.PollEdit.fields)
        .where(t.PollEdit.poll == poll_id)
        .order_by(t.PollEdit.id)
    )
    return [
        Edit(
            polls.aware(row["edited_at"]) or polls.now(),
            tuple(filter(None, row["fields"].split(","))),
        )
        for row in rows
    ]
