"""The loudspeaker pack: a short announcement of a poll to read on the canteen and dormitory
loudspeakers, in the poll's language: its title, its link spelled out for listeners to type,
the deadline, and one sentence on what anonymity means here.

Pure code over plain values (the caller speaks the poll's language with ``using_locale``).
Listeners cannot see the link, so the code is read letter by letter with the names the
letters have in Vietnamese school ("bê", "xê", "e-lờ"...), the host word by word with its dots
("chấm") and slashes ("gạch chéo") named; the code's alphabet has no look-alikes
(``sharing.codes``) and is case-insensitive, so no "capital" is ever said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from babel.dates import format_date

from polls.i18n import gettext, in_vietnam, number

VIETNAMESE_LETTERS = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "E": "e", "F": "ép", "G": "giê", "H": "hát",
    "I": "i", "J": "gi", "K": "ca", "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o",
    "P": "pê", "Q": "quy", "R": "e-rờ", "S": "ét-xì", "T": "tê", "U": "u", "V": "vê",
    "W": "vê kép", "X": "ích-xì", "Y": "i dài", "Z": "dét",
}  # fmt: skip
VIETNAMESE_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
VIETNAMESE_MARKS = {".": "chấm", "/": "gạch chéo", "-": "gạch ngang", ":": "hai chấm"}
ENGLISH_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ENGLISH_MARKS = {".": "dot", "/": "slash", "-": "dash", ":": "colon"}


def say_character(character: str, language: str) -> str:
    """How one character of a link is said aloud."""
    upper = character.upper()
    if character.isdigit():
        digits = VIETNAMESE_DIGITS if language == "vi" else ENGLISH_DIGITS
        return digits[int(character)]
    marks = VIETNAMESE_MARKS if language == "vi" else ENGLISH_MARKS
    if character in marks:
        return marks[character]
    if language == "vi" and upper in VIETNAMESE_LETTERS:
        return VIETNAMESE_LETTERS[upper]
    return upper


def spell_code(code: str, language: str) -> str:
    """The code letter by letter: "tê, ba, ca, ..."."""
    return ", ".join(say_character(c, language) for c in code)


def spell_host(host: str, language: str) -> str:
    """A host as it is read: its words as written, a word of one or two letters ("vn") and
    every digit spelled, the dots and dashes named."""
    said: list[str] = []
    word = ""
    for character in host + ".":
        if character.isalpha():
            word += character.lower()
            continue
        if word:
            spelled = len(word) <= 2
            said.append(" ".join(say_character(c, language) for c in word) if spelled else word)
            word = ""
        if character.isdigit() or character in (
            VIETNAMESE_MARKS if language == "vi" else ENGLISH_MARKS
        ):
            said.append(say_character(character, language))
    return " ".join(said[:-1])  # the dot added above


def spell_link(printed: str, code: str, language: str) -> str:
    """The printed link (no ``https://``) as said aloud: host, path, then the code."""
    parts = urlsplit("//" + printed.removeprefix("http://"))
    path = parts.path.removesuffix(code)
    said = f"{spell_host(parts.netloc, language)} {spell_host(path, language)}"
    return f"{said}, {spell_code(code, language)}"


@dataclass(frozen=True)
class Announcement:
    heading: str
    paragraphs: tuple[str, ...]

    def as_text(self) -> str:
        """Plain text to download: the heading, then one paragraph a line, blank between."""
        return "\n\n".join((self.heading, *self.paragraphs)) + "\n"


def spoken_moment(moment: datetime, language: str) -> str:
    local = in_vietnam(moment)
    return gettext(
        "%(hour)s:%(minute)s on %(day)s",
        hour=f"{local.hour:02d}",
        minute=f"{local.minute:02d}",
        day=format_date(local.date(), format="long", locale=language),
    )


def build(
    *,
    title: str,
    unit: str,
    printed_link: str,
    code: str,
    closes_at: datetime | None,
    min_group_size: int,
    language: str,
) -> Announcement:
    spelled = spell_link(printed_link, code, language)
    deadline = (
        gettext(
            "Answers are taken until %(deadline)s.", deadline=spoken_moment(closes_at, language)
        )
        if closes_at is not None
        else gettext("Answers are taken until the poll is closed.")
    )
    return Announcement(
        gettext("Loudspeaker announcement: %(title)s", title=title),
        (
            gettext(
                "Announcement from %(unit)s: workers are invited to answer the poll “%(title)s”.",
                unit=unit,
                title=title,
            ),
            gettext(
                "To answer, scan the QR code on the notice board, or open this address on "
                "your phone: %(link)s.",
                link=printed_link,
            ),
            gettext("Letter by letter: %(spelled)s.", spelled=spelled),
            deadline,
            gettext(
                "The poll is anonymous: no sign-in, no name and no phone number are asked, "
                "and results are shown only for groups of at least %(k)s people.",
                k=number(min_group_size),
            ),
            gettext("Once more, the address: %(spelled)s.", spelled=spelled),
        ),
    )
