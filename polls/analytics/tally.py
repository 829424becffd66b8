"""Count a poll's answers, overall and per breakdown segment, under the anonymity rules.

Input is plain aggregate counts (from ``polls.services.results``); output is frozen values
that already respect suppression, so a page, chart or export cannot show what it must not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from polls import privacy
from polls.forms.kinds import QuestionTally, kind_of
from polls.models import Poll

QuestionCounts = Mapping[int, Mapping[tuple[int | None, int | None], int]]


@dataclass(frozen=True)
class SegmentCounts:
    key: str
    label: str
    responses: int
    counts: QuestionCounts
    answered: Mapping[int, int]


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    suppressed: bool
    responses: int | None
    questions: tuple[QuestionTally, ...] | None
    members: tuple[str, ...] = ()
    """For the merged "other" group: the labels of the segments it holds."""


@dataclass(frozen=True)
class PollResults:
    poll_id: int
    responses: int
    min_group_size: int
    questions_visible: bool
    texts_visible: bool
    questions: tuple[QuestionTally, ...]
    breakdown_by: str | None
    segments: tuple[Segment, ...]


def _tallies(
    poll: Poll,
    counts: QuestionCounts,
    answered: Mapping[int, int],
    texts: Mapping[int, Sequence[str]] | None,
) -> tuple[QuestionTally, ...]:
    return tuple(
        kind_of(q).tally(
            q,
            counts.get(q.id, {}),
            answered.get(q.id, 0),
            None if texts is None else texts.get(q.id, ()),
        )
        for q in poll.questions
    )


def _merge(segments: Sequence[SegmentCounts]) -> tuple[QuestionCounts, dict[int, int]]:
    counts: dict[int, dict[tuple[int | None, int | None], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    answered: dict[int, int] = defaultdict(int)
    for segment in segments:
        for question_id, by_value in segment.counts.items():
            for value, n in by_value.items():
                counts[question_id][value] += n
        for question_id, n in segment.answered.items():
            answered[question_id] += n
    return counts, answered


def build_results(
    poll: Poll,
    segments: Sequence[SegmentCounts],
    texts: Mapping[int, Sequence[str]],
    *,
    breakdown_by: str | None,
    other_label: str,
) -> PollResults:
    """Overall tallies and, when ``breakdown_by`` is given, its segments, suppressed."""
    total = sum(s.responses for s in segments)
    k = poll.min_group_size
    visible = total >= k
    texts_visible = privacy.text_answers_visible(total, k)
    counts, answered = _merge(segments)
    overall = _tallies(poll, counts, answered, texts if texts_visible else None) if visible else ()
    shown: list[Segment] = []
    if breakdown_by is not None:
        decision = privacy.suppress([(s.key, s.responses) for s in segments], k)
        by_key = {s.key: s for s in segments}
        for d in decision.segments:
            segment = by_key[d.key]
            if d.shown:
                shown.append(
                    Segment(
                        segment.key,
                        segment.label,
                        False,
                        segment.responses,
                        _tallies(poll, segment.counts, segment.answered, None),
                    )
                )
            else:
                shown.append(Segment(segment.key, segment.label, True, None, None))
        if decision.other:
            members = [by_key[key] for key in decision.other]
            merged_counts, merged_answered = _merge(members)
            shown.append(
                Segment(
                    "other",
                    other_label,
                    False,
                    sum(m.responses for m in members),
                    _tallies(poll, merged_counts, merged_answered, None),
                    members=tuple(m.label for m in members),
                )
            )
    return PollResults(
        poll_id=poll.id,
        responses=total,
        min_group_size=k,
        questions_visible=visible,
        texts_visible=texts_visible,
        questions=overall,
        breakdown_by=breakdown_by,
        segments=tuple(shown),
    )
