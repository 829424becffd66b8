"""What the live meeting view shows of a poll at one moment, as plain JSON-ready values.

Built from released results (``analytics.tally``): below the minimum group size it holds only
the message when results will appear, never a count. It moves in release steps; between
them it says how many new answers are waiting for the next one, in whole steps of k
(``disclosure.shown_waiting``), so that it too moves by at least k people at a time.
Free-text answers are not shown on a projector. Every number comes formatted for the
current locale, so the page's script only puts text in place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from polls.analytics import describe
from polls.analytics.tally import PollResults
from polls.analytics.trend import CHARTED_KINDS
from polls.i18n import approx, gettext, ngettext, number, percent
from polls.models import Poll


@dataclass(frozen=True)
class LiveOption:
    label: str
    count: int
    count_text: str
    percent_text: str
    fraction: float


@dataclass(frozen=True)
class LiveQuestion:
    number: int
    """1-based, as on the results page."""
    text: str
    answered_text: str
    options: tuple[LiveOption, ...]
    mean_text: str


@dataclass(frozen=True)
class LiveSnapshot:
    responses: int
    responses_text: str
    visible: bool
    message: str
    """Why nothing is shown yet (empty once results are visible)."""
    questions: tuple[LiveQuestion, ...]
    waiting_text: str = ""
    """How many new answers wait for the next release (empty when none, or below k)."""

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def build_snapshot(
    poll: Poll, results: PollResults, waiting: int = 0, step: int = 0
) -> LiveSnapshot:
    """The view at one release; ``waiting`` answers stored since, ``step`` needed for the
    next release."""
    responses_text = ngettext(
        "%(n)s response", "%(n)s responses", results.responses, n=number(results.responses)
    )
    if not results.questions_visible:
        return LiveSnapshot(
            0,
            "",
            False,
            describe.not_yet_visible(poll.min_group_size),
            (),
        )
    questions = []
    for position, tally in enumerate(results.questions, start=1):
        if tally.kind not in CHARTED_KINDS:
            continue
        options = tuple(
            LiveOption(
                describe.share_label(share),
                share.count,
                approx(share.count),
                percent(share.fraction, 0),
                share.fraction,
            )
            for share in tally.shares
        )
        mean = describe.mean_text(tally.mean) if tally.mean else ""
        answered = gettext("%(n)s answered", n=approx(tally.answered))
        questions.append(LiveQuestion(position, tally.text, answered, options, mean))
    waiting_text = (
        ngettext(
            "At least %(n)s new answer is waiting; the results move when %(step)s have come in.",
            "At least %(n)s new answers are waiting; the results move when %(step)s have come in.",
            waiting,
            n=number(waiting),
            step=number(step),
        )
        if waiting
        else ""
    )
    return LiveSnapshot(results.responses, responses_text, True, "", tuple(questions), waiting_text)
