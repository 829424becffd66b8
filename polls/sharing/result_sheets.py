"""What a results poster says ("Bạn nói – Công đoàn làm"): plain, final values for its layouts
(``polls.sharing.result_posters``) and its public page, in the language set around the call.

Only released figures come in (``analytics.tally.QuestionTally`` of the poll's overall
results, already perturbed and rounded by ``polls.disclosure``): a headline is the question's
shares drawn as bars, or one sentence about its largest share (a scale's mean). Free-text
questions are never headlines; no breakdown is ever shown, so no small group can be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from polls.analytics.describe import share_label, top_shares
from polls.errors import N_
from polls.forms.kinds import QuestionTally
from polls.i18n import approx, gettext, number, percent

CHART, SENTENCE = "chart", "sentence"
SHOWN_AS = (CHART, SENTENCE)
MOST_BARS = 6
"""A chart on a poster shows at most this many answers: the largest, in the poll's order."""
SLOGAN = N_("You said – the union acts")
DRAFT_MARK = N_("DRAFT – not approved yet")


@dataclass(frozen=True)
class Bar:
    label: str
    fraction: float
    value: str
    """The share as printed: "62 %"."""


@dataclass(frozen=True)
class Headline:
    question: str
    shown_as: str
    sentence: str
    bars: tuple[Bar, ...] = ()


@dataclass(frozen=True)
class ResultsSheet:
    """One poll's results poster, every text final."""

    unit: str
    slogan: str
    title: str
    answered: str
    headlines: tuple[Headline, ...]
    response_heading: str
    response_text: str
    qr_text: str
    """What the QR code carries; empty when the poster has none."""
    qr_caption: str
    link: str
    """The QR target as printed, for people who type it."""
    footer: str
    draft_mark: str
    """Empty once approved: only then is the poster printable as it is."""


def sentence(tally: QuestionTally) -> str:
    """The question's headline in one sentence, from released figures only."""
    if tally.kind == "scale" and tally.mean is not None:
        top = max((int(s.key) for s in tally.shares if s.key.lstrip("-").isdigit()), default=0)
        return gettext(
            "On average %(mean)s out of %(top)s", mean=approx(tally.mean, 1), top=number(top)
        )
    tied = top_shares(tally)
    if not tied:
        return gettext("Not enough answers to this question to show a result.")
    largest = tied[0]
    if len(tied) == 2:
        return gettext(
            "“%(first)s” and “%(second)s”: %(percent)s each",
            first=share_label(tied[0]),
            second=share_label(tied[1]),
            percent=percent(largest.fraction),
        )
    if len(tied) > 2:
        return gettext(
            "%(count)s answers tied, %(percent)s each",
            count=number(len(tied)),
            percent=percent(largest.fraction),
        )
    if tally.kind == "yes_no":
        return gettext(
            "%(percent)s answered “%(answer)s”",
            percent=percent(largest.fraction),
            answer=share_label(largest),
        )
    return gettext(
        "%(percent)s chose “%(answer)s”",
        percent=percent(largest.fraction),
        answer=share_label(largest),
    )


def bars(tally: QuestionTally) -> tuple[Bar, ...]:
    largest = sorted(tally.shares, key=lambda s: -s.fraction)[:MOST_BARS]
    kept = [s for s in tally.shares if s in largest]
    return tuple(Bar(share_label(s), s.fraction, percent(s.fraction)) for s in kept)


def question_line(tally: QuestionTally) -> str:
    """The question as a headline prints it; a multiple-choice one says that its shares
    may add up to more than 100 %."""
    if tally.kind == "multi":
        return gettext("%(question)s (several answers allowed)", question=tally.text)
    return tally.text


def headline(tally: QuestionTally, shown_as: str) -> Headline:
    chart = shown_as == CHART and any(s.count for s in tally.shares)
    return Headline(
        question_line(tally),
        CHART if chart else SENTENCE,
        sentence(tally),
        bars(tally) if chart else (),
    )


def answered_text(respondents: int) -> str:
    return gettext("%(n)s people answered", n=number(respondents))


def build(
    *,
    unit: str,
    title: str,
    respondents: int,
    chosen: Sequence[tuple[QuestionTally, str]],
    response_text: str,
    qr_text: str,
    qr_caption: str,
    link: str,
    approved_by: str,
    approved_on: str,
) -> ResultsSheet:
    """The sheet of a poster: ``chosen`` are released tallies with how each is shown; an
    empty ``approved_by`` marks it a draft."""
    approved = bool(approved_by)
    return ResultsSheet(
        unit=unit,
        slogan=gettext(SLOGAN),
        title=title,
        answered=answered_text(respondents),
        headlines=tuple(headline(tally, shown_as) for tally, shown_as in chosen),
        response_heading=gettext("What the union will do"),
        response_text=response_text,
        qr_text=qr_text,
        qr_caption=qr_caption,
        link=link,
        footer=gettext(
            "Approved by %(name)s on %(day)s · Figures are rounded and slightly perturbed, "
            "so that no one can be recognised.",
            name=approved_by,
            day=approved_on,
        )
        if approved
        else gettext(
            "Figures are rounded and slightly perturbed, so that no one can be recognised."
        ),
        draft_mark="" if approved else gettext(DRAFT_MARK),
    )
