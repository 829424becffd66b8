"""Locales: which one a request gets, the gettext catalogs, and CLDR formatting.

Vietnamese is the default. Catalogs live in ``polls/locales/<locale>/LC_MESSAGES/messages.po``
(extracted with ``pybabel extract -F babel.cfg``) and are compiled in memory at first use, so
no compiled ``.mo`` file needs to be kept in the repository.

The current locale is a context variable, set once per request; ``gettext`` and the
template helpers read it, so a service never passes a locale around to translate a message.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent, get_decimal_symbol
from babel.support import Translations

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALE_COOKIE = "polls_lang"
LANGUAGE_VARY = "Accept-Language, Cookie"
"""What a response in the reader's language varies with (``pick_locale``: the query, this
cookie, the browser's ``Accept-Language``); the ``Vary`` header of such responses."""
LOCALES_DIR = Path(__file__).parent / "locales"
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "polls_locale", default=DEFAULT_LOCALE
)


@cache
def translations(locale: str) -> Translations:
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    for message in list(catalog)[1:]:
        # An untranslated plural is ("", ""), which write_mo would keep as empty translations.
        if isinstance(message.string, tuple) and not all(message.string):
            message.string = ""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


@contextmanager
def using_locale(locale: str) -> Iterator[None]:
    """Speak ``locale`` inside the block (a poster in its poll's language), then go back to
    the request's."""
    token = set_locale(locale)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, params: Mapping[str, Any] | None = None, /, **kwargs: Any) -> str:
    text = translations(get_locale()).ugettext(message)
    values = {**(params or {}), **kwargs}
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, /, **kwargs: Any) -> str:
    text = translations(get_locale()).ungettext(singular, plural, n)
    return text % {"num": n, **kwargs}


@lru_cache(maxsize=1024)
def pick_locale(
    query: str | None, cookie: str | None, accept_language: str | None, default: str
) -> str:
    """``?lang=`` first, then the remembered choice, then the browser's, then the default.
    Asked on every request with the few headers phones send: kept for the last 1,024."""
    for candidate in (query, cookie):
        if candidate and candidate.lower() in LOCALES:
            return candidate.lower()
    if accept_language:
        for tag in _accept_language_tags(accept_language):
            primary = tag.split("-")[0]
            if primary in LOCALES:
                return primary
    return default if default in LOCALES else DEFAULT_LOCALE


def _accept_language_tags(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def rounded(value: float | int | Decimal, digits: int = 0) -> Decimal:
    """The one rounding of every figure shown (pages, charts, reports, exports): to
    ``digits`` decimals, halves away from zero, from the number as written (0.145 is 0.145,
    not the float just below it)."""
    # a float also comes as numpy's (a chart's tick), whose repr is not a number
    exact = Decimal(value) if isinstance(value, Decimal | int) else Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def percent_figure(fraction: float, digits: int = 0) -> Decimal:
    """``fraction`` as the percent shown: 0.455 -> 46 (``rounded``)."""
    return rounded(rounded(fraction, 12) * 100, digits)


def plain_number(value: float | int | Decimal, digits: int = 0) -> str:
    """A figure for a spreadsheet: rounded like the page, the locale's decimal sign, no
    grouping (a grouped "1.234" is a thousand in Vietnamese and a little more than one in
    English)."""
    text = format(rounded(value, digits), "f")
    return text.replace(".", get_decimal_symbol(get_locale()))


def number(value: float | int, digits: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(rounded(value, digits), format=pattern, locale=get_locale())


def approx(value: float | int, digits: int = 0) -> str:
    """A perturbed count (``polls.disclosure``), said to be one: "≈ 12", "khoảng 12"."""
    return gettext("≈ %(n)s", n=number(value, digits))


def percent(fraction: float, digits: int = 0) -> str:
    """Whole percents unless told: released counts are perturbed, and a tenth of a percent
    would pretend to a precision they do not have."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    if get_locale() == "en":
        pattern = pattern.replace(" %", "%")
    return format_percent(
        percent_figure(fraction, digits) / 100, format=pattern, locale=get_locale()
    )


def in_vietnam(moment: datetime) -> datetime:
    """``moment`` in Vietnam time; a stored date at the edge of the calendar (the year 9999,
    from before input was checked) is shown as it is rather than overflowing the page."""
    try:
        return moment.astimezone(TIMEZONE)
    except (OverflowError, ValueError):
        return moment


DATE_PATTERNS = {
    "vi": ("dd/MM/yyyy", "HH:mm 'ngày' dd/MM/yyyy"),
    "en": ("medium", "MMM d, y, h:mm a"),
}
"""Vietnamese dates as they are written in Vietnam (12/11/2026, 07:30 ngày 12/11/2026);
English ones as CLDR's medium date with a time to the minute (Dec 2, 2026, 6:00 PM: no
moment shown is kept to the second); other locales CLDR's medium formats."""


def local_datetime(moment: datetime | None) -> str:
    if moment is None:
        return ""
    pattern = DATE_PATTERNS.get(get_locale(), ("", "medium"))[1]
    return format_datetime(in_vietnam(moment), format=pattern, locale=get_locale())


def local_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = in_vietnam(day).date()
    pattern = DATE_PATTERNS.get(get_locale(), ("medium", ""))[0]
    return format_date(day, format=pattern, locale=get_locale())


def language_name(locale: str) -> str:
    return Locale.parse(locale).get_display_name(locale) or locale
