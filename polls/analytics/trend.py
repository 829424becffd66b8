"""A question asked again across a series of polls: each option's share in each poll.

Pure: it takes the series' polls (oldest first) with, for each, the tally of the question at
the asked position, or None while that poll is below its minimum group size, and decides
per poll what may be shown:

Each poll is a wave, named by its title (``describe.trend_point_name``); a scale's waves carry
their released mean, drawn as a line.

- ``shown``: the poll has at least its minimum group size of responses and the question at
  that position is the same as the reference's (same kind, same option labels or scale
  points), so its shares are comparable;
- ``hidden``: too few responses; neither its shares nor anything else but that it is hidden
  (its response count is shown on its own results page already, but a trend never needs it);
- ``differs``: the question at that position changed (another kind, other options), or the
  poll has no question there; its shares are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from polls.forms.kinds import QuestionTally
from polls.models import Poll, Question

PointStatus = Literal["shown", "hidden", "differs"]
CHARTED_KINDS = ("single", "multi", "scale", "yes_no")


@dataclass(frozen=True)
class TrendPoint:
    poll_id: int
    title: str
    when: datetime
    """The poll's opening, or its creation when it opened without a date."""
    status: PointStatus
    min_group_size: int
    responses: int | None
    """Shown polls only."""
    shares: tuple[float, ...] | None
    """One fraction per option of the reference question, shown polls only."""
    mean: float | None = None
    """A scale's released mean (``QuestionTally.mean``), shown polls only."""


@dataclass(frozen=True)
class Trend:
    position: int
    """1-based, as the question is numbered on the results page."""
    text: str
    kind: str
    labels: tuple[str, ...]
    """The options (or scale points, or yes/no msgids) the shares belong to."""
    translate_labels: bool
    """Yes/no labels are msgids; options are the officer's own words."""
    points: tuple[TrendPoint, ...]
    scale: tuple[int, int] | None = None
    """A scale's lowest and highest point: its answers are ordered, and it has a mean."""

    @property
    def shown(self) -> tuple[TrendPoint, ...]:
        return tuple(p for p in self.points if p.status == "shown")


def signature(question: Question) -> tuple[object, ...]:
    """What must match for two polls' answers to one question to be compared."""
    if question.kind in ("single", "multi"):
        return (question.kind, tuple(o.label.strip().casefold() for o in question.options))
    if question.kind == "scale":
        return (question.kind, question.scale_min, question.scale_max)
    return (question.kind,)


def question_at(poll: Poll, position: int) -> Question | None:
    return next((q for q in poll.questions if q.position == position - 1), None)


@dataclass(frozen=True)
class SeriesPoll:
    poll: Poll
    responses: int
    tally: QuestionTally | None
    """The tally of the question at the position, None while the poll is below its minimum
    group size (or has no such question)."""


def build_trend(reference: Question, position: int, polls: Sequence[SeriesPoll]) -> Trend:
    """``polls`` oldest first; ``reference`` is the question whose options the shares follow."""
    wanted = signature(reference)
    points = []
    for item in polls:
        poll = item.poll
        when = poll.opens_at or poll.created_at
        question = question_at(poll, position)
        if question is None or signature(question) != wanted:
            points.append(
                TrendPoint(poll.id, poll.title, when, "differs", poll.min_group_size, None, None)
            )
        elif item.responses < poll.min_group_size or item.tally is None:
            points.append(
                TrendPoint(poll.id, poll.title, when, "hidden", poll.min_group_size, None, None)
            )
        else:
            shares = tuple(s.fraction for s in item.tally.shares)
            points.append(
                TrendPoint(
                    poll.id,
                    poll.title,
                    when,
                    "shown",
                    poll.min_group_size,
                    item.responses,
                    shares,
                    item.tally.mean,
                )
            )
    if reference.kind in ("single", "multi"):
        labels = tuple(o.label for o in reference.options)
    elif reference.kind == "scale":
        labels = tuple(
            str(v) for v in range(reference.scale_min or 1, (reference.scale_max or 5) + 1)
        )
    else:
        labels = ("Yes", "No")
    scale = None
    if reference.kind == "scale":
        scale = (reference.scale_min or 1, reference.scale_max or 5)
    return Trend(
        position=position,
        text=reference.text,
        kind=reference.kind,
        labels=labels,
        translate_labels=reference.kind == "yes_no",
        points=tuple(points),
        scale=scale,
    )
