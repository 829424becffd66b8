"""Count a poll's released answers, overall and per breakdown segment, under disclosure control.

Input is a release's aggregate counts (``polls.services.releases``) and the decision of
``polls.disclosure.protect``; output is frozen values that already respect it, so a page,
chart or export cannot show what it must not: a hidden cell has no numbers, a shown one has
its figures perturbed by their cell keys (``disclosure.noisy``), and the hidden cells of a
breakdown are shown together as one group. Only the released total is exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

from polls import disclosure
from polls.forms.kinds import QuestionTally, kind_of
from polls.models import Poll

SINGLE_ANSWER_KINDS = frozenset({"single", "scale", "yes_no"})
"""Kinds where every respondent gives one answer: their shares add up to 100 %."""

QuestionCounts = Mapping[int, Mapping[tuple[int | None, int | None], int]]


@dataclass(frozen=True)
class SegmentCounts:
    key: str
    label: str
    responses: int
    counts: QuestionCounts
    answered: Mapping[int, int]
    atoms: frozenset[Hashable] = frozenset()
    """The atoms with anyone in them that the group covers: its figures' noise is keyed by
    them (``disclosure.group_identity``), not by the breakdown's name for it."""


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    suppressed: bool
    responses: int | None
    questions: tuple[QuestionTally, ...] | None
    members: tuple[str, ...] = ()
    """For the "hidden groups together" group: the labels of the segments it holds."""


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
    text_threshold: int = 10
    """Answers a free-text question needs before its texts are shown."""


def _noisy(
    salt: str, cell: str, counts: QuestionCounts, answered: Mapping[int, int], most: int
) -> tuple[QuestionCounts, dict[int, int]]:
    """A cell's counts as released: each perturbed by its own key, none above its question's
    (perturbed) number of answers, and no question answered by more than the group's
    released size ``most`` (never "138 answered" of 137)."""
    shown_answered = {
        q: min(most, disclosure.noisy(salt, f"{cell}|answered|{q}", n)) for q, n in answered.items()
    }
    shown: dict[int, dict[tuple[int | None, int | None], int]] = {}
    for q, by_value in counts.items():
        top = shown_answered.get(q, 0)
        shown[q] = {
            value: min(top, disclosure.noisy(salt, f"{cell}|count|{q}|{value[0]}|{value[1]}", n))
            for value, n in by_value.items()
        }
    return shown, shown_answered


def _tallies(
    poll: Poll,
    counts: QuestionCounts,
    answered: Mapping[int, int],
    texts: Mapping[int, Sequence[str]] | None,
) -> tuple[QuestionTally, ...]:
    return tuple(
        _released(
            kind_of(q).tally(
                q,
                counts.get(q.id, {}),
                answered.get(q.id, 0),
                None if texts is None else texts.get(q.id, ()),
            )
        )
        for q in poll.questions
    )


def _released(tally: QuestionTally) -> QuestionTally:
    """Shares rounded to the precision perturbed counts have (``disclosure.released_share``)
    and the mean to one decimal: every page, chart, export and JSON reads these. Where each
    answer counts once (not ``multi``), a share is of the shown counts' sum, so that the
    shares of one group add up to about 100 % even though each count was perturbed alone;
    a scale's mean is the shown counts' own mean, so it agrees with its bars."""
    shown = sum(s.count for s in tally.shares)
    once = tally.kind in SINGLE_ANSWER_KINDS and shown > 0
    shares = tuple(
        replace(
            s,
            fraction=disclosure.released_share(
                s.count / shown if once else s.fraction, tally.answered
            ),
        )
        for s in tally.shares
    )
    mean = tally.mean
    if mean is not None and tally.kind == "scale" and shown > 0:
        # the mean of the bars beside it: of the shown counts, over their sum, not over the
        # separately perturbed number who answered (a group of 14 read 2.4 beside bars of 2.8)
        mean = sum(int(s.key) * s.count for s in tally.shares) / shown
    mean = None if mean is None else round(mean, disclosure.MEAN_DIGITS)
    return replace(tally, shares=shares, mean=mean)


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
    overall: SegmentCounts,
    texts: Mapping[int, Sequence[str]],
    *,
    salt: str,
    breakdown_by: str | None,
    segments: Sequence[SegmentCounts] = (),
    released: frozenset[str] = frozenset(),
    other_label: str = "",
) -> PollResults:
    """Overall tallies and, when ``breakdown_by`` is given, its segments: those in
    ``released`` shown, the others hidden and, together, shown as one group."""
    total = overall.responses
    k = poll.min_group_size
    visible = total >= k
    threshold = disclosure.text_threshold(k)
    shown_texts = {
        q: values
        for q, values in texts.items()
        if overall.answered.get(q, 0) >= threshold and len(values) >= threshold
    }
    everyone = overall.atoms

    def size(atoms: frozenset[Hashable], n: int) -> int:
        """A group's released size: the exact total when it is everyone."""
        if everyone and atoms == everyone:
            return total
        return disclosure.noisy(salt, f"{disclosure.group_identity(atoms)}|responses", n)

    overall_counts, overall_answered = _noisy(
        salt, disclosure.group_identity(everyone), overall.counts, overall.answered, total
    )
    questions = _tallies(poll, overall_counts, overall_answered, shown_texts) if visible else ()
    if visible:
        questions = tuple(
            replace(tally, texts=None)
            if tally.texts is not None and tally.question_id not in shown_texts
            else tally
            for tally in questions
        )
    shown: list[Segment] = []
    if breakdown_by is not None and visible:
        hidden: list[SegmentCounts] = []
        for segment in segments:
            if segment.key in released:
                cell = disclosure.group_identity(segment.atoms)
                responses = size(segment.atoms, segment.responses)
                counts, answered = _noisy(salt, cell, segment.counts, segment.answered, responses)
                shown.append(
                    Segment(
                        segment.key,
                        segment.label,
                        False,
                        responses,
                        _tallies(poll, counts, answered, None),
                    )
                )
            else:
                hidden.append(segment)
                shown.append(Segment(segment.key, segment.label, True, None, None))
        together = sum(s.responses for s in hidden)
        if hidden and together >= k:
            merged_counts, merged_answered = _merge(hidden)
            atoms = frozenset().union(*(s.atoms for s in hidden))
            responses = size(atoms, together)
            counts, answered = _noisy(
                salt, disclosure.group_identity(atoms), merged_counts, merged_answered, responses
            )
            shown.append(
                Segment(
                    "other",
                    other_label,
                    False,
                    responses,
                    _tallies(poll, counts, answered, None),
                    members=tuple(m.label for m in hidden),
                )
            )
    elif breakdown_by is not None:
        shown = [Segment(s.key, s.label, True, None, None) for s in segments]
    return PollResults(
        poll_id=poll.id,
        responses=total,
        min_group_size=k,
        questions_visible=visible,
        texts_visible=bool(shown_texts) and visible,
        questions=questions,
        breakdown_by=breakdown_by,
        segments=tuple(shown),
        text_threshold=threshold,
    )
