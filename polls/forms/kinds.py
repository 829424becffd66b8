"""The registry of question kinds: each kind parses, validates, stores and tallies its answers.

Adding a kind means one class here, one macro in ``templates/form/questions.html`` and a
label in the catalogs. A kind works on plain values (``polls.models.Question``) and never
touches the database or HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from polls import inputs
from polls.errors import N_
from polls.models import Question

MAX_TEXT_CHARS = 5000


class AnswerError(ValueError):
    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class AnswerRow:
    option_id: int | None = None
    value_int: int | None = None
    value_text: str | None = None


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    fraction: float
    option_id: int | None = None


@dataclass(frozen=True)
class QuestionTally:
    question_id: int
    kind: str
    text: str
    answered: int
    shares: tuple[Share, ...]
    mean: float | None = None
    texts: tuple[str, ...] | None = None
    """Free-text answers, or None while they must stay hidden."""


Counts = Mapping[tuple[int | None, int | None], int]
"""How many answers had each (option id, integer value)."""


def _as_int(value: Any) -> int:
    """An option id or a scale value: a JSON integer or a form's plain decimal digits
    (``polls.inputs.decimal``), never a superscript, ``"--5"`` or a bool."""
    number = inputs.decimal(value)
    if number is None:
        raise AnswerError(N_("Choose one of the options."))
    return number


def _fraction(count: int, total: int) -> float:
    return count / total if total else 0.0


class Kind:
    name: ClassVar[str]
    label: ClassVar[str]

    def parse(self, question: Question, value: Any) -> list[AnswerRow]:
        """Turn a submitted value (JSON value, or the list of a form field's values) into the
        rows to store; an empty list means unanswered. Raises ``AnswerError``."""
        raise NotImplementedError

    def tally(
        self, question: Question, counts: Counts, answered: int, texts: Sequence[str] | None
    ) -> QuestionTally:
        raise NotImplementedError

    def definition_errors(self, question: Question) -> dict[str, str]:
        return {}


def _single_value(value: Any) -> Any:
    if isinstance(value, list):
        values = [v for v in value if v not in ("", None)]
        if len(values) > 1:
            raise AnswerError(N_("Choose only one option."))
        return values[0] if values else None
    return value


class ChoiceKind(Kind):
    def tally(
        self, question: Question, counts: Counts, answered: int, texts: Sequence[str] | None
    ) -> QuestionTally:
        shares = tuple(
            Share(
                key=str(option.id),
                label=option.label,
                count=counts.get((option.id, None), 0),
                fraction=_fraction(counts.get((option.id, None), 0), answered),
                option_id=option.id,
            )
            for option in question.options
        )
        return QuestionTally(
            question.id,
            question.kind,
            question.text,
            answered,
            shares,
            texts=None if texts is None or question.other_option is None else tuple(texts),
        )

    def definition_errors(self, question: Question) -> dict[str, str]:
        if len(question.options) < 2:
            return {"options": N_("Give at least two options.")}
        labels = [o.label.strip().casefold() for o in question.options]
        if any(not label for label in labels):
            return {"options": N_("An option cannot be empty.")}
        if len(set(labels)) != len(labels):
            return {"options": N_("Two options have the same text.")}
        return {}


class SingleKind(ChoiceKind):
    name = "single"
    label = N_("Single choice")

    def parse(self, question: Question, value: Any) -> list[AnswerRow]:
        value = _single_value(value)
        if value in (None, ""):
            return []
        option_id = _as_int(value)
        if question.option(option_id) is None:
            raise AnswerError(N_("Choose one of the options."))
        return [AnswerRow(option_id=option_id)]


class MultiKind(ChoiceKind):
    name = "multi"
    label = N_("Multiple choice")

    def parse(self, question: Question, value: Any) -> list[AnswerRow]:
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        values = [v for v in values if v not in ("", None)]
        ids = [_as_int(v) for v in values]
        if any(question.option(i) is None for i in ids):
            raise AnswerError(N_("Choose among the options shown."))
        if len(set(ids)) != len(ids):
            raise AnswerError(N_("Each option can be chosen once."))
        limit = question.max_choices or len(question.options)
        if len(ids) > limit:
            raise AnswerError(N_("Choose at most %(max)s options."), max=limit)
        return [AnswerRow(option_id=i) for i in ids]

    def definition_errors(self, question: Question) -> dict[str, str]:
        errors = super().definition_errors(question)
        if question.max_choices is not None and not 1 <= question.max_choices <= len(
            question.options
        ):
            errors["max_choices"] = N_(
                "The most choices must be between 1 and the number of options."
            )
        return errors


def _scale_bounds(question: Question) -> tuple[int, int]:
    """The scale's ends; 0 is a real lower end (a 0-10 scale), not a missing one."""
    low = 1 if question.scale_min is None else question.scale_min
    high = 5 if question.scale_max is None else question.scale_max
    return low, high


class ScaleKind(Kind):
    name = "scale"
    label = N_("Rating scale")

    def parse(self, question: Question, value: Any) -> list[AnswerRow]:
        value = _single_value(value)
        if value in (None, ""):
            return []
        low, high = _scale_bounds(question)
        try:
            number = _as_int(value)
        except AnswerError:
            raise AnswerError(
                N_("Choose a number from %(min)s to %(max)s."), min=low, max=high
            ) from None
        if not low <= number <= high:
            raise AnswerError(N_("Choose a number from %(min)s to %(max)s."), min=low, max=high)
        return [AnswerRow(value_int=number)]

    def tally(
        self, question: Question, counts: Counts, answered: int, texts: Sequence[str] | None
    ) -> QuestionTally:
        low, high = _scale_bounds(question)
        shares = tuple(
            Share(
                key=str(v),
                label=str(v),
                count=counts.get((None, v), 0),
                fraction=_fraction(counts.get((None, v), 0), answered),
            )
            for v in range(low, high + 1)
        )
        total = sum(int(s.key) * s.count for s in shares)
        mean = total / answered if answered else None
        return QuestionTally(question.id, question.kind, question.text, answered, shares, mean=mean)

    def definition_errors(self, question: Question) -> dict[str, str]:
        low, high = question.scale_min, question.scale_max
        if low is None or high is None or not (0 <= low < high <= 10):
            return {"scale": N_("A scale runs from a lower to a higher number, between 0 and 10.")}
        return {}


class YesNoKind(Kind):
    name = "yes_no"
    label = N_("Yes / no")
    YES: ClassVar[dict[Any, int]] = {
        True: 1,
        "yes": 1,
        "true": 1,
        "1": 1,
        False: 0,
        "no": 0,
        "false": 0,
        "0": 0,
    }

    def parse(self, question: Question, value: Any) -> list[AnswerRow]:
        value = _single_value(value)
        if value in (None, ""):
            return []
        if isinstance(value, int) and not isinstance(value, bool):
            raise AnswerError(N_("Answer yes or no."))
        key = value.lower() if isinstance(value, str) else value
        if key not in self.YES:
            raise AnswerError(N_("Answer yes or no."))
        return [AnswerRow(value_int=self.YES[key])]

    def tally(
        self, question: Question, counts: Counts, answered: int, texts: Sequence[str] | None
    ) -> QuestionTally:
        yes, no = counts.get((None, 1), 0), counts.get((None, 0), 0)
        shares = (
            Share("yes", N_("Yes"), yes, _fraction(yes, answered)),
            Share("no", N_("No"), no, _fraction(no, answered)),
        )
        return QuestionTally(question.id, question.kind, question.text, answered, shares)


def written_text(value: Any) -> str:
    """A worker's typed text, checked and cleaned: a free-text answer or the words beside
    an "other (please specify)" option. Empty when nothing was written."""
    value = _single_value(value)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AnswerError(N_("Write your answer as text."))
    if inputs.unstorable(value):
        raise AnswerError(N_("The answer contains characters that are not allowed."))
    # other control characters are no keyboard's: noise from a paste, dropped
    text = inputs.without_controls(value.replace("\r\n", "\n")).strip()
    if len(text) > MAX_TEXT_CHARS:
        raise AnswerError(N_("Keep the answer under %(max)s characters."), max=MAX_TEXT_CHARS)
    return text


class TextKind(Kind):
    name = "text"
    label = N_("Free text")

    def parse(self, question: Question, value: Any) -> list[AnswerRow]:
        text = written_text(value)
        return [AnswerRow(value_text=text)] if text else []

    def tally(
        self, question: Question, counts: Counts, answered: int, texts: Sequence[str] | None
    ) -> QuestionTally:
        return QuestionTally(
            question.id,
            question.kind,
            question.text,
            answered,
            (),
            texts=None if texts is None else tuple(texts),
        )


KINDS: dict[str, Kind] = {
    kind.name: kind for kind in (SingleKind(), MultiKind(), ScaleKind(), YesNoKind(), TextKind())
}


def kind_of(question: Question) -> Kind:
    return KINDS[question.kind]


def with_other_text(question: Question, rows: list[AnswerRow], value: Any) -> list[AnswerRow]:
    """The rows of a choice answer with the text typed beside its "other" option put on
    that option's row, where only the free-text release reads it (``services.releases``).
    Text typed with nothing chosen chooses "other"; text beside another single choice, or
    on a question without "other", is refused rather than silently dropped."""
    text = written_text(value)
    other = question.other_option
    if not text:
        return rows
    if other is None:
        raise AnswerError(N_("This question takes no written answer."))
    if not any(row.option_id == other.id for row in rows):
        if rows and question.kind == "single":
            raise AnswerError(
                N_("Choose “%(option)s” to write your own answer, or clear the text."),
                option=other.label,
            )
        rows = [*rows, AnswerRow(option_id=other.id)]
        limit = question.max_choices or len(question.options)
        if len(rows) > limit:
            raise AnswerError(N_("Choose at most %(max)s options."), max=limit)
    return [
        AnswerRow(option_id=row.option_id, value_text=text) if row.option_id == other.id else row
        for row in rows
    ]


def parse_answers(
    questions: Sequence[Question],
    submitted: Mapping[int, Any],
    others: Mapping[int, Any] | None = None,
) -> tuple[dict[int, list[AnswerRow]], dict[int, tuple[str, dict[str, Any]]]]:
    """Check every answer against its question; return the rows to store, or the errors.
    ``others`` holds the texts typed beside "other (please specify)" options."""
    rows: dict[int, list[AnswerRow]] = {}
    errors: dict[int, tuple[str, dict[str, Any]]] = {}
    for question in questions:
        try:
            parsed = kind_of(question).parse(question, submitted.get(question.id))
            if others and question.id in others:
                parsed = with_other_text(question, parsed, others[question.id])
        except AnswerError as error:
            errors[question.id] = (error.message, error.params)
            continue
        if not parsed and question.required:
            errors[question.id] = (N_("This question needs an answer."), {})
        elif parsed:
            rows[question.id] = parsed
    return rows, errors
