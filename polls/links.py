"""The uppercase form of a placement's link, as QR codes carry it: ``/P/{code}``.

Litestar matches paths case-sensitively, so ``/P/CODE`` is sent on to the form at
``/p/CODE`` with a permanent (cacheable) redirect. See ``polls.sharing.links`` for why the
QR code spells it in uppercase.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_301_MOVED_PERMANENTLY

from polls.errors import N_, NotFound
from polls.sharing import codes
from polls.sharing.links import FORM_PATH, UPPERCASE_FORM_PATH


class UppercaseLinks(Controller):
    include_in_schema = False

    @get(UPPERCASE_FORM_PATH + "{code:str}")
    async def to_form(self, code: FromPath[str]) -> Redirect:
        canonical = codes.normalize(code)
        if canonical is None:
            raise NotFound(N_("This link does not lead to a poll. Check the code and try again."))
        return Redirect(
            path=FORM_PATH + canonical,
            status_code=HTTP_301_MOVED_PERMANENTLY,
            headers={"Referrer-Policy": "no-referrer", "Cache-Control": "public, max-age=86400"},
        )
