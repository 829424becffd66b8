"""Short codes for placement links (``/p/{code}``), and printed one-time codes (slips).

Seven characters from an alphabet without look-alikes (no 0/O, 1/I/L): typed from a poster
without confusion, case-insensitive, and all uppercase-safe so a whole URL fits QR's compact
alphanumeric mode. Drawn at random (31^7, about 2.7e10 codes), so codes are not sequential
and cannot be guessed from one another.

A printed one-time code (``new_slip_code``) uses the same alphabet: seven random characters
and a check character, so a typing mistake is told apart from a used or unknown code.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 7
_VALID = re.compile(rf"^[{ALPHABET}]{{6,8}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(code: str) -> str | None:
    """The canonical (uppercase) form of a code someone typed, or None if it cannot be one."""
    candidate = code.strip().upper()
    return candidate if _VALID.match(candidate) else None


# --- printed one-time codes ---------------------------------------------------------------

SLIP_RANDOM = 7
"""Random characters of a printed one-time code: 31^7, about 2.7e10, of which a poll issues
a few hundred, so a guess hits an issued code about once in 10^8 tries."""
SLIP_LENGTH = SLIP_RANDOM + 1
_SLIP_VALUE = {character: value for value, character in enumerate(ALPHABET)}
_SLIP_SEPARATORS = re.compile(r"[\s\-–—.·_]+")


def _weighted_sum(values: list[int]) -> int:
    return sum(weight * value for weight, value in enumerate(values, start=1))


def _check_character(values: list[int]) -> str:
    """The eighth character, chosen so that the weighted sum (weights 1 to 8) of the whole
    code is 0 mod 31. 31 is prime and the weights differ, so any one character typed wrong
    and any two neighbours swapped change the sum: the code is refused as mistyped instead
    of counting as someone else's."""
    size = len(ALPHABET)
    inverse = pow(SLIP_LENGTH, -1, size)
    return ALPHABET[(-_weighted_sum(values) * inverse) % size]


def new_slip_code() -> str:
    """A printed one-time code: seven random characters and a check character."""
    values = [secrets.randbelow(len(ALPHABET)) for _ in range(SLIP_RANDOM)]
    return "".join(ALPHABET[v] for v in values) + _check_character(values)


def normalize_slip_code(typed: str) -> str | None:
    """The canonical form of a code someone typed (any case, with or without the dash or
    spaces), or None when it cannot be one: wrong length, a character outside the alphabet,
    or a check character that does not match (a typing mistake)."""
    candidate = _SLIP_SEPARATORS.sub("", typed.strip().upper())
    if len(candidate) != SLIP_LENGTH or any(c not in _SLIP_VALUE for c in candidate):
        return None
    values = [_SLIP_VALUE[c] for c in candidate]
    return candidate if _weighted_sum(values) % len(ALPHABET) == 0 else None


def printed_slip_code(code: str) -> str:
    """How a slip shows its code: two groups of four, ``ABCD-EFGH``."""
    return f"{code[:4]}-{code[4:]}"
