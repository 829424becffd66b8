"""The site's front door: a landing page at ``/`` that leads officers to the console and
tells a worker where the polls are, the favicon, and the console's small script (the copy
buttons; everything works without it)."""

from __future__ import annotations

from pathlib import Path

from litestar import Controller, Response, get
from litestar.response import Redirect, Template

STATIC = Path(__file__).parent / "static"
FAVICON = (STATIC / "favicon.svg").read_bytes()
CONSOLE_SCRIPT = (STATIC / "console.js").read_bytes()
STATIC_CACHE = {"Cache-Control": "public, max-age=86400"}


class SitePages(Controller):
    include_in_schema = False

    @get("/")
    async def landing(self) -> Template:
        return Template(template_name="landing.html")

    @get("/favicon.svg")
    async def favicon(self) -> Response[bytes]:
        return Response(FAVICON, media_type="image/svg+xml", headers=STATIC_CACHE)

    @get("/favicon.ico")
    async def favicon_ico(self) -> Redirect:
        """Browsers that ask for the old name get the SVG."""
        return Redirect(path="/favicon.svg", status_code=301)

    @get("/console/console.js")
    async def script(self) -> Response[bytes]:
        return Response(
            CONSOLE_SCRIPT, media_type="text/javascript; charset=utf-8", headers=STATIC_CACHE
        )
