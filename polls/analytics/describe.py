"""The words and numbers around a chart: its caption, the poll's period, and alt text.

Pure and free of matplotlib, so a page can describe a chart without drawing it, and the
chart, its alt text and the report say the same thing. Everything is formatted for the
current locale (``polls.i18n``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from polls import disclosure
from polls.analytics.tally import Segment
from polls.analytics.timeline import Timeline
from polls.analytics.trend import Trend
from polls.forms.kinds import QuestionTally, Share
from polls.i18n import approx, gettext, local_date, number, percent


def share_label(share: Share) -> str:
    """Options carry the officer's words; yes/no and scale points carry msgids or numbers."""
    return gettext(share.label) if share.option_id is None and share.label else share.label


def top_shares(tally: QuestionTally) -> list[Share]:
    """The most chosen answers: the largest share and every other printed with the same
    percent (a tie as the reader sees it; naming one of them alone would mislead)."""
    counted = [s for s in tally.shares if s.count]
    if not counted:
        return []
    most = percent(max(s.fraction for s in counted))
    return [s for s in counted if percent(s.fraction) == most]


def count_and_percent(share: Share) -> str:
    return f"{approx(share.count)} · {percent(share.fraction)}"


def sample_size(n: int, *, perturbed: bool = False) -> str:
    """ "n = 137" for an exact total (a release's), "n ≈ 36" for a perturbed count."""
    return f"n ≈ {number(n)}" if perturbed else f"n = {number(n)}"


def mean_text(mean: float) -> str:
    """A mean of perturbed counts, said to be approximate, with the one decimal it has."""
    return gettext("Mean: %(mean)s", mean=approx(mean, disclosure.MEAN_DIGITS))


def period(
    opens_at: datetime | None,
    closes_at: datetime | None,
    first: date | None = None,
    last: date | None = None,
) -> str:
    """From the opening (or the first response) to the closing (or the last response)."""
    start = local_date(opens_at) if opens_at else local_date(first) if first else ""
    end = local_date(closes_at) if closes_at else local_date(last) if last else ""
    if start and end and start != end:
        return gettext("%(start)s – %(end)s", start=start, end=end)
    return start or end


def caption(poll_title: str, period_text: str, responses: int) -> str:
    parts = [poll_title, period_text, sample_size(responses)]
    return " · ".join(p for p in parts if p)


def suppressed(min_group_size: int) -> str:
    """Why a group is hidden, in words true of every hidden group: it may itself be large
    and hidden so that a smaller neighbour cannot be worked out by subtraction."""
    return gettext("hidden to protect a small group")


def not_yet_visible(min_group_size: int) -> str:
    return gettext(
        "Results appear once the poll has at least %(k)s responses.", k=number(min_group_size)
    )


def _sentence(text: str) -> str:
    return text if text.rstrip().endswith((".", "?", "!", ":")) else text + "."


def question_alt(tally: QuestionTally, caption_text: str) -> str:
    """What the chart shows, as one paragraph: the question, the sample, each answer."""
    parts = [_sentence(tally.text), _sentence(caption_text)]
    if tally.shares:
        answers = "; ".join(
            f"{share_label(s)}: {approx(s.count)} ({percent(s.fraction)})" for s in tally.shares
        )
        parts.append(gettext("Answers: %(answers)s.", answers=answers))
    if tally.mean is not None:
        parts.append(_sentence(mean_text(tally.mean)))
    return " ".join(parts)


def heatmap_alt(
    tally: QuestionTally, segments: Sequence[Segment], index: int, min_group_size: int
) -> str:
    rows = []
    for segment in segments:
        if segment.suppressed or segment.questions is None:
            rows.append(f"{segment.label}: {suppressed(min_group_size)}")
            continue
        shares = segment.questions[index].shares
        cells = ", ".join(f"{share_label(s)} {percent(s.fraction)}" for s in shares)
        size = sample_size(segment.responses or 0, perturbed=True)
        rows.append(f"{segment.label} ({size}): {cells}")
    return _sentence(tally.text) + " " + "; ".join(rows) + "."


def timeline_alt(timeline: Timeline, min_group_size: int) -> str:
    if not timeline.runs:
        return not_yet_visible(min_group_size)
    steps = "; ".join(
        gettext("by %(day)s: %(n)s", day=local_date(run.last), n=number(run.cumulative))
        for run in timeline.runs
    )
    return gettext("Responses over time, cumulative: %(steps)s.", steps=steps)


def trend_label(trend: Trend, label: str) -> str:
    return gettext(label) if trend.translate_labels else label


def trend_point_names(trend: Trend) -> list[str]:
    """Each wave by its poll's title, which the officer gave it ("Quý 3", "Khảo sát bữa ăn
    tháng 9"); a title that several waves share gets its opening date, so that no two
    waves read alike."""
    titles = [point.title.strip() for point in trend.points]
    return [
        f"{title} ({local_date(point.when)})" if titles.count(title) > 1 or not title else title
        for title, point in zip(titles, trend.points, strict=True)
    ]


def trend_alt(trend: Trend) -> str:
    """The trend as one paragraph: the question, then each poll with its shares, or why
    they are not shown."""
    parts = []
    for point, name in zip(trend.points, trend_point_names(trend), strict=True):
        if point.status == "hidden":
            parts.append(f"{name}: {trend_hidden(point.min_group_size)}")
        elif point.status == "differs":
            parts.append(f"{name}: {question_differs()}")
        else:
            cells = ", ".join(
                f"{trend_label(trend, label)} {percent(share)}"
                for label, share in zip(trend.labels, point.shares or (), strict=True)
            )
            if point.mean is not None:
                cells += f"; {mean_text(point.mean)}"
            parts.append(f"{name} ({sample_size(point.responses or 0)}): {cells}")
    return gettext(
        "Trend across the polls of the series: %(question)s %(polls)s.",
        question=_sentence(trend.text),
        polls="; ".join(parts),
    )


def question_differs() -> str:
    return gettext("the question was asked differently")


def trend_hidden(min_group_size: int) -> str:
    return gettext("hidden: fewer than %(k)s responses", k=number(min_group_size))
