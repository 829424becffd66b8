"""Rendering helpers shared by the console's controllers."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from litestar.response import Redirect, Template

from polls.console.labels import GLOBALS
from polls.models import Principal


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
        headers={"Cache-Control": "no-store"},
    )


def see_other(path: str) -> Redirect:
    """After a POST: go to ``path`` with a GET (303), so a reload does not post again."""
    return Redirect(path=path, status_code=303)
