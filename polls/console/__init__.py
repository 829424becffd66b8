"""The officer's and leadership's pages: sign in, password, polls, placements, results,
and the admin's officers, units and audit list."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from polls.console.admin import AdminPages
from polls.console.announcements import AnnouncementPages
from polls.console.live import LivePages
from polls.console.managing import ManagingPages
from polls.console.meeting import MeetingPages
from polls.console.polls import PollPages
from polls.console.preview import PreviewPages
from polls.console.question_box import QuestionBoxConsole
from polls.console.result_posters import ResultPosterPages
from polls.console.session import PasswordPages, SessionPages
from polls.console.sharing import SharingPages
from polls.console.site import SitePages
from polls.console.standing import StandingPages
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
    StandingPages,
    SitePages,
    ZaloBotPages,
    MeetingPages,
    TallyPages,
    AnnouncementPages,
    ResultPosterPages,
    QuestionBoxConsole,
    AdminPages,
]
