"""Meeting mode: a placement of kind ``meeting`` shown full screen on a projector, its
questions opened, closed and revealed one at a time by the officer (keyboard, or a phone as
remote: any browser signed in as an officer who may run the poll).

What the screen shows is kept in the database (``meeting_state``), not in a process, so the
projector and the phone may be served by different app processes: each open screen asks
every few seconds, like the live view (``services.live``), and is sent anew when the state or
the poll's release changed.

Every figure is a released one: the count of answers to the open question and the revealed
result are the meeting placement's cell of the placement breakdown of the latest release
(``services.results``), so they move in release steps and are perturbed exactly as on the
results page. While disclosure control hides that cell (too few answered here, or it is
merged with a small or empty placement), the screen shows the whole poll's figures and says
so; below ``k`` respondents in all it shows none. A revealed result never shows free text.

The worker's form is the whole poll, unchanged, answered once: one response per person keeps
the duplicate rule, the answer kept on the phone until sent, and every group of the release
a group of people (answering question by question would make one response per question,
and a group of ``k`` responses could then hold fewer than ``k`` people). So opening and
closing a question paces the hall and what the screen shows; it does not refuse answers to
a question that is over (the screen says "this question is over", not "closed").
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Literal

import anyio

from polls import db
from polls import tables as t
from polls.analytics.live import LiveQuestion, live_question
from polls.analytics.trend import CHARTED_KINDS
from polls.db import WriteSteps
from polls.errors import N_, Conflict, InvalidInput, NotFound
from polls.forms.kinds import QuestionTally
from polls.i18n import approx, gettext, ngettext, number, using_locale
from polls.models import Placement, PlacementKind, Poll, PollStatus, Principal
from polls.services import placements, polls, releases, results
from polls.sharing import links

Action = Literal["open", "close", "reveal", "hide", "next", "previous"]
ACTIONS: tuple[str, ...] = ("open", "close", "reveal", "hide", "next", "previous")

READ_STATE = (
    'SELECT "question", "is_open", "revealed", "version" FROM "meeting_state" '
    'WHERE "placement" = {}'
)
WRITE_STATE = (
    'INSERT INTO "meeting_state" ("placement", "question", "is_open", "revealed", "version") '
    'VALUES ({}, {}, {}, {}, 1) ON CONFLICT ("placement") DO UPDATE SET '
    '"question" = "excluded"."question", "is_open" = "excluded"."is_open", '
    '"revealed" = "excluded"."revealed", "version" = "meeting_state"."version" + 1'
)


@dataclass(frozen=True)
class State:
    question_id: int | None = None
    is_open: bool = False
    revealed: bool = False
    version: int = 0


@dataclass(frozen=True)
class Screen:
    """What the projector shows at one moment, every text ready in the current locale."""

    version: int
    question_number: int
    """1-based; 0 before the first question is opened."""
    question_label: str
    question_text: str
    is_open: bool
    status_text: str
    count_text: str
    waiting_text: str
    revealed: bool
    result: LiveQuestion | None
    message: str
    """Why a revealed result shows no figures (too few answers yet, or free text)."""
    scope_text: str = ""
    """Whose answers the figures count: this meeting's, or the whole poll's."""

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Meeting:
    poll: Poll
    placement: Placement
    link: str
    """The link the QR code carries."""
    typed_host: str
    """What one types before the code: the host and path, without ``https://``."""
    screen: Screen


def _row_state(rows: list) -> State:
    if not rows:
        return State()
    row = rows[0]
    return State(row["question"], bool(row["is_open"]), bool(row["revealed"]), int(row["version"]))


async def _meeting_placement(principal: Principal, placement_id: int) -> Placement:
    placement = await placements.get(principal, placement_id)
    if placement.kind != PlacementKind.MEETING:
        raise NotFound(N_("This placement is not a meeting."))
    return placement


async def state(placement_id: int) -> State:
    return _row_state(await t.MeetingState.raw(READ_STATE, placement_id))


async def meeting(principal: Principal, placement_id: int, base_url: str) -> Meeting:
    """The meeting's screen now, for whoever may read the poll's results."""
    placement = await _meeting_placement(principal, placement_id)
    poll = await polls.get(principal, placement.poll_id)
    printed = links.printed_link(base_url, placement.code)
    return Meeting(
        poll,
        placement,
        links.qr_link(base_url, placement.code),
        printed.removeprefix("http://").removesuffix(placement.code),
        await screen(poll, placement, await state(placement.id)),
    )


def _target(poll: Poll, now: State, action: str, number: int | None) -> State:
    """The state an action leads to (``number`` is a question's 1-based position)."""
    ids = [q.id for q in poll.questions]
    current = ids.index(now.question_id) if now.question_id in ids else -1
    if action in ("next", "previous"):
        step = 1 if action == "next" else -1
        position = min(max(current + step, 0), len(ids) - 1)
        return State(ids[position], True, False, now.version)
    if action == "open":
        if number is None or not 1 <= number <= len(ids):
            raise InvalidInput({"question": N_("There is no question with that number.")})
        return State(ids[number - 1], True, False, now.version)
    if now.question_id is None:
        raise Conflict(N_("Open a question first."))
    if action == "close":
        return State(now.question_id, False, now.revealed, now.version)
    if action == "reveal":
        return State(now.question_id, now.is_open, True, now.version)
    return State(now.question_id, now.is_open, False, now.version)


async def act(
    principal: Principal, placement_id: int, action: str, number: int | None = None
) -> State:
    """Open, close, reveal or hide a question of the meeting (or open the next or previous
    one), for an officer who may run the poll; two remotes at once each move it one step."""
    if action not in ACTIONS:
        raise InvalidInput({"action": N_("Unknown meeting action.")})
    placement = await _meeting_placement(principal, placement_id)
    poll = await polls.get_for_change(principal, placement.poll_id)
    opening = action in ("open", "next", "previous")
    if opening and poll.effective_status(polls.now()) != PollStatus.OPEN:
        raise Conflict(N_("Questions can be opened only while the poll is open."))

    def change() -> WriteSteps[State]:
        now = _row_state((yield (READ_STATE, [placement.id])))
        wanted = _target(poll, now, action, number)
        yield (
            WRITE_STATE,
            [placement.id, wanted.question_id, wanted.is_open, wanted.revealed],
        )
        return State(wanted.question_id, wanted.is_open, wanted.revealed, now.version + 1)

    return await db.write(t.MeetingState._meta.db, change)


async def screen(poll: Poll, placement: Placement, now: State) -> Screen:
    """The screen for ``now``: the open question with its released count of answers from
    this meeting, and its released result once revealed."""
    position = next((i for i, q in enumerate(poll.questions, 1) if q.id == now.question_id), 0)
    if position == 0:
        return Screen(
            now.version, 0, "", "", False, gettext("Waiting for the first question"),
            "", "", False, None, "",
        )  # fmt: skip
    question = poll.questions[position - 1]
    release = await releases.current(poll)
    tally, scope_text = await _released_tally(poll, placement, question.id)
    k = number(poll.min_group_size)
    if tally is not None:
        count_text = gettext("%(n)s answered", n=approx(tally.answered))
    else:
        count_text = gettext("Answers are counted once at least %(k)s people have answered.", k=k)
    waiting = release.waiting if release.seq else 0
    waiting_text = (
        ngettext(
            "%(n)s new answer is waiting; the results move when %(step)s have come in.",
            "%(n)s new answers are waiting; the results move when %(step)s have come in.",
            waiting,
            n=number(waiting),
            step=number(release.step),
        )
        if waiting
        else ""
    )
    result, message = None, ""
    if now.revealed:
        if question.kind not in CHARTED_KINDS:
            message = gettext("Written answers are read on the results page, not on a screen.")
        elif tally is None:
            message = gettext("The result is shown once at least %(k)s people have answered.", k=k)
        else:
            result = live_question(position, tally)
    return Screen(
        now.version,
        position,
        gettext("Question %(n)s of %(total)s", n=position, total=len(poll.questions)),
        question.text,
        now.is_open,
        gettext("Answer this question now") if now.is_open else gettext("This question is over"),
        count_text,
        waiting_text,
        now.revealed,
        result,
        message,
        scope_text if tally is not None else "",
    )


async def _released_tally(
    poll: Poll, placement: Placement, question_id: int
) -> tuple[QuestionTally | None, str]:
    """The question's released tally from this meeting, with the words saying so, or, while
    disclosure control hides the meeting's cell (too few here, or merged with a small or
    empty placement), the whole poll's, which is released anyway; None below ``k`` in all."""
    by_placement = await results.results_for(poll, "placement")
    segment = next(
        (s for s in by_placement.segments if s.key == str(placement.id) and not s.suppressed),
        None,
    )
    if segment is not None:
        found = next((q for q in segment.questions or () if q.question_id == question_id), None)
        return found, gettext("Answers from this meeting")
    overall = await results.results_for(poll, None)
    found = next((q for q in overall.questions if q.question_id == question_id), None)
    return found, gettext("All answers to the poll: this meeting's alone are not shown yet")


async def updates(
    poll: Poll,
    placement: Placement,
    locale: str,
    *,
    every: float,
    lifetime: float,
    keep_alive: float = 15.0,
) -> AsyncIterator[Screen | None]:
    """The screen at once, then each time the meeting's state or the poll's release (or
    what waits for the next one) changed; ``None`` after ``keep_alive`` quiet seconds. Ends
    after ``lifetime`` seconds: the browser reconnects on its own."""
    started = time.monotonic()
    last: tuple[int, int, int] | None = None
    last_sent = started
    while time.monotonic() - started < lifetime:
        now = await state(placement.id)
        release = await releases.current(poll)
        seen = (now.version, release.seq, release.waiting if release.seq else 0)
        if seen != last:
            last = seen
            with using_locale(locale):
                shown = await screen(poll, placement, now)
            yield shown
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= keep_alive:
            yield None
            last_sent = time.monotonic()
        await anyio.sleep(min(every, max(0.0, lifetime - (time.monotonic() - started))))
