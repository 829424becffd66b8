"""The officer's and leadership's pages: sign in, password, polls, placements, results."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from polls.console.announcements import AnnouncementPages
from polls.console.live import LivePages
from polls.console.managing import ManagingPages
from polls.console.meeting import MeetingPages
from polls.console.polls import PollPages
from polls.console.preview import PreviewPages
from polls.console.session import PasswordPages, SessionPages
from polls.console.sharing import SharingPages
from polls.console.site import SitePages
from polls.console.tallies import TallyPages
from polls.console.zalo_bot import ZaloBotPages

ROUTES: list[ControllerRouterHandler] = [
    SessionPages,
    PasswordPages,
    PollPages,
    ManagingPages,
    PreviewPages,
    LivePages,
    SharingPages,
    SitePages,
    ZaloBotPages,
    MeetingPages,
    TallyPages,
    AnnouncementPages,
]
