"""Released figures say what they are: a perturbed count or group size reads "≈"/"khoảng",
only the release's total reads "n =", percents carry no more precision than perturbed
counts have, and a mean of perturbed counts has one decimal and says it is approximate."""

from __future__ import annotations

import pytest

from polls import disclosure
from polls.analytics import describe
from polls.analytics.tally import SegmentCounts, build_results
from polls.i18n import set_locale
from tests.analytics.conftest import POLL, SCALE, SINGLE


def _results(by: str | None = "placement", salt: str = "00" * 16):  # type: ignore[no-untyped-def]
    """A poll of 120 (seven in one placement, 113 in another), noise as drawn by a fixed
    salt: the figures are perturbed as on any page."""

    def segment(key: str, n: int, first: int, atoms: frozenset[str]) -> SegmentCounts:
        single = {(10, None): first, (11, None): n - first}
        scale = {(None, 3): n - first, (None, 4): first}
        counts = {SINGLE.id: single, SCALE.id: scale}
        return SegmentCounts(key, key.upper(), n, counts, {SINGLE.id: n, SCALE.id: n}, atoms)

    small = segment("a", 16, 5, frozenset({"a"}))
    large = segment("b", 104, 37, frozenset({"b"}))
    overall = segment("all", 120, 42, frozenset({"a", "b"}))
    return build_results(
        POLL,
        overall,
        {},
        salt=salt,
        breakdown_by=by,
        segments=(small, large),
        released=frozenset({"a", "b"}),
    )


def test_shares_are_rounded_to_the_precision_of_their_base() -> None:
    results = _results()
    small = next(s for s in results.segments if s.key == "a")
    for tally in (*results.questions, *(small.questions or ())):
        step = disclosure.percent_step(tally.answered) / 100
        for share in tally.shares:
            assert share.fraction == pytest.approx(round(share.fraction / step) * step)
    for segment in results.segments:
        for tally in (t for t in segment.questions or () if t.answered):
            total = sum(s.fraction for s in tally.shares)  # one answer each: about 100 %
            assert abs(total - 1) <= len(tally.shares) * disclosure.percent_step(16) / 200
    assert disclosure.percent_step(16) == 10
    assert disclosure.percent_step(40) == 5
    assert disclosure.percent_step(120) == 1
    assert disclosure.released_share(5 / 16, 16) == pytest.approx(0.3)
    assert disclosure.released_share(37 / 104, 104) == pytest.approx(0.36)


def test_no_question_is_answered_by_more_than_its_group() -> None:
    for i in range(60):
        results = _results(salt=f"{i:032x}")
        assert all(t.answered <= results.responses for t in results.questions)
        for segment in results.segments:
            assert all(t.answered <= (segment.responses or 0) for t in segment.questions or ())


def test_a_mean_of_perturbed_counts_has_one_decimal_and_says_about() -> None:
    results = _results(None)
    mean = next(t for t in results.questions if t.question_id == SCALE.id).mean
    assert mean is not None
    assert round(mean, 1) == mean
    set_locale("vi")
    assert describe.mean_text(mean) == f"Điểm trung bình: khoảng {mean:.1f}".replace(".", ",")
    set_locale("en")
    assert describe.mean_text(mean) == f"Mean: ≈ {mean:.1f}"


def test_a_released_mean_is_the_mean_of_the_bars_shown_beside_it() -> None:
    """Each count and the number who answered are perturbed apart: a mean of the one over
    the other disagreed with its own chart (2.4 beside bars averaging 2.8, for 14 people).
    Over many draws of the noise, the mean is always the shown counts' mean."""
    differed = 0
    for i in range(60):
        results = _results(salt=f"{i:032x}")
        for tally in (
            *results.questions,
            *(q for segment in results.segments for q in segment.questions or ()),
        ):
            if tally.question_id != SCALE.id or tally.mean is None:
                continue
            shown = sum(s.count for s in tally.shares)
            bars = sum(int(s.key) * s.count for s in tally.shares) / shown
            assert tally.mean == round(bars, 1)
            differed += shown != tally.answered
    assert differed  # the case that matters was drawn: the bars' sum is not "answered"


@pytest.mark.parametrize(("locale", "about"), [("vi", "n ≈ "), ("en", "n ≈ ")])
def test_the_heatmap_alt_text_says_a_groups_size_is_approximate(locale: str, about: str) -> None:
    set_locale(locale)
    results = _results()
    index = next(i for i, q in enumerate(results.questions) if q.question_id == SINGLE.id)
    alt = describe.heatmap_alt(results.questions[index], results.segments, index, 5)
    assert alt.count(about) == 2
    assert "n = " not in alt
    # the caption of the whole poll names the exact total
    assert describe.caption(POLL.title, "", results.responses).endswith("n = 120")
