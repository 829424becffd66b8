"""Results rendered as files: charts (PNG, SVG), the PDF report, and exports (CSV, XLSX).

Drawing is CPU work (45-70 ms a chart, seconds for a report), so it runs in a worker thread
(``anyio.to_thread``), never on the event loop, and matplotlib is imported on the first
drawing, never with the app (the imports of ``polls.analytics.charts`` and ``.report`` sit
inside the functions that draw, on purpose).

What is made is kept in this process, keyed by everything it depends on: the poll and its
version, the poll's latest release (``results.state_key``: it changes only with a new release),
the locale, the format and the options. A new response or a changed poll changes the key, so
a cached file is never stale in any process; nothing needs to be invalidated. Placement and
unit names are not in the key: a renamed placement shows in a heatmap with the next response.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import partial
from typing import Literal

from anyio import to_thread

from polls import disclosure
from polls.analytics import describe
from polls.analytics.exports import responses_table, summary_table, to_csv, to_xlsx
from polls.analytics.timeline import build_timeline
from polls.analytics.trend import CHARTED_KINDS, Trend
from polls.errors import N_, Conflict, InvalidInput, NotFound
from polls.i18n import get_locale, gettext, number
from polls.models import Poll, Principal
from polls.services import amending, polls, releases, results, tallies, trends, units
from polls.services.cache import FreshCache, new_cache
from polls.services.polls import now
from polls.sharing import names

ImageFormat = Literal["png", "svg"]
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BREAKDOWN_TITLES = {
    "placement": N_("By placement"),
    "unit": N_("By unit"),
    "channel": N_("By channel"),
}
CHART_NAME = re.compile(r"^(?P<what>timeline|[0-9]{1,18})\.(?P<fmt>png|svg)$")

_rendered: FreshCache[Rendered] = new_cache(size=256, fresh_for=math.inf)


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str | None = None
    """Set for downloads (``Content-Disposition: attachment``)."""


@dataclass(frozen=True)
class ChartRequest:
    question_id: int | None
    """None for the timeline."""
    fmt: ImageFormat


def parse_chart_name(name: str) -> ChartRequest:
    """``12.png``, ``12.svg``, ``timeline.png``, ``timeline.svg``."""
    found = CHART_NAME.match(name)
    if found is None:
        raise NotFound(N_("There is no such chart."))
    what = found["what"]
    fmt: ImageFormat = "svg" if found["fmt"] == "svg" else "png"
    return ChartRequest(None if what == "timeline" else int(what), fmt)


def _check_breakdown(by: str | None) -> None:
    if by is not None and by not in results.BREAKDOWNS:
        raise InvalidInput({"by": N_("Break down by placement, unit or channel.")})


def _key(state: str, *parts: object) -> str:
    return "|".join((state, *map(str, parts)))


def _period(poll: Poll) -> str:
    return describe.period(poll.opens_at or poll.created_at, poll.closes_at)


async def _period_and_edits(poll: Poll) -> str:
    """The report's period, with the poll's safe edits after it ("edited at ...")."""
    edits = await amending.history(poll.id)
    if not edits:
        return _period(poll)
    times = ", ".join(edit.when for edit in edits)
    return f"{_period(poll)} · {gettext('Edited at %(times)s.', times=times)}"


def _caption(poll: Poll, responses: int, by: str | None = None) -> str:
    text = describe.caption(poll.title, _period(poll), responses)
    return f"{gettext(BREAKDOWN_TITLES[by])} · {text}" if by else text


async def chart(principal: Principal, poll_id: int, name: str, by: str | None = None) -> Rendered:
    """A question's chart (or, with ``by``, its breakdown heatmap), or the timeline."""
    parse_chart_name(name)  # a bad name is a 404 before the poll is looked up
    _check_breakdown(by)
    return await chart_of(await polls.get(principal, poll_id), name, by)


async def chart_of(poll: Poll, name: str, by: str | None = None) -> Rendered:
    """``chart`` of a poll already loaded, for whoever may see it (the caller decides)."""
    request = parse_chart_name(name)
    _check_breakdown(by)
    question = None
    if request.question_id is not None:
        question = poll.question(request.question_id)
        if question is None:
            raise NotFound(N_("There is no such chart."))
        if question.kind == "text":
            raise NotFound(N_("Free-text answers are not charted."))
    state = await results.state_key(poll)
    key = _key(state, "chart", name, by if question else None)

    async def load() -> tuple[int, Rendered]:
        if question is None:
            content = await _timeline(poll, request.fmt)
        else:
            content = await _question(poll, question.id, request.fmt, by, state)
        return poll.id, Rendered(content, MEDIA_TYPES[request.fmt])

    return await _rendered.get_or_load(key, load)


async def _timeline(poll: Poll, fmt: ImageFormat) -> bytes:
    from polls.analytics import charts

    timeline = build_timeline(await results.responses_per_hour(poll), poll.min_group_size)
    draw = partial(
        charts.timeline_chart,
        timeline,
        gettext("Responses over time, cumulative"),
        _caption(poll, timeline.responses),
        poll.min_group_size,
        fmt,
    )
    return await to_thread.run_sync(draw)


async def _question(
    poll: Poll, question_id: int, fmt: ImageFormat, by: str | None, state: str
) -> bytes:
    from polls.analytics import charts

    tallied = await results.results_for(poll, by, state=state)
    index, question = next((i, q) for i, q in enumerate(poll.questions) if q.id == question_id)
    caption = _caption(poll, tallied.responses, by)
    if not tallied.questions_visible:
        message = describe.not_yet_visible(poll.min_group_size)
        draw = partial(charts.placeholder_chart, question.text, message, caption, fmt)
    elif by is not None:
        draw = partial(
            charts.heatmap_chart,
            tallied.questions[index],
            tallied.segments,
            index,
            poll.min_group_size,
            caption,
            fmt,
        )
    else:
        draw = partial(charts.question_chart, question, tallied.questions[index], caption, fmt)
    return await to_thread.run_sync(draw)


def chart_alt_texts(poll: Poll, tallied: results.PollResults) -> dict[int, str]:
    """Alt text of each question's chart, for the page that shows them (same words)."""
    caption = _caption(poll, tallied.responses, tallied.breakdown_by)
    if not tallied.questions_visible:
        return {q.id: describe.not_yet_visible(poll.min_group_size) for q in poll.questions}
    if tallied.breakdown_by is None:
        return {t.question_id: describe.question_alt(t, caption) for t in tallied.questions}
    return {
        t.question_id: describe.heatmap_alt(t, tallied.segments, i, poll.min_group_size)
        for i, t in enumerate(tallied.questions)
    }


async def timeline_alt_text(poll: Poll) -> str:
    timeline = build_timeline(await results.responses_per_hour(poll), poll.min_group_size)
    return describe.timeline_alt(timeline, poll.min_group_size)


async def report(principal: Principal, poll_id: int, by: str | None = "placement") -> Rendered:
    """The PDF report, with the breakdown ``by`` (placement unless told)."""
    _check_breakdown(by)
    poll = await polls.get(principal, poll_id)
    state = await results.state_key(poll)
    # the response rate's base: an admin's new headcount shows in the next report at once
    headcount = await units.subtree_headcount(await units.get(poll.unit_id))
    key = _key(state, "report", by, str(headcount))

    async def load() -> tuple[int, Rendered]:
        from polls.analytics.report import ReportInput, build_report

        overall = await results.results_for(poll, None, state=state)
        breakdown = await results.results_for(poll, by, state=state) if by else None
        timeline = build_timeline(await results.responses_per_hour(poll), poll.min_group_size)
        data = ReportInput(
            poll=poll,
            results=overall,
            breakdown=breakdown,
            breakdown_label=gettext(BREAKDOWN_TITLES[by]) if by else "",
            timeline=timeline,
            headcount=headcount,
            period=await _period_and_edits(poll),
            made_at=now(),
            hand_counted=tuple(
                (e.placement_label, e.entered_by, e.entered_at)
                for e in await tallies.entered(poll.id)
            ),
        )
        content = await to_thread.run_sync(build_report, data)
        return poll.id, Rendered(
            content,
            MEDIA_TYPES["pdf"],
            names.file_name("report", poll.title, "pdf", fallback=str(poll.id)),
        )

    return await _rendered.get_or_load(key, load)


async def export(
    principal: Principal,
    poll_id: int,
    fmt: Literal["csv", "xlsx"],
    kind: Literal["responses", "summary"],
    by: str | None = None,
) -> Rendered:
    """Anonymized responses or the counted results. The responses are shuffled anew each
    time and not kept (a big poll's file is large, and it is rarely asked for)."""
    _check_breakdown(by)
    poll = await polls.get(principal, poll_id)
    write = to_csv if fmt == "csv" else to_xlsx
    filename = names.file_name(kind, poll.title, fmt, fallback=str(poll.id))
    if kind == "responses":
        await _check_rows_releasable(poll)
        table = responses_table(poll, await results.response_rows(poll))
        return Rendered(await to_thread.run_sync(write, table), MEDIA_TYPES[fmt], filename)
    state = await results.state_key(poll)
    key = _key(state, "export", fmt, kind, by)

    async def load() -> tuple[int, Rendered]:
        table = summary_table(poll, await results.results_for(poll, by, state=state))
        content = await to_thread.run_sync(write, table)
        return poll.id, Rendered(content, MEDIA_TYPES[fmt], filename)

    return await _rendered.get_or_load(key, load)


async def _check_rows_releasable(poll: Poll) -> None:
    """The per-response export moves with every answer and is exact, so it is made only
    once the poll has closed (its final release made, nothing more to come) and only with
    ``disclosure.export_threshold`` respondents."""
    release = await releases.current(poll)
    threshold = disclosure.export_threshold(poll.min_group_size)
    if not releases.is_closed(poll) or release.respondents < threshold:
        raise Conflict(
            N_(
                "The per-response export is made once the poll has closed with at least "
                "%(n)s responses."
            ),
            n=threshold,
        )


TREND_NAME = re.compile(r"^(?P<position>[0-9]{1,4})\.(?P<fmt>png|svg)$")


def parse_trend_name(name: str) -> tuple[int, ImageFormat]:
    """``3.png`` or ``3.svg``: the question at position 3 (1-based)."""
    found = TREND_NAME.match(name)
    if found is None or int(found["position"]) < 1:
        raise NotFound(N_("There is no such chart."))
    return int(found["position"]), "svg" if found["fmt"] == "svg" else "png"


async def trend_chart(
    principal: Principal, series: str, name: str, reference_poll_id: int | None = None
) -> Rendered:
    """A question across the series' polls the principal sees: each option's share per poll.
    Keyed on every one of those polls' state, so a new response anywhere in the series (or
    another set of visible polls) draws it anew."""
    position, fmt = parse_trend_name(name)
    found = await trends.series_polls(principal, series)
    if not found:
        raise NotFound(N_("There is no such trend."))
    reference = next((p for p in found if p.id == reference_poll_id), found[-1])
    states = [(p.id, p.version, *await results.results_state(p)) for p in found]
    key = "|".join(map(str, ("trend", series, position, reference.id, get_locale(), fmt, states)))

    async def load() -> tuple[int, Rendered]:
        from polls.analytics import charts

        trend = await trends.trend_of(found, position, reference)
        caption = trend_caption(trend)
        draw = partial(charts.trend_chart, trend, trend_title(trend), caption, fmt)
        return reference.id, Rendered(await to_thread.run_sync(draw), MEDIA_TYPES[fmt])

    return await _rendered.get_or_load(key, load)


def trend_title(trend: Trend) -> str:
    return gettext("Trend: %(question)s", question=trend.text)


def trend_caption(trend: Trend) -> str:
    first, last = trend.points[0], trend.points[-1]
    span = describe.period(first.when, last.when)
    return gettext(
        "Share of each answer in %(n)s polls of the series · %(period)s",
        n=number(len(trend.points)),
        period=span,
    )


async def trend_alt_texts(principal: Principal, poll: Poll) -> dict[int, str]:
    """Question id -> the alt text of its trend chart on ``poll``'s results page; empty
    while the series has fewer than two opened polls the principal sees."""
    found = await trends.series_polls(principal, poll.series)
    if len(found) < 2:
        return {}
    reference = next((p for p in found if p.id == poll.id), found[-1])
    tallied = await trends.tallies(found)
    alts = {}
    for question in reference.questions:
        if question.kind not in CHARTED_KINDS:
            continue
        trend = await trends.trend_of(found, question.position + 1, reference, tallied)
        alts[question.id] = describe.trend_alt(trend)
    return alts
