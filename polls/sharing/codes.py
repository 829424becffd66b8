"""Short codes for placement links (``/p/{code}``).

Seven characters from an alphabet without look-alikes (no 0/O, 1/I/L): typed from a poster
without confusion, case-insensitive, and all uppercase-safe so a whole URL fits QR's compact
alphanumeric mode. Drawn at random (31^7, about 2.7e10 codes), so codes are not sequential
and cannot be guessed from one another.
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
