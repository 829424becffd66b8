"""The PDF report's words about what it withholds are true of the poll it is about."""

from __future__ import annotations

import pytest

from polls.analytics import charts, report
from polls.forms.kinds import QuestionTally, Share
from polls.i18n import using_locale


@pytest.mark.parametrize(
    ("locale", "said", "never"),
    [
        ("vi", "ít nhất 10 người đã viết", "phiếu trả lời"),
        ("en", "at least 10 people have written one", "responses"),
    ],
)
def test_withheld_texts_are_explained_by_how_many_wrote_not_by_the_polls_responses(
    locale: str, said: str, never: str
) -> None:
    """137 answered the poll and 6 wrote a text: the texts wait for 10 writers (k = 5), so
    "texts appear once the poll has 5 responses" would be false in the summary and the
    question's block alike."""
    withheld = QuestionTally(question_id=1, kind="text", text="Góp ý", answered=6, shares=())
    with using_locale(locale):
        lines = [report.headline(withheld, 5), *report._text_lines(withheld, 5)]
    for line in lines:
        assert said in line, line
        assert never not in line, line


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("vi", "Được chọn nhiều nhất, ngang nhau: Ca 1, Ca 3 (mỗi phương án 40 %)"),
        ("en", "Most chosen, tied: Ca 1, Ca 3 (40% each)"),
    ],
)
def test_a_tie_at_the_top_is_said_as_one_not_as_a_winner(locale: str, said: str) -> None:
    """0.401 and 0.399 both print as 40 %: the summary must not name the first alone, as
    the results poster does not (``describe.top_shares``, one rule for both)."""
    shares = (
        Share("1", "Ca 1", 40, 0.401, option_id=1),
        Share("2", "Ca 2", 20, 0.2, option_id=2),
        Share("3", "Ca 3", 40, 0.399, option_id=3),
    )
    tied = QuestionTally(question_id=1, kind="single", text="Ca?", answered=100, shares=shares)
    with using_locale(locale):
        assert report.headline(tied, 5) == said
    alone = QuestionTally(1, "single", "Ca?", 100, (shares[0], shares[1]))
    with using_locale("en"):
        assert report.headline(alone, 5) == "Most chosen: Ca 1 (≈ 40 · 40%)"


def test_a_vietnamese_percent_stays_with_its_number_when_a_line_wraps() -> None:
    # the report's and charts' wrap, like the poster's (tests/sharing/test_posters.py)
    text = "Được chọn nhiều nhất, ngang nhau: Ca 1, Ca 3 (mỗi phương án 40 %)"
    for width in range(8, 70):
        lines = charts.wrap(text, width).split("\n")
        assert not any(line.startswith("%") for line in lines), (width, lines)
        assert " ".join(lines) == text
