"""Rendering helpers shared by the console's controllers."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any, Literal

from litestar import Request
from litestar.response import Redirect, Template

from polls.console.labels import GLOBALS
from polls.errors import DomainError, InvalidInput
from polls.i18n import LANGUAGE_VARY, gettext
from polls.models import Principal

FLASH = "flash"


def count_texts(texts: Sequence[str]) -> list[tuple[str, int]]:
    """Free-text answers with identical ones shown once, with how many times they came
    (the service sorts them, so equal answers are neighbours)."""
    return [(text, len(list(same))) for text, same in groupby(texts)]


def page(
    template: str, principal: Principal | None, *, status: int = 200, **context: Any
) -> Template:
    """A console page; ``principal`` drives the header (who I am, what I may do)."""
    return Template(
        template_name=f"console/{template}",
        context={**GLOBALS, "count_texts": count_texts, "principal": principal, **context},
        status_code=status,
        headers={"Cache-Control": "no-store", "Vary": LANGUAGE_VARY},
    )


def field(form: object, name: str, limit: int) -> str:
    """A text field of a posted form, cut to ``limit`` characters; missing or not text: ""."""
    value = form.get(name) if hasattr(form, "get") else None
    return value[:limit] if isinstance(value, str) else ""


def see_other(path: str) -> Redirect:
    """After a POST: go to ``path`` with a GET (303), so a reload does not post again."""
    return Redirect(path=path, status_code=303)


def flash(request: Request, kind: Literal["ok", "error"], text: str, *, key: str = FLASH) -> None:
    """A message for the next page this browser opens (after a POST's redirect), kept in
    the signed session cookie; ``text`` is already in the reader's language. A page with
    two cards that take messages keeps the second's under its own ``key``."""
    request.set_session({**(request.session or {}), key: {"kind": kind, "text": text}})


def take_flash(request: Request, key: str = FLASH) -> dict[str, str] | None:
    """The message waiting for this page, if any, removed so it shows once."""
    session = request.session or {}
    note = session.get(key)
    if note is None:
        return None
    request.set_session({name: value for name, value in session.items() if name != key})
    if not isinstance(note, dict) or note.get("kind") not in ("ok", "error"):
        return None
    return {"kind": str(note["kind"]), "text": str(note.get("text", ""))}


def error_text(error: DomainError) -> str:
    """A domain error as one sentence in the reader's language (field errors spelt out)."""
    if isinstance(error, InvalidInput) and error.errors:
        return " ".join(gettext(message) for message in error.errors.values())
    return gettext(error.message, error.params)
