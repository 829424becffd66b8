"""What a poll's results shared to a chat hold, whichever messenger carries them (Telegram's
share-results, the Zalo Bot's): one rule for both.

Each charted question's chart (the released one, ``polls.services.renders``), captioned with
the poll's title, the question, n and the poll's period; free-text questions never. A poll
below its minimum group size sends no chart, only a short message saying from how many
responses results appear. A draft has nothing to share. Every figure comes from the
release (``polls.services.results.results_for``), as on every page.
"""

from __future__ import annotations

from dataclasses import dataclass

from polls.analytics import describe
from polls.analytics.trend import CHARTED_KINDS
from polls.errors import N_, Conflict, DomainError, InvalidInput, RateLimited, Unavailable
from polls.i18n import LOCALES, get_locale, using_locale
from polls.messengers.bot import BotApiError, BotUnreachable, ChatUnreachable, SendDeferred
from polls.models import Poll, PollStatus, Question
from polls.services import results


@dataclass(frozen=True)
class Refusals:
    """What a messenger's officer is told when a message is not sent, in its own words."""

    deferred: str
    """Our own scheduler holds the message back (``SendDeferred``): try again later."""
    unreachable: str
    """The chat is gone or the bot is not in it (``ChatUnreachable``)."""
    not_reached: str
    """The platform did not answer (``BotUnreachable``)."""
    refused: str
    """Any other refusal of the platform."""


def refusal(error: BotApiError, messages: Refusals) -> DomainError:
    """The domain error for a message the platform (or our own scheduler) would not send."""
    if isinstance(error, SendDeferred):
        limited = RateLimited(retry_after=error.retry_after)
        limited.message = messages.deferred
        return limited
    if isinstance(error, ChatUnreachable):
        return Conflict(messages.unreachable)
    if isinstance(error, BotUnreachable):
        return Unavailable(messages.not_reached)
    return Conflict(messages.refused)


@dataclass(frozen=True)
class SharePlan:
    poll: Poll
    lang: str
    responses: int
    """The released number of responses."""
    charts: tuple[Question, ...]
    """The questions whose charts are sent; empty: only the notice (results not visible)."""


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def plan(poll: Poll, lang: str | None, errors: dict[str, str]) -> SharePlan:
    """What to send of ``poll``'s results, in ``lang`` (the current locale unless told);
    ``errors`` are the caller's own refusals of its input (the chat), reported together with
    a bad language as one ``InvalidInput``."""
    if lang is not None and lang not in LOCALES:
        errors["lang"] = N_("Choose Vietnamese (vi) or English (en).")
    if errors:
        raise InvalidInput(errors)
    if poll.status == PollStatus.DRAFT:
        raise Conflict(N_("A draft has no results to share yet."))
    charted = tuple(q for q in poll.questions if q.kind in CHARTED_KINDS)
    if not charted:
        raise Conflict(N_("This poll has no question with a chart (free text is not charted)."))
    language = lang or get_locale()
    with using_locale(language):
        tallied = await results.results_for(poll, None)
    return SharePlan(
        poll, language, tallied.responses, charted if tallied.questions_visible else ()
    )


def caption_lines(poll: Poll, question: Question, responses: int) -> tuple[str, str, str]:
    """The title, the question and its facts (n · period), each clipped so a caption stays
    well within a messenger's limit (Telegram's 1024 characters) whatever the officer
    wrote. Plain text: each messenger escapes it its own way."""
    title = clip(poll.title, 250)
    asked = clip(f"{question.position + 1}. {question.text}", 600)
    period = describe.period(poll.opens_at or poll.created_at, poll.closes_at)
    facts = " · ".join(p for p in (describe.sample_size(responses), period) if p)
    return title, asked, facts


def not_yet_lines(poll: Poll) -> tuple[str, str]:
    """The notice sent instead of charts while results are not visible."""
    return clip(poll.title, 250), describe.not_yet_visible(poll.min_group_size)
