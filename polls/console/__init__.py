"""The officer's and leadership's pages: sign in, password, polls, placements, results."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from polls.console.live import LivePages
from polls.console.polls import PollPages
from polls.console.session import PasswordPages, SessionPages
from polls.console.sharing import SharingPages
from polls.console.zalo_bot import ZaloBotPages

ROUTES: list[ControllerRouterHandler] = [
    SessionPages,
    PasswordPages,
    PollPages,
    LivePages,
    SharingPages,
    ZaloBotPages,
]
