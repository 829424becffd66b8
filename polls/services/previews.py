"""Link previews of a placement's page (``/p/{code}``) for Zalo's and Facebook's crawlers:
the Open Graph tags of the page, and its card (``polls.sharing.previews``).

Both are in the poll's own language (a crawler sends no ``Accept-Language``; the people who
see the preview read the poll's language). Only an open poll has a preview: the page of a
draft, a scheduled or a closed poll carries no tags, and its card is a 404, so a link
pasted early leaks no draft's title. A card is drawn once per placement, poll version and
language, in a worker thread, and kept (``polls.services.cache``): a change to the poll
changes its version, so a kept card is never stale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from anyio import to_thread

from polls.errors import N_, NotFound
from polls.i18n import gettext, using_locale
from polls.models import Poll, PollStatus
from polls.services import placements, polls
from polls.services.cache import FreshCache, new_cache
from polls.sharing.links import link

CARD_PATH = "/card.png"
OG_LOCALES = {"vi": "vi_VN", "en": "en_US"}
CARD_WIDTH, CARD_HEIGHT = 1200, 630
TAGLINE = N_("Answer anonymously in 1 minute")
ANONYMOUS = N_("Your answers are anonymous: we store no name, phone number or IP address.")

_cards: FreshCache[bytes] = new_cache(size=256, fresh_for=math.inf)


@dataclass(frozen=True)
class PreviewTags:
    url: str
    title: str
    description: str
    image: str
    image_alt: str
    locale: str
    site_name: str
    width: int = CARD_WIDTH
    height: int = CARD_HEIGHT


def card_url(base_url: str, code: str) -> str:
    return link(base_url, code) + CARD_PATH


def tags(poll: Poll, code: str, base_url: str) -> PreviewTags | None:
    """The page's Open Graph tags; None unless the poll is open."""
    if poll.effective_status(polls.now()) != PollStatus.OPEN:
        return None
    with using_locale(poll.language):
        anonymous = gettext(ANONYMOUS)
        return PreviewTags(
            url=link(base_url, code),
            title=poll.title,
            description=f"{poll.unit_name}. {anonymous}",
            image=card_url(base_url, code),
            image_alt=f"{poll.title} · {poll.unit_name} · {gettext(TAGLINE)}",
            locale=OG_LOCALES.get(poll.language, "vi_VN"),
            site_name=gettext("Union opinion polls"),
        )


async def card(code: str) -> bytes:
    """The placement's card (PNG); ``NotFound`` unless its poll is open."""
    found = await placements.form_target(code)
    poll = found.poll
    if poll.effective_status(polls.now()) != PollStatus.OPEN:
        raise NotFound(N_("This link does not lead to a poll. Check the code and try again."))
    key = f"{found.placement.code}|{poll.version}|{poll.language}"

    async def load() -> tuple[int, bytes]:
        from polls.sharing.previews import card_png

        with using_locale(poll.language):
            tagline = gettext(TAGLINE)
        drawn = await to_thread.run_sync(card_png, poll.title, poll.unit_name, tagline)
        return poll.id, drawn

    return await _cards.get_or_load(key, load)
