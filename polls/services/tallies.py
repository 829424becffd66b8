"""Paper tallies: counts an officer enters by hand for a show of hands or paper ballots
counted at a session, as a placement of kind ``paper``.

A tally is one per placement, entered whole and replaced whole when corrected (one
transaction: no half-written tally is ever read). It is not a set of responses: no row per
person is made up for it. ``services.releases`` takes it into each release as the atom of its
placement on the channel ``paper``, so it is protected, perturbed and stepped like any answers,
and counted in every total; the results show it as its own placement and channel, and the
report says who entered it by hand.

The counts entered are never shown back, not even to the officer who typed them: they would
be exact figures beside released ones, and a released class minus an exact part of it is a
smaller group. A tally covers the questions of one answer per person (``TALLIED_KINDS``): a
show of hands for each option adds up to the people who answered that question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from polls import db
from polls import tables as t
from polls.db import WriteSteps
from polls.errors import N_, Conflict, InvalidInput, NotFound
from polls.models import Placement, PlacementKind, Poll, PollStatus, Principal, Question
from polls.services import placements, polls

TALLIED_KINDS = frozenset({"single", "yes_no", "scale"})
MAX_COUNT = 100_000
"""More than any hall holds: a typing slip, not a count."""
YES_NO = ((1, N_("Yes")), (0, N_("No")))

DELETE_TALLY = 'DELETE FROM "paper_tally" WHERE "placement" = {}'
INSERT_TALLY = (
    'INSERT INTO "paper_tally" ("placement", "respondents", "entered_by", "entered_by_name", '
    '"entered_at") VALUES ({}, {}, {}, {}, {}) RETURNING "id"'
)
INSERT_COUNT = (
    'INSERT INTO "paper_count" ("tally", "question", "option", "value_int", "people") '
    "VALUES ({}, {}, {}, {}, {})"
)


@dataclass(frozen=True)
class Choice:
    """One box of the tally form: an option or a scale value of a question."""

    field: str
    option_id: int | None
    value_int: int | None
    label: str
    """A msgid for yes and no (translated where shown), the option's own text otherwise."""


@dataclass(frozen=True)
class TalliedQuestion:
    number: int
    question: Question
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Entered:
    """That a placement's counts were entered by hand, and by whom: no count."""

    placement_id: int
    placement_label: str
    entered_by: str
    entered_at: datetime


@dataclass(frozen=True)
class TallySheet:
    poll: Poll
    placement: Placement
    questions: tuple[TalliedQuestion, ...]
    entered: Entered | None


def choices(question: Question) -> tuple[Choice, ...]:
    """The boxes of a question on the tally form, keyed as its answers are counted."""
    prefix = f"q{question.id}_"
    if question.kind == "single":
        return tuple(Choice(f"{prefix}o{o.id}", o.id, None, o.label) for o in question.options)
    if question.kind == "yes_no":
        return tuple(Choice(f"{prefix}v{v}", None, v, label) for v, label in YES_NO)
    if question.kind == "scale":
        low = 1 if question.scale_min is None else question.scale_min
        high = 5 if question.scale_max is None else question.scale_max
        return tuple(Choice(f"{prefix}v{v}", None, v, str(v)) for v in range(low, high + 1))
    return ()


def tallied_questions(poll: Poll) -> tuple[TalliedQuestion, ...]:
    return tuple(
        TalliedQuestion(number, q, choices(q))
        for number, q in enumerate(poll.questions, start=1)
        if q.kind in TALLIED_KINDS
    )


async def _paper_placement(principal: Principal, placement_id: int) -> Placement:
    placement = await placements.get(principal, placement_id)
    if placement.kind != PlacementKind.PAPER:
        raise NotFound(N_("This placement is not a paper tally."))
    return placement


async def sheet(principal: Principal, placement_id: int) -> TallySheet:
    """The tally form of a paper placement: its questions and who entered it, if anyone."""
    placement = await _paper_placement(principal, placement_id)
    poll = await polls.get(principal, placement.poll_id)
    done = [e for e in await entered(poll.id) if e.placement_id == placement.id]
    return TallySheet(poll, placement, tallied_questions(poll), done[0] if done else None)


def read_counts(
    questions: tuple[TalliedQuestion, ...], form: Mapping[str, object]
) -> dict[str, int]:
    """The counts typed into the form, by field; a field left empty is 0."""
    errors: dict[str, str] = {}
    counts: dict[str, int] = {}
    for tallied in questions:
        for choice in tallied.choices:
            raw = form.get(choice.field)
            text = raw.strip() if isinstance(raw, str) else ""
            if not text:
                counts[choice.field] = 0
            elif not (text.isascii() and text.isdigit()) or int(text) > MAX_COUNT:
                errors[choice.field] = N_("Write a whole number of people, from 0 to 100000.")
            else:
                counts[choice.field] = int(text)
    if errors:
        raise InvalidInput(errors)
    if not any(counts.values()):
        raise InvalidInput({"counts": N_("Enter how many people chose at least one option.")})
    return counts


async def enter(
    principal: Principal, placement_id: int, form: Mapping[str, object], *, now: datetime
) -> Entered:
    """Store the counts of a paper placement, replacing any entered before, at once."""
    placement = await _paper_placement(principal, placement_id)
    poll = await polls.get_for_change(principal, placement.poll_id)
    status = poll.effective_status(now)
    if status != PollStatus.OPEN:
        raise Conflict(N_("Counts are entered while the poll is open."))
    questions = tallied_questions(poll)
    counts = read_counts(questions, form)
    respondents = max(sum(counts[c.field] for c in q.choices) for q in questions)
    name = principal.display_name or principal.username

    def replace() -> WriteSteps[None]:
        yield (DELETE_TALLY, [placement.id])
        rows = yield (
            INSERT_TALLY,
            [placement.id, respondents, principal.officer_id, name, now],
        )
        tally_id = rows[0]["id"] if isinstance(rows[0], Mapping) else rows[0][0]
        for tallied in questions:
            for choice in tallied.choices:
                yield (
                    INSERT_COUNT,
                    [
                        tally_id,
                        tallied.question.id,
                        choice.option_id,
                        choice.value_int,
                        counts[choice.field],
                    ],
                )

    await db.write(t.PaperTally._meta.db, replace)
    return Entered(placement.id, placement.label, name, now)


async def entered(poll_id: int) -> list[Entered]:
    """The poll's paper tallies: where, by whom and when they were entered; no count."""
    rows = await t.PaperTally.raw(
        'SELECT pt."placement" AS p, pl."label" AS label, pt."entered_by_name" AS who, '
        'pt."entered_at" AS at FROM "paper_tally" pt JOIN "placement" pl '
        'ON pl."id" = pt."placement" WHERE pl."poll" = {} ORDER BY pl."id"',
        poll_id,
    )
    return [Entered(int(r["p"]), str(r["label"]), str(r["who"]), _moment(r["at"])) for r in rows]


def _moment(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
