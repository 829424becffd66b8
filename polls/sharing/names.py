"""File names for downloads, after the poll or placement they hold: ``poster-nha-an-px3.pdf``.

Plain ASCII (a Vietnamese label loses its tones and ``đ`` becomes ``d``), lower case, words
joined by ``-``: safe in a ``Content-Disposition`` header, on every phone and every file
system, and still readable by the officer who saves ten posters into one folder."""

from __future__ import annotations

import re
import unicodedata

NOT_WORD = re.compile(r"[^a-z0-9]+")
LONGEST = 60


def ascii_slug(text: str, limit: int = LONGEST) -> str:
    """``"Nhà ăn PX3"`` -> ``"nha-an-px3"``; empty when nothing readable is left."""
    plain = text.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    slug = NOT_WORD.sub("-", plain.lower()).strip("-")
    return slug[:limit].rstrip("-")


def file_name(prefix: str, label: str, extension: str, *, fallback: str = "") -> str:
    """``prefix-<slug of label>.extension``; ``fallback`` (an id) when the label has no
    ASCII left (a label in another script)."""
    slug = ascii_slug(label) or fallback
    return f"{prefix}-{slug}.{extension}" if slug else f"{prefix}.{extension}"
