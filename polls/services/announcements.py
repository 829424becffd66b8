"""The loudspeaker pack of a poll (``sharing.announcement``), read with one placement's link
so that answers from the loudspeakers count under that placement."""

from __future__ import annotations

from polls.errors import N_, Conflict, NotFound
from polls.i18n import using_locale
from polls.models import Placement, PlacementKind, Poll, Principal
from polls.services import placements, polls
from polls.sharing import announcement, links

NO_ANSWERS = frozenset({PlacementKind.PAPER.value})
"""Placements whose link takes no answers, never read out."""


async def for_poll(
    principal: Principal, poll_id: int, placement_id: int | None, base_url: str
) -> tuple[Poll, Placement, list[Placement], announcement.Announcement]:
    """The poll, the placement read out (``placement_id``, or the poll's first that takes
    answers), the placements one may choose instead, and the announcement in the poll's
    language."""
    poll = await polls.get(principal, poll_id)
    choices = [
        p for p in await placements.list_for_poll(principal, poll.id) if p.kind not in NO_ANSWERS
    ]
    if not choices:
        raise Conflict(N_("Add a placement first: the announcement reads out its link."))
    chosen = choices[0] if placement_id is None else None
    if placement_id is not None:
        chosen = next((p for p in choices if p.id == placement_id), None)
        if chosen is None:
            raise NotFound(N_("This placement is not one of the poll's."))
    assert chosen is not None
    with using_locale(poll.language):
        text = announcement.build(
            title=poll.title,
            unit=poll.unit_name,
            printed_link=links.printed_link(base_url, chosen.code),
            code=chosen.code,
            closes_at=poll.closes_at,
            min_group_size=poll.min_group_size,
            language=poll.language,
        )
    return poll, chosen, choices, text
