"""A poll's results shared to a messenger's chat from the console (Telegram's share-results,
the Zalo Bot's): the form read, the messenger's service called, and what happened said on the
results page the officer comes back to. One flow for both; each messenger says it in its own
words (``polls.console.sharing``, ``polls.console.zalo_bot``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from litestar import Request, Response

from polls.console.pages import FLASH, error_text, flash, see_other
from polls.errors import DomainError, Forbidden, NotFound
from polls.i18n import gettext


class Outcome(Protocol):
    @property
    def stopped(self) -> str | None:
        """Why the rest was not sent (a message id), after the first messages were."""


SharedT = TypeVar("SharedT", bound=Outcome)


def form_field(form: dict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def share_from_form(
    request: Request,
    share: Callable[[str, str | None], Awaitable[SharedT]],
    describe: Callable[[SharedT], str],
    back: str,
    *,
    key: str = FLASH,
) -> Response:
    """``share(chat_id, lang)`` from the posted form, its outcome flashed under ``key`` for
    the page at ``back``. A poll the officer may not see or read stays a 404 or 403; any other
    refusal (the chat, the messenger) is the page's message."""
    form = dict(await request.form())
    try:
        shared = await share(form_field(form, "chat_id"), form_field(form, "lang") or None)
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(request, "error", error_text(error), key=key)
    else:
        flash(request, "error" if shared.stopped else "ok", describe(shared), key=key)
    return see_other(back)


def shared_text(charts: int, not_yet: str, sent: str, stopped: str | None) -> str:
    """What the officer reads after a share: ``not_yet`` when no chart was sent (results are
    not shown yet), else ``sent``, with why the rest was not when sending stopped."""
    if not charts:
        return not_yet
    if stopped:
        rest = gettext("The rest was not sent:")
        return f"{sent} {rest} {gettext(stopped)}"
    return sent
