"""Results queries: aggregate counts per breakdown segment, handed to ``analytics.tally``."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import Literal

from piccolo.query.functions.aggregate import Count

from polls import db
from polls import tables as t
from polls.analytics.exports import ResponseRow
from polls.analytics.tally import PollResults, SegmentCounts, build_results
from polls.errors import N_, InvalidInput
from polls.i18n import get_locale, gettext
from polls.models import Channel, Poll, Principal
from polls.services import polls, units
from polls.services.cache import FreshCache, new_cache

Breakdown = Literal["placement", "unit", "channel"]
BREAKDOWNS: tuple[str, ...] = ("placement", "unit", "channel")
_COLUMN = {"placement": "placement", "unit": "unit", "channel": "channel"}


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
no sort. Any breakdown, and the whole poll, is a sum of combinations: each response has
exactly one. On PostgreSQL "answered" is spelled as a ``DISTINCT`` over whole index rows:
it then needs the order only the ``response`` index gives (an index-only scan, 2.3 s at
1,000,000 responses) instead of walking the much smaller (deduplicated) tally index and
fetching every heap row for ``response`` (16 s). SQLite would sort that form again, and
walks the ``response`` index for ``COUNT(DISTINCT ...)`` already."""


async def _grouped(poll_id: int, column: str | None) -> tuple[dict, dict, dict]:
    """Per value of ``column`` (or, without one, for the whole poll under the key ``None``):
    responses, counts per (question, option, value), and answered per question."""
    assert column is None or column in _COLUMN.values()
    responses = await t.Response.raw(SEGMENT_RESPONSES, poll_id)
    counts = await t.Answer.raw(SEGMENT_COUNTS, poll_id)
    postgres = db.is_postgres(t.Answer._meta.db)
    answered = await t.Answer.raw(
        SEGMENT_ANSWERED_POSTGRES if postgres else SEGMENT_ANSWERED, poll_id
    )
    by_segment: dict = defaultdict(int)
    for row in responses:
        by_segment[row[column] if column else None] += row["n"]
    segment_counts: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for row in counts:
        segment_counts[row[column] if column else None][row["q"]][(row["o"], row["v"])] += row["n"]
    segment_answered: dict = defaultdict(lambda: defaultdict(int))
    for row in answered:
        segment_answered[row[column] if column else None][row["q"]] += row["n"]
    return by_segment, segment_counts, segment_answered


async def _overall(poll_id: int) -> SegmentCounts:
    """The whole poll as one segment: the sum of its combinations of segments."""
    by_segment, counts, answered = await _grouped(poll_id, None)
    return SegmentCounts("all", "", by_segment.get(None, 0), counts[None], answered[None])


async def _texts(poll: Poll) -> dict[int, list[str]]:
    text_ids = [q.id for q in poll.questions if q.kind == "text"]
    if not text_ids:
        return {}
    rows = await t.Answer.select(t.Answer.question, t.Answer.value_text).where(
        t.Answer.question.is_in(text_ids), t.Answer.value_text.is_not_null()
    )
    texts: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        texts[row["question"]].append(row["value_text"])
    # Sorted, not in arrival order: two text answers of one person must not line up.
    return {q: sorted(values, key=str.casefold) for q, values in texts.items()}


async def _segment_labels(
    poll: Poll, by: str, keys: set
) -> tuple[list[tuple[str, object, str]], dict]:
    """Segments as (key, stored values it covers, label), in display order."""
    if by == "placement":
        rows = (
            await t.Placement.select(t.Placement.id, t.Placement.label)
            .where(t.Placement.poll == poll.id)
            .order_by(t.Placement.id)
        )
        segments = [(str(r["id"]), r["id"], r["label"]) for r in rows]
        if None in keys:
            segments.append(("none", None, gettext("Without a placement")))
        return segments, {}
    if by == "channel":
        labels = {Channel.WEB: gettext("Web"), Channel.TELEGRAM: "Telegram", Channel.ZALO: "Zalo"}
        present = [c for c in Channel if c == Channel.WEB or str(c) in keys]
        return [(str(c), str(c), labels[c]) for c in present], {}
    # by unit: the poll's unit itself, then each child rolled up with its whole subtree
    root = await units.get(poll.unit_id)
    tree = await units.subtree(root.path)
    children = [u for u in tree if u.parent_id == root.id]
    mapping: dict = {}
    for unit in tree:
        owner = next((c for c in children if unit.path.startswith(c.path)), root)
        mapping[unit.id] = owner.id
    segments = [(str(root.id), root.id, gettext("%(unit)s (directly)", unit=root.name))]
    segments += [(str(c.id), c.id, c.name) for c in children]
    return segments, mapping


async def results(principal: Principal, poll_id: int, by: str | None = None) -> PollResults:
    poll = await polls.get(principal, poll_id)
    return await results_for(poll, by)


_counted: FreshCache[PollResults] = new_cache(size=128, fresh_for=math.inf)


async def state_key(poll: Poll) -> str:
    """What counted and rendered results depend on: the poll, its version, the results state
    and the locale. Caches add what else they depend on (breakdown, format...)."""
    count, last = await results_state(poll.id)
    return "|".join(map(str, (poll.id, poll.version, count, last, get_locale())))


async def results_for(poll: Poll, by: str | None, *, state: str | None = None) -> PollResults:
    """The poll's results, counted once per state: kept in this process keyed by the poll and
    its version, the results state (a new response changes it, in every process), the
    breakdown and the locale (labels), the way rendered charts are. Everyone asking for the
    same state at once waits on one count (a leadership page, the live view's screens and a
    chart's drawing share it). ``state`` is ``state_key(poll)`` when the caller read it."""
    if by is not None and by not in BREAKDOWNS:
        raise InvalidInput({"by": N_("Break down by placement, unit or channel.")})
    key = f"{state or await state_key(poll)}|{by}"

    async def count_them() -> tuple[int, PollResults]:
        return poll.id, await _count(poll, by)

    return await _counted.get_or_load(key, count_them)


async def _count(poll: Poll, by: str | None) -> PollResults:
    if by is None:
        return build_results(
            poll,
            [await _overall(poll.id)],
            await _texts(poll),
            breakdown_by=None,
            other_label=gettext("Other (small groups merged)"),
        )
    column = _COLUMN[by]
    by_segment, counts, answered = await _grouped(poll.id, column)
    if by == "unit":
        segments_def, mapping = await _segment_labels(poll, by, set(by_segment))
        rolled: dict = defaultdict(
            lambda: [0, defaultdict(lambda: defaultdict(int)), defaultdict(int)]
        )
        for stored, n in by_segment.items():
            owner = mapping.get(stored, poll.unit_id)
            rolled[owner][0] += n
            for q, values in counts.get(stored, {}).items():
                for value, count in values.items():
                    rolled[owner][1][q][value] += count
            for q, count in answered.get(stored, {}).items():
                rolled[owner][2][q] += count
        segments = [
            SegmentCounts(key, label, rolled[stored][0], rolled[stored][1], rolled[stored][2])
            if stored in rolled
            else SegmentCounts(key, label, 0, {}, {})
            for key, stored, label in segments_def
        ]
    else:
        keys = {None if k is None else (str(k) if by == "channel" else k) for k in by_segment}
        segments_def, _ = await _segment_labels(poll, by or "channel", keys)
        segments = [
            SegmentCounts(
                key,
                label,
                by_segment.get(stored, 0),
                counts.get(stored, {}),
                answered.get(stored, {}),
            )
            for key, stored, label in segments_def
        ]
        listed = {stored for _, stored, _ in segments_def}
        stray = [k for k in by_segment if k not in listed]
        for key in stray:  # channels unknown to this version still count in the total
            segments.append(
                SegmentCounts(
                    str(key), str(key), by_segment[key], counts.get(key, {}), answered.get(key, {})
                )
            )
    texts = await _texts(poll)
    return build_results(
        poll, segments, texts, breakdown_by=by, other_label=gettext("Other (small groups merged)")
    )


async def results_state(poll_id: int) -> tuple[int, int]:
    """What changes whenever a response arrives: (how many, the newest id). Responses are
    never deleted one by one, so the pair changes with every new response, in every process;
    a rendered chart keyed on it (with the poll's version) is never stale. One index range
    read (``response.poll``)."""
    rows = await t.Response.raw(
        'SELECT COUNT(*) AS n, MAX("id") AS last FROM "response" WHERE "poll" = {}', poll_id
    )
    return int(rows[0]["n"] or 0), int(rows[0]["last"] or 0)


async def responses_per_hour(poll_id: int) -> dict[datetime, int]:
    """How many responses came in each (stored, coarsened) hour."""
    rows = (
        await t.Response.select(t.Response.submitted_hour, Count(t.Response.id).as_alias("n"))
        .where(t.Response.poll == poll_id)
        .group_by(t.Response.submitted_hour)
    )
    hours: dict[datetime, int] = defaultdict(int)
    for row in rows:
        hour = row["submitted_hour"]
        if isinstance(hour, str):
            hour = datetime.fromisoformat(hour)
        hours[hour if hour.tzinfo else hour.replace(tzinfo=UTC)] += row["n"]
    return dict(hours)


async def response_rows(poll: Poll) -> list[ResponseRow]:
    """Every response of the poll with its answers, segments labelled as the breakdowns label
    them (a unit rolled up to the poll unit's child). The response id is only a join key
    here; it never leaves this function."""
    responses = await t.Response.select(
        t.Response.id,
        t.Response.placement,
        t.Response.unit,
        t.Response.channel,
        t.Response.submitted_hour,
    ).where(t.Response.poll == poll.id)
    answers: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for row in await t.Answer.raw(
        'SELECT a."response" AS r, a."question" AS q, a."option" AS o, a."value_int" AS v, '
        'a."value_text" AS x FROM "answer" a JOIN "response" r ON r."id" = a."response" '
        'WHERE r."poll" = {}',
        poll.id,
    ):
        answers[row["r"]][row["q"]].append((row["o"], row["v"], row["x"]))
    labels: dict[str, dict] = {}
    placement_keys = {r["placement"] for r in responses}
    channel_keys = {r["channel"] for r in responses}
    for by, keys in (("placement", placement_keys), ("channel", channel_keys)):
        defined, _ = await _segment_labels(poll, by, keys)
        labels[by] = {stored: label for _, stored, label in defined}
    unit_defined, mapping = await _segment_labels(poll, "unit", set())
    unit_labels = {stored: label for _, stored, label in unit_defined}
    rows = []
    for r in responses:
        hour = r["submitted_hour"]
        if isinstance(hour, str):
            hour = datetime.fromisoformat(hour)
        owner = mapping.get(r["unit"], poll.unit_id)
        rows.append(
            ResponseRow(
                segments={
                    "placement": labels["placement"].get(r["placement"], ""),
                    "unit": unit_labels.get(owner, ""),
                    "channel": labels["channel"].get(r["channel"], str(r["channel"])),
                },
                submitted_hour=hour if hour.tzinfo else hour.replace(tzinfo=UTC),
                answers=dict(answers.get(r["id"], {})),
            )
        )
    return rows
