"""The PDF report's words about what it withholds are true of the poll it is about."""

from __future__ import annotations

import pytest

from polls.analytics import report
from polls.forms.kinds import QuestionTally
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
