"""Printed one-time codes (issue 16): a poll with the duplicate policy ``code`` counts one
answer per code printed on a slip, for shared phones, kiosks and meetings.

What is stored follows the rules for duplicate keys (``polls.privacy``):

- printing a sheet stores the per-poll HMAC of each new code in ``printed_code``, in random
  order, and nothing else: not the code, not which sheet, not when. The codes themselves
  exist only on the PDF handed back once;
- answering with a code checks its HMAC is there and claims the duplicate key of the
  subject ``code:<code>`` in the same atomic write as the response (``services.submission``),
  so a code counts once on both databases, by the key's unique index, however many
  phones send it at once. ``printed_code`` does not change at answer time; the duplicate
  key is rewritten every hour with the others (``services.unlinking``), so after the hour
  nothing stored pairs a code, issued or used, with a response;
- at close both go (``unlinking.destroy_keys``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from polls import privacy
from polls import tables as t
from polls.errors import N_, Conflict, InvalidAnswers, InvalidInput
from polls.models import DuplicatePolicy, Placement, Poll, Principal
from polls.services import placements, polls
from polls.sharing import codes as code_format

MAX_PER_SHEET = 500  # the messages below say the number
"""Codes one sheet may issue (a few hundred for a large meeting; 32 pages of slips)."""
MAX_PER_POLL = 5000
"""Codes a poll may have issued in all: the more issued, the likelier a guess hits one."""
CODE_FIELD = "code"
"""Where an error about the code is reported (the JSON body's field and the form's)."""
SUBJECT_PREFIX = "code:"


@dataclass(frozen=True)
class IssuedCodes:
    poll: Poll
    placement: Placement
    codes: tuple[str, ...]


def _count_error() -> InvalidInput:
    return InvalidInput({"count": N_("Choose from 1 to 500 codes a sheet.")})


async def issue(principal: Principal, placement_id: int, count: int, *, secret: str) -> IssuedCodes:
    """Draw ``count`` new codes for the placement's poll and store their HMACs. The poll
    must count one answer per printed code and not be closed; the officer must be able to
    run it."""
    if not 1 <= count <= MAX_PER_SHEET:
        raise _count_error()
    placement = await placements.get(principal, placement_id)
    poll = await polls.get_for_change(principal, placement.poll_id)
    if poll.duplicate_policy != DuplicatePolicy.CODE:
        raise Conflict(
            N_(
                "This poll does not count one answer per printed code: choose that rule for "
                "repeat answers before printing codes."
            )
        )
    drawn: set[str] = set()
    while len(drawn) < count:
        drawn.add(code_format.new_slip_code())
    ordered = list(drawn)
    shuffle = secrets.SystemRandom().shuffle
    shuffle(ordered)
    rows = [
        t.PrintedCode(key=privacy.printed_code_key(secret, poll.id, code), poll=poll.id)
        for code in ordered
    ]
    shuffle(rows)  # stored in an order of their own, not the sheet's
    engine = t.PrintedCode._meta.db
    async with engine.transaction():
        state = (
            await t.Poll.select(t.Poll.keys_destroyed, t.Poll.status)
            .where(t.Poll.id == poll.id)
            .first()
        )
        if state is None or state["keys_destroyed"] or state["status"] == "closed":
            raise Conflict(N_("This poll has closed: its codes can no longer be used."))
        issued = await t.PrintedCode.count().where(t.PrintedCode.poll == poll.id)
        if issued + count > MAX_PER_POLL:
            raise InvalidInput(
                {"count": N_("A poll has at most 5,000 printed codes: print fewer.")}
            )
        await t.PrintedCode.insert(*rows)
    return IssuedCodes(poll, placement, tuple(ordered))


def _code_error(message: str) -> InvalidAnswers:
    return InvalidAnswers({CODE_FIELD: (message, {})})  # type: ignore[dict-item]


async def subject_of(poll: Poll, typed: str | None, *, secret: str) -> str:
    """The duplicate subject of an answer with the code ``typed``, once it is known to be
    one of the poll's printed codes. Whether it was used is decided by the write, which
    claims the subject's duplicate key (``CodeAlreadyUsed`` when it was)."""
    if not typed or not typed.strip():
        raise _code_error(N_("Type the code printed on your slip."))
    code = code_format.normalize_slip_code(typed)
    if code is None:
        raise _code_error(
            N_(
                "This code is mistyped: it has 8 letters and digits, like ABCD-EFGH. "
                "Check it against your slip."
            )
        )
    key = privacy.printed_code_key(secret, poll.id, code)
    if not await t.PrintedCode.exists().where(
        (t.PrintedCode.key == key) & (t.PrintedCode.poll == poll.id)
    ):
        raise _code_error(N_("This code is not one of this poll's codes. Check your slip."))
    return SUBJECT_PREFIX + code
