"""The one strict reading of numbers, ids, dates and text wherever they enter the app.

Python's own rules are too kind for a boundary: ``int()`` takes ``"٣"`` (an Arabic-Indic
three), ``"1_000"``, ``" 5\\n"``; ``str.isdigit()`` is true for ``"²"``, which ``int()`` then
refuses (a 500 where the check passed); ``datetime`` takes the year 1 and the year 9999, which
later overflow when shifted into Vietnam time; and PostgreSQL refuses a NUL in any text, so a
NUL that reaches a query is a server error, even in a sign-in form. Everything here is pure:
the callers say what a refusal means (a field error, an answer error, a 404).

- ``integer``: plain ASCII decimal digits with at most one leading minus, within a range;
- ``row_id``: a path or query id, a positive 63-bit integer (ids may be random 63-bit numbers);
- ``in_window``: dates between the years 2000 and 2100;
- ``unstorable``: NUL and lone surrogates, refused for the whole request (``polls.web``);
- ``control_characters`` / ``without_controls``: the other C0 and C1 control characters,
  refused where an officer typed them, stripped from a worker's free text (a phone's
  keyboard cannot type them, so they are noise from a paste, never meant).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from polls.errors import N_

ROW_ID_MAX = 2**63 - 1
ZALO_CHAT = re.compile(r"[A-Za-z0-9._-]{1,100}")
"""A Zalo group's id as the Zalo Bot knows it (the bot tells it on ``/id`` in the group)."""
ZALO_CHAT_ERROR = N_(
    "A Zalo group's id is the code the bot gives when someone writes /id in the group "
    "(letters, digits, dots, dashes or underscores)."
)


def zalo_chat_error(chat_id: str) -> str | None:
    """Why ``chat_id`` cannot be a Zalo group's id (a placement's, a unit's leaders'), or
    None when it can."""
    return None if ZALO_CHAT.fullmatch(chat_id) else ZALO_CHAT_ERROR


YEARS = (2000, 2100)
"""The years a poll may open or close in: a typo like 20266 or 0026 is refused at input."""

_DECIMAL = re.compile(r"-?[0-9]{1,18}", re.ASCII)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 and C1 controls and DEL, but not tab, newline and carriage return."""
_CONTROLS_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACES = " \t"


class InputError(ValueError):
    """A value that is not what its field takes; ``message`` is a gettext message id."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def decimal(value: object) -> int | None:
    """The integer a JSON number or a typed string stands for, or None if it is not a plain
    decimal integer (``"--5"``, ``"٣"``, ``"²"``, ``"1_000"``, ``"5.0"``, ``True``, ``1e3``).
    Spaces and tabs around a typed number are forgiven; other whitespace is not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip(_SPACES)
    if not _DECIMAL.fullmatch(text):
        return None
    return int(text)


def integer(value: object, low: int, high: int, message: str, **params: object) -> int:
    """``value`` as an integer from ``low`` to ``high``, or ``InputError(message)``."""
    number = decimal(value)
    if number is None or not low <= number <= high:
        raise InputError(message, **params)
    return number


_ROW_ID = re.compile(r"[1-9][0-9]{0,18}", re.ASCII)


def row_id(value: object) -> int | None:
    """A row id from a path, a query or a form field's name: a positive 63-bit integer
    written in ASCII digits with nothing around them, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _ROW_ID.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 1 <= number <= ROW_ID_MAX else None


def in_window(moment: datetime) -> bool:
    """Whether a date lies in the years a poll can use (``YEARS``), in UTC or as given."""
    low, high = YEARS
    try:
        year = moment.astimezone(UTC).year if moment.tzinfo else moment.year
    except OverflowError:  # the first or last hours of the calendar
        return False
    return low <= year <= high


DATE_OUT_OF_WINDOW = N_("Give a date between the years 2000 and 2100.")


def unstorable(text: str) -> bool:
    """NUL or a lone surrogate: text no database column can hold (PostgreSQL refuses the
    first, UTF-8 cannot encode the second)."""
    return _UNSTORABLE.search(text) is not None


def control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a control character; tab, newline and carriage return are
    allowed in ``multiline`` text."""
    pattern = _CONTROLS if multiline else _CONTROLS_ONE_LINE
    return pattern.search(text) is not None


CONTROL_CHARACTERS = N_("Remove the invisible control characters from this text.")


def without_controls(text: str, *, multiline: bool = True) -> str:
    """``text`` with its control characters (and anything unstorable) removed."""
    pattern = _CONTROLS if multiline else _CONTROLS_ONE_LINE
    return _UNSTORABLE.sub("", pattern.sub("", text))
