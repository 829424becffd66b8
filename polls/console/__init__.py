"""The officer's and leadership's pages: sign in, polls, placements, results."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
