"""What a poster or a table card says, in the poll's language: plain values for the layout.

Everything is translated here, with the poll's language set for the duration, so the
layout (``posters.py``) only places text it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date, format_time

from polls.i18n import get_locale, gettext, in_vietnam, using_locale
from polls.models import Placement, Poll
from polls.sharing import links


@dataclass(frozen=True)
class Sheet:
    """One placement's poster (or table card), every text final."""

    title: str
    call_to_action: str
    opens_with: str
    """Which app the QR code opens, in words ("Mở bằng Zalo"); empty for the web form."""
    qr_text: str
    link_intro: str
    link: str
    deadline: str
    """Empty when the poll has no closing time."""
    anonymity: str
    unit: str
    placement: str


def deadline_text(moment: datetime) -> str:
    local = in_vietnam(moment)
    locale = get_locale()
    when = (
        f"{format_time(local, 'short', locale=locale)}, {format_date(local, 'long', locale=locale)}"
    )
    return gettext("Deadline: %(time)s", time=when)


def standing_title() -> str:
    """The title of a standing placement's poster, which hangs for every wave of its series:
    no wave's title or deadline, which the next wave would make wrong (each wave's form
    says its own)."""
    return gettext("Workers' opinion poll")


def sheet_for(poll: Poll, placement: Placement, base_url: str, mini_app_id: str = "") -> Sheet:
    """The poster of ``placement``; its QR code opens the Zalo Mini App when the placement
    opens there (``links.scan_link``), and the web link is printed as the fallback."""
    in_zalo = links.opens_in_mini_app(placement, mini_app_id)
    standing = placement.standing_id is not None
    with using_locale(poll.language):
        return Sheet(
            title=standing_title() if standing else poll.title,
            call_to_action=gettext("Scan to answer"),
            opens_with=gettext("Opens in Zalo") if in_zalo else "",
            qr_text=links.scan_link(placement, base_url, mini_app_id),
            link_intro=gettext("No Zalo? Type this address in your phone's browser:")
            if in_zalo
            else gettext("Or type this address in your phone's browser:"),
            link=links.printed_link(base_url, placement.code),
            deadline=deadline_text(poll.closes_at) if poll.closes_at and not standing else "",
            anonymity=gettext("Your answers are completely anonymous."),
            unit=poll.unit_name,
            placement=gettext(
                "Placement: %(label)s · code %(code)s",
                label=" · ".join(filter(None, (placement.label, placement.unit_name))),
                code=placement.code,
            ),
        )
