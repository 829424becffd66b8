"""The registry of question kinds as pure code: parsing JSON and form values, definition
checks, and tallies."""

from __future__ import annotations

from typing import Any

import pytest

from polls.forms.kinds import KINDS, AnswerError, AnswerRow, parse_answers
from polls.models import Option, Question

SINGLE = Question(
    1, 0, "single", "Kênh?", True, (Option(10, "Zalo"), Option(11, "Loa"), Option(12, "Bảng tin"))
)
MULTI = Question(
    2,
    1,
    "multi",
    "Các kênh?",
    True,
    (Option(20, "A"), Option(21, "B"), Option(22, "C")),
    max_choices=2,
)
SCALE = Question(3, 2, "scale", "Mức?", True, scale_min=1, scale_max=5)
ZERO_SCALE = Question(6, 5, "scale", "0-10?", True, scale_min=0, scale_max=10)
YES_NO = Question(4, 3, "yes_no", "Có?", True)
TEXT = Question(5, 4, "text", "Góp ý", False)


@pytest.mark.parametrize(
    ("question", "value", "rows"),
    [
        (SINGLE, 11, [AnswerRow(option_id=11)]),
        (SINGLE, "11", [AnswerRow(option_id=11)]),
        (SINGLE, ["11"], [AnswerRow(option_id=11)]),
        (SINGLE, ["", "12"], [AnswerRow(option_id=12)]),
        (SINGLE, None, []),
        (SINGLE, "", []),
        (SINGLE, [], []),
        (MULTI, [20, 22], [AnswerRow(option_id=20), AnswerRow(option_id=22)]),
        (MULTI, ["21"], [AnswerRow(option_id=21)]),
        (MULTI, 21, [AnswerRow(option_id=21)]),
        (MULTI, [], []),
        (SCALE, 1, [AnswerRow(value_int=1)]),
        (SCALE, "5", [AnswerRow(value_int=5)]),
        (SCALE, [" 3 "], [AnswerRow(value_int=3)]),
        (ZERO_SCALE, 0, [AnswerRow(value_int=0)]),
        (ZERO_SCALE, "0", [AnswerRow(value_int=0)]),
        (YES_NO, True, [AnswerRow(value_int=1)]),
        (YES_NO, False, [AnswerRow(value_int=0)]),
        (YES_NO, "yes", [AnswerRow(value_int=1)]),
        (YES_NO, ["no"], [AnswerRow(value_int=0)]),
        (YES_NO, "YES", [AnswerRow(value_int=1)]),
        (TEXT, "  Tốt lắm \r\n ", [AnswerRow(value_text="Tốt lắm")]),
        (TEXT, "a\r\nb", [AnswerRow(value_text="a\nb")]),
        (TEXT, "   ", []),
        (TEXT, [""], []),
        (TEXT, "<script>x</script>", [AnswerRow(value_text="<script>x</script>")]),
    ],
)
def test_valid_answers_parse(question: Question, value: Any, rows: list[AnswerRow]) -> None:
    assert KINDS[question.kind].parse(question, value) == rows


@pytest.mark.parametrize(
    ("question", "value"),
    [
        (SINGLE, 99),
        (SINGLE, "Zalo"),
        (SINGLE, True),
        (SINGLE, 10.0),
        (SINGLE, ["10", "11"]),
        (SINGLE, "9" * 20),
        (MULTI, [20, 21, 22]),
        (MULTI, [20, 20]),
        (MULTI, [20, 99]),
        (MULTI, [True]),
        (SCALE, 0),
        (SCALE, 6),
        (SCALE, -1),
        (SCALE, True),
        (SCALE, "3.5"),
        (SCALE, 3.0),
        (YES_NO, 1),
        (YES_NO, "maybe"),
        (YES_NO, ["yes", "no"]),
        (TEXT, 5),
        (TEXT, True),
        (TEXT, "x" * 5001),
        (TEXT, "nul\x00"),
    ],
)
def test_invalid_answers_raise(question: Question, value: Any) -> None:
    with pytest.raises(AnswerError) as raised:
        KINDS[question.kind].parse(question, value)
    assert raised.value.message


def test_parse_answers_reports_every_question_at_once() -> None:
    rows, errors = parse_answers([SINGLE, MULTI, SCALE, YES_NO, TEXT], {1: 99, 3: 4})
    assert set(errors) == {1, 2, 4}
    assert errors[2][0] == "This question needs an answer."
    assert rows == {3: [AnswerRow(value_int=4)]}


def test_the_multi_limit_message_names_the_limit() -> None:
    _, errors = parse_answers([MULTI], {2: [20, 21, 22]})
    message, params = errors[2]
    assert message % params == "Choose at most 2 options."


@pytest.mark.parametrize(
    ("question", "field"),
    [
        (Question(1, 0, "single", "x", True, (Option(0, "A"),)), "options"),
        (Question(1, 0, "single", "x", True, (Option(0, "A"), Option(1, "a "))), "options"),
        (
            Question(1, 0, "multi", "x", True, (Option(0, "A"), Option(1, "B")), max_choices=3),
            "max_choices",
        ),
        (
            Question(1, 0, "multi", "x", True, (Option(0, "A"), Option(1, "B")), max_choices=0),
            "max_choices",
        ),
        (Question(1, 0, "scale", "x", True, scale_min=5, scale_max=5), "scale"),
        (Question(1, 0, "scale", "x", True, scale_min=0, scale_max=11), "scale"),
        (Question(1, 0, "scale", "x", True), "scale"),
    ],
)
def test_definition_errors(question: Question, field: str) -> None:
    assert field in KINDS[question.kind].definition_errors(question)


@pytest.mark.parametrize("question", [SINGLE, MULTI, SCALE, ZERO_SCALE, YES_NO, TEXT])
def test_good_definitions_have_no_errors(question: Question) -> None:
    assert KINDS[question.kind].definition_errors(question) == {}


def test_tallies() -> None:
    multi = KINDS["multi"].tally(MULTI, {(20, None): 3, (21, None): 1}, 3, None)
    assert [(s.count, round(s.fraction, 3)) for s in multi.shares] == [
        (3, 1.0),
        (1, 0.333),
        (0, 0.0),
    ]
    scale = KINDS["scale"].tally(ZERO_SCALE, {(None, 0): 1, (None, 10): 1}, 2, None)
    assert scale.mean == 5.0
    assert [s.key for s in scale.shares] == [str(v) for v in range(11)]
    empty = KINDS["scale"].tally(SCALE, {}, 0, None)
    assert empty.mean is None
    assert all(s.fraction == 0 for s in empty.shares)
    yes_no = KINDS["yes_no"].tally(YES_NO, {(None, 1): 2, (None, 0): 2}, 4, None)
    assert [(s.key, s.fraction) for s in yes_no.shares] == [("yes", 0.5), ("no", 0.5)]
    assert KINDS["text"].tally(TEXT, {}, 2, None).texts is None
    assert KINDS["text"].tally(TEXT, {}, 2, ["a", "b"]).texts == ("a", "b")
