"""What a results poster's headline says of a question: its largest share named, a tie
said as a tie, and a multiple-choice question marked as one (its shares add up to more
than 100 %), in Vietnamese and English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from polls import i18n
from polls.forms.kinds import QuestionTally, Share
from polls.sharing.result_sheets import CHART, SENTENCE, headline


@pytest.fixture(params=["vi", "en"])
def locale(request: pytest.FixtureRequest) -> Iterator[str]:
    i18n.set_locale(request.param)
    yield request.param
    i18n.set_locale(i18n.DEFAULT_LOCALE)


def _tally(kind: str, *shares: tuple[str, int, float]) -> QuestionTally:
    return QuestionTally(
        question_id=1,
        kind=kind,
        text="Ca nào bạn muốn đổi?",
        answered=100,
        shares=tuple(
            Share(str(n + 1), label, count, fraction, option_id=n + 1)
            for n, (label, count, fraction) in enumerate(shares)
        ),
    )


EXPECTED = {
    "vi": {
        "largest": "62 % chọn “Ca 1”",
        "two tied": "“Ca 1” và “Ca 3”: mỗi phương án 40 %",
        "three tied": "3 phương án ngang nhau, mỗi phương án 33 %",
        "multi": "Ca nào bạn muốn đổi? (được chọn nhiều phương án)",
    },
    "en": {
        "largest": "62% chose “Ca 1”",
        "two tied": "“Ca 1” and “Ca 3”: 40% each",
        "three tied": "3 answers tied, 33% each",
        "multi": "Ca nào bạn muốn đổi? (several answers allowed)",
    },
}


def test_the_largest_share_is_named(locale: str) -> None:
    tally = _tally("single", ("Ca 1", 62, 0.62), ("Ca 2", 30, 0.30), ("Ca 3", 8, 0.08))
    said = headline(tally, SENTENCE)
    assert said.sentence == EXPECTED[locale]["largest"]
    assert said.question == "Ca nào bạn muốn đổi?"


def test_shares_printed_alike_are_a_tie_not_one_winner(locale: str) -> None:
    # 0.401 and 0.399 both print as 40 %: naming the first alone would mislead
    two = _tally("single", ("Ca 1", 40, 0.401), ("Ca 2", 20, 0.20), ("Ca 3", 40, 0.399))
    assert headline(two, SENTENCE).sentence == EXPECTED[locale]["two tied"]
    three = _tally("single", ("Ca 1", 33, 1 / 3), ("Ca 2", 33, 1 / 3), ("Ca 3", 33, 1 / 3))
    assert headline(three, SENTENCE).sentence == EXPECTED[locale]["three tied"]


def test_a_multiple_choice_question_says_several_answers_were_allowed(locale: str) -> None:
    tally = _tally("multi", ("Ca 1", 70, 0.70), ("Ca 2", 55, 0.55), ("Ca 3", 20, 0.20))
    for shown_as in (CHART, SENTENCE):  # its bars add up to 145 %
        assert headline(tally, shown_as).question == EXPECTED[locale]["multi"]
