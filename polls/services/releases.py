"""Released states of a poll's answers: the only source of every released figure.

A release copies the poll's aggregates (counts per combination of placement, unit and
channel, the free texts sorted, the placements' visits) into ``result_release`` when
``disclosure.release_due`` says a step of new respondents has arrived, or the poll has
closed. Everything that shows results reads the latest release, never live rows, so what is
shown changes only in those steps (``polls.disclosure``, "Released states").

Releases are made when someone reads, not when someone answers: the submission path stays
as fast as before, and a reader sees exactly what a release made at the moment of reading
would have shown. Two processes releasing at once race on the unique ``(poll, seq)``: one
row is stored and both read it (a compare-and-set on ``seq``). A release is never changed,
so it is kept in this process by ``(poll, seq)``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from polls import db, disclosure, privacy
from polls import tables as t
from polls.models import Channel, Poll, PollStatus
from polls.services.cache import FreshCache, new_cache

SEGMENTS = '"placement", "unit", "channel"'
SEGMENT_RESPONSES = (
    f'SELECT {SEGMENTS}, COUNT(*) AS n FROM "response" WHERE "poll" = {{}} GROUP BY {SEGMENTS}'
)
SEGMENT_COUNTS = (
    f'SELECT {SEGMENTS}, "question" AS q, "option" AS o, "value_int" AS v, COUNT(*) AS n '
    f'FROM "answer" WHERE "poll" = {{}} '
    f'GROUP BY {SEGMENTS}, "question", "option", "value_int"'
)
SEGMENT_ANSWERED = (
    f'SELECT {SEGMENTS}, "question" AS q, COUNT(DISTINCT "response") AS n '
    f'FROM "answer" WHERE "poll" = {{}} GROUP BY {SEGMENTS}, "question"'
)
SEGMENT_ANSWERED_POSTGRES = (
    f'SELECT {SEGMENTS}, "question" AS q, COUNT(*) AS n FROM (SELECT DISTINCT {SEGMENTS}, '
    f'"question", "response" FROM "answer" WHERE "poll" = {{}}) AS answered '
    f'GROUP BY {SEGMENTS}, "question"'
)
"""The three aggregates behind every result, per combination of placement, unit and channel
(a poll has a handful: its placements, each on a channel or two), each read in the order
of an index made for it (``response(poll, placement, unit, channel)``, ``answer(poll,
placement, unit, channel, question, option, value_int)``, ``answer(poll, placement, unit,
channel, question, response)``): answers carry their response's segments, so no join and
no sort. On PostgreSQL "answered" is spelled as a ``DISTINCT`` over whole index rows: it
then needs the order only the ``response`` index gives (an index-only scan) instead of
walking the much smaller tally index and fetching every heap row for ``response``."""

LIVE_COUNT = (
    'SELECT (SELECT COUNT(*) FROM "response" WHERE "poll" = {}) + (SELECT '
    'COALESCE(SUM(pt."respondents"), 0) FROM "paper_tally" pt JOIN "placement" p '
    'ON p."id" = pt."placement" WHERE p."poll" = {}) AS n'
)
"""Respondents now: stored responses, and the people counted by hand in paper tallies."""
PAPER_COUNTS = (
    'SELECT p."id" AS placement, p."unit" AS unit, pt."respondents" AS n, c."question" AS q, '
    'c."option" AS o, c."value_int" AS v, c."people" AS c FROM "paper_tally" pt '
    'JOIN "placement" p ON p."id" = pt."placement" '
    'LEFT JOIN "paper_count" c ON c."tally" = pt."id" WHERE p."poll" = {}'
)
"""Paper tallies (``polls.services.tallies``) as the atoms of their placements on the channel
``paper``: released, protected and perturbed exactly like answers stored one by one."""
HEAD = (
    'SELECT "seq", "respondents", "salt" FROM "result_release" WHERE "poll" = {} '
    'ORDER BY "seq" DESC LIMIT 1'
)
INSERT_RELEASE = (
    'INSERT INTO "result_release" ("poll", "seq", "released_hour", "respondents", "salt", '
    '"snapshot") VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT ("poll", "seq") DO NOTHING '
    'RETURNING "seq"'
)

Key = tuple[int | None, int | None]


@dataclass(frozen=True)
class AtomCounts:
    """The respondents of one combination of placement, unit and channel, as released."""

    placement: int | None
    unit: int | None
    channel: str
    responses: int
    counts: Mapping[int, Mapping[Key, int]]
    """Question id -> (option id, integer value) -> answers."""
    answered: Mapping[int, int]


@dataclass(frozen=True)
class Release:
    poll_id: int
    seq: int
    """0 while nothing is released (fewer than k respondents so far)."""
    respondents: int
    salt: str
    atoms: tuple[AtomCounts, ...] = ()
    texts: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """Question id -> its free texts, in an order unrelated to arrival."""
    visits: Mapping[int, int] = field(default_factory=dict)
    """Placement id -> openings of its link, when the release was made."""
    waiting: int = 0
    """Respondents stored since this release, in whole steps of k
    (``disclosure.shown_waiting``): what the live view may say is waiting."""
    step: int = 0
    """Respondents the next release needs."""

    @property
    def state(self) -> str:
        """What rendered and counted results depend on: changes with each release only."""
        return f"{self.poll_id}:{self.seq}"


_releases: FreshCache[Release] = new_cache(size=256, fresh_for=math.inf)


def now() -> datetime:
    return datetime.now(UTC)


def is_closed(poll: Poll) -> bool:
    return poll.effective_status(now()) == PollStatus.CLOSED


def releases_remainder_at_close(poll: Poll) -> bool:
    """Whether closing releases the respondents short of a step. A reopened poll's first
    close already did (``polls.reopen_poll``), so at its second close a remainder of fewer
    than k would be a new state told apart from the last by fewer than k people: it stays
    unreleased, and the steps hold across the reopen."""
    return is_closed(poll) and poll.reopened_at is None


async def current(poll: Poll) -> Release:
    """The poll's latest release, made first if one is due. Two indexed reads when none is."""
    head = await _head(poll.id)
    live = int((await t.Response.raw(LIVE_COUNT, poll.id, poll.id))[0]["n"] or 0)
    released = head[1] if head else 0
    if disclosure.release_due(
        released, live, poll.min_group_size, releases_remainder_at_close(poll)
    ):
        seq = (head[0] if head else 0) + 1
        await _release(poll, seq, head[2] if head else disclosure.new_salt())
        head = await _head(poll.id)
        live = max(live, head[1] if head else 0)
    step = disclosure.release_step(head[1] if head else 0, poll.min_group_size)
    if head is None:
        return Release(poll.id, 0, 0, "", waiting=0, step=step)
    loaded = await _load(poll.id, head[0])
    return Release(
        loaded.poll_id,
        loaded.seq,
        loaded.respondents,
        loaded.salt,
        loaded.atoms,
        loaded.texts,
        loaded.visits,
        waiting=disclosure.shown_waiting(max(0, live - loaded.respondents), poll.min_group_size),
        step=step,
    )


async def history(poll_id: int) -> dict[datetime, int]:
    """New respondents per release, by the hour each release was made: the timeline."""
    rows = await t.ResultRelease.raw(
        'SELECT "released_hour" AS h, "respondents" AS n FROM "result_release" '
        'WHERE "poll" = {} ORDER BY "seq"',
        poll_id,
    )
    hours: dict[datetime, int] = defaultdict(int)
    before = 0
    for row in rows:
        hours[_aware(row["h"])] += row["n"] - before
        before = row["n"]
    return dict(hours)


def _aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _head(poll_id: int) -> tuple[int, int, str] | None:
    rows = await t.ResultRelease.raw(HEAD, poll_id)
    if not rows:
        return None
    return int(rows[0]["seq"]), int(rows[0]["respondents"]), str(rows[0]["salt"])


async def _release(poll: Poll, seq: int, salt: str) -> None:
    snapshot, respondents = await _snapshot(poll)
    previous = (await _load(poll.id, seq - 1)).texts if seq > 1 else {}
    snapshot["texts"] = {
        q: list(disclosure.released_texts(previous.get(int(q), ()), texts, poll.min_group_size))
        for q, texts in snapshot["texts"].items()
    }
    engine = t.ResultRelease._meta.db
    await db.write_one(
        engine,
        INSERT_RELEASE,
        [
            poll.id,
            seq,
            privacy.coarsen_to_hour(now()),
            respondents,
            salt,
            json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")),
        ],
    )  # a twin that released ``seq`` first wins; its row is read instead


async def _snapshot(poll: Poll) -> tuple[dict, int]:
    """The poll's aggregates, texts and visits, all read from one snapshot of the database
    (``db.read_snapshot``): answers stored while it is read are in every part or in none,
    so the respondents always match the answers counted."""
    async with db.read_snapshot(t.Response._meta.db):
        read = await _read(poll)
    return _compose(*read)


async def _read(
    poll: Poll,
) -> tuple[list[dict], list[dict], list[dict], list[dict], list[dict], list[dict]]:
    responses = await t.Response.raw(SEGMENT_RESPONSES, poll.id)
    counts = await t.Answer.raw(SEGMENT_COUNTS, poll.id)
    postgres = db.is_postgres(t.Answer._meta.db)
    answered = await t.Answer.raw(
        SEGMENT_ANSWERED_POSTGRES if postgres else SEGMENT_ANSWERED, poll.id
    )
    texts: list[dict] = []
    # free-text answers, and the words typed beside "other (please specify)" options: the
    # only answer rows with a text, read here only, released as free text is
    text_ids = [q.id for q in poll.questions if q.has_texts]
    if text_ids:
        texts = await t.Answer.select(t.Answer.question, t.Answer.value_text).where(
            t.Answer.poll == poll.id,
            t.Answer.question.is_in(text_ids),
            t.Answer.value_text.is_not_null(),
        )
    visits = await t.PlacementVisit.raw(
        'SELECT v."placement" AS p, SUM(v."opens") AS n FROM "placement_visit" v '
        'JOIN "placement" p ON p."id" = v."placement" WHERE p."poll" = {} '
        'GROUP BY v."placement"',
        poll.id,
    )
    paper = await t.PaperTally.raw(PAPER_COUNTS, poll.id)
    return responses, counts, answered, texts, visits, paper


def _compose(
    responses: list[dict],
    counts: list[dict],
    answered: list[dict],
    text_rows: list[dict],
    visit_rows: list[dict],
    paper_rows: list[dict],
) -> tuple[dict, int]:
    atoms: dict[tuple, dict] = {}

    def atom(row: dict) -> dict:
        key = (row["placement"], row["unit"], str(row["channel"]))
        return atoms.setdefault(key, {"n": 0, "counts": [], "answered": []})

    for row in responses:
        atom(row)["n"] += int(row["n"])
    for row in counts:
        atom(row)["counts"].append([row["q"], row["o"], row["v"], int(row["n"])])
    for row in answered:
        atom(row)["answered"].append([row["q"], int(row["n"])])
    _add_paper(atoms, paper_rows)
    texts: dict[str, list[str]] = {}
    for row in text_rows:
        texts.setdefault(str(row["question"]), []).append(row["value_text"])
    for values in texts.values():
        values.sort(key=disclosure.text_order)  # no order of arrival survives into a release
    snapshot = {
        "atoms": [[p, u, c, a["n"], a["counts"], a["answered"]] for (p, u, c), a in atoms.items()],
        "texts": texts,
        "visits": {str(r["p"]): int(r["n"] or 0) for r in visit_rows},
    }
    return snapshot, sum(a["n"] for a in atoms.values())


def _add_paper(atoms: dict[tuple, dict], rows: list[dict]) -> None:
    """Each paper tally as one atom (its placement, its unit, channel ``paper``): the people
    counted, the count of each option, and per question the sum of its counts (a show of
    hands is one answer per person: ``tallies.TALLIED_KINDS``)."""
    answered: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = (row["placement"], row["unit"], str(Channel.PAPER))
        if key not in atoms:
            atoms[key] = {"n": int(row["n"]), "counts": [], "answered": []}
        if row["q"] is not None:
            atoms[key]["counts"].append([row["q"], row["o"], row["v"], int(row["c"])])
            answered[key][row["q"]] += int(row["c"])
    for key, by_question in answered.items():
        atoms[key]["answered"].extend([q, n] for q, n in by_question.items())


async def _load(poll_id: int, seq: int) -> Release:
    async def load() -> tuple[int, Release]:
        rows = await t.ResultRelease.raw(
            'SELECT "respondents", "salt", "snapshot" FROM "result_release" '
            'WHERE "poll" = {} AND "seq" = {}',
            poll_id,
            seq,
        )
        row = rows[0]
        data = json.loads(row["snapshot"])
        atoms = []
        for placement, unit, channel, n, counts, answered in data["atoms"]:
            by_question: dict[int, dict[Key, int]] = defaultdict(dict)
            for q, o, v, c in counts:
                by_question[q][(o, v)] = c
            atoms.append(AtomCounts(placement, unit, channel, n, dict(by_question), dict(answered)))
        release = Release(
            poll_id,
            seq,
            int(row["respondents"]),
            str(row["salt"]),
            tuple(atoms),
            {int(q): tuple(v) for q, v in data["texts"].items()},
            {int(p): n for p, n in data["visits"].items()},
        )
        return poll_id, release

    return await _releases.get_or_load(f"{poll_id}:{seq}", load)
