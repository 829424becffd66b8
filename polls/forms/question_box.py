"""The worker's pages of the question box ("Hỏi công đoàn", ``polls.services.question_box``):
``/hoi/{unit}`` to ask, ``/hoi/{unit}/theo-doi`` to follow up by code, ``/hoi/{unit}/tra-loi``
the unit's public answers, ``/hoi/{unit}/qr.svg`` the box's QR code.

Plain HTML forms that work without JavaScript; ``/hoi/box.js`` keeps the follow-up code on
the phone (``localStorage``) and fills it in. Asking is Post/Redirect/Get: the post answers
with a redirect to ``/hoi/{unit}/da-gui``, and the code goes there in the one cookie these
pages set, sealed, for that path only, for ten minutes, cleared by the page that shows it;
that page's language switch posts the sealed code back to it, so the same code shows in the
other language (``sent_in_other_language``). Each ask form carries a one-time token, so the
form posted twice stores one question (``box.ask_once``). No other cookie is set or read,
except the device token a poll's form may have left, and only for the rate limit (salted
per-minute counters, ``polls.ratelimit``). The follow-up code never travels in an address:
the link carries it after ``#``, which a browser never sends; the page's script reads it
there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from polls import privacy
from polls.errors import DomainError, InvalidInput
from polls.forms.guards import requires_own_question_form
from polls.forms.submitting import device_token
from polls.i18n import get_locale, gettext
from polls.ratelimit import RateLimiter
from polls.services import question_box as box
from polls.services.polls import now
from polls.sharing import qr
from polls.sharing.links import box_link
from polls.web import client_address, security_headers, settings_of

BOX_SCRIPT = (Path(__file__).parent / "static" / "box.js").read_bytes()

PAGE_HEADERS = {
    **security_headers(),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

ASKS_PER_DEVICE, ASKS_PER_ADDRESS = 3, 60
"""Questions a minute from one phone, and from one address (a canteen behind one NAT)."""
LOOKUPS_PER_DEVICE, LOOKUPS_PER_ADDRESS = 10, 30
"""Code look-ups a minute: enough for a worker who mistypes, far too few to guess codes."""


async def limit_asking(request: Request, slug: str) -> None:
    limiter: RateLimiter = request.app.state.limiter
    await limiter.check_scope(
        f"box:{slug}",
        device=device_token(request),
        address=client_address(request),
        per_device=ASKS_PER_DEVICE,
        per_ip=ASKS_PER_ADDRESS,
    )


async def limit_lookups(request: Request) -> None:
    limiter: RateLimiter = request.app.state.limiter
    await limiter.check_scope(
        "box-code",
        device=device_token(request),
        address=client_address(request),
        per_device=LOOKUPS_PER_DEVICE,
        per_ip=LOOKUPS_PER_ADDRESS,
    )


def _page(template: str, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=f"form/{template}",
        context={"topics": box.TOPIC_LABELS, **context},
        status_code=status,
        headers=PAGE_HEADERS,
    )


def _sent_path(slug: str) -> str:
    return f"/hoi/{slug}/da-gui"


SEALED_MAX = 200
"""Longer than any sealed code (``privacy.seal_box_code``): a longer field is no grant."""


def _leave_sealed_code(response: Response, request: Request, slug: str, sealed: str) -> None:
    """The one cookie these pages set: the sealed code, for the page showing it only; the
    seal's own expiry (``privacy.BOX_SENT_FOR`` after asking) bounds it whatever its age."""
    response.set_cookie(
        privacy.BOX_SENT_COOKIE,
        sealed,
        path=_sent_path(slug),
        max_age=privacy.BOX_SENT_FOR,
        httponly=True,
        samesite="strict",
        secure=settings_of(request).secure_cookies,
    )


def _field_errors(error: InvalidInput) -> dict[str, str]:
    return {field: gettext(message) for field, message in error.errors.items()}


async def _form_text(request: Request, *names: str) -> dict[str, str]:
    form = await request.form()
    values = {}
    for name in names:
        value = form.get(name)
        values[name] = value if isinstance(value, str) else ""
    return values


class QuestionBoxPages(Controller):
    path = "/hoi"
    include_in_schema = False

    @get("/box.js")
    async def script(self) -> Response[bytes]:
        return Response(
            BOX_SCRIPT,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @get("/{slug:str}")
    async def ask_page(self, request: Request, slug: FromPath[str]) -> Template:
        unit = await box.box_unit(slug)
        once = privacy.new_box_once(settings_of(request).secret_key, now())
        return _page("box_ask.html", unit=unit, kept={}, errors={}, once=once)

    @post("/{slug:str}", guards=[requires_own_question_form])
    async def ask(self, request: Request, slug: FromPath[str]) -> Response:
        """Store the question (once per form: ``box.ask_once``), then send the phone to the
        page that shows its code (Post/Redirect/Get: reloading that page posts nothing). The
        code goes there sealed in a cookie for that one page, never in the address."""
        unit = await box.box_unit(slug)
        await limit_asking(request, slug)
        kept = await _form_text(request, "topic", "text", "once")
        secret = settings_of(request).secret_key
        moment = now()
        try:
            asked = await box.ask_once(
                slug, kept["topic"], kept["text"], kept["once"], secret=secret, now=moment
            )
        except InvalidInput as error:
            if privacy.box_once_issued(secret, kept["once"]) is None:
                kept["once"] = privacy.new_box_once(secret, moment)
            return _page(
                "box_ask.html",
                422,
                unit=unit,
                kept=kept,
                errors=_field_errors(error),
                once=kept["once"],
            )
        redirect = Redirect(_sent_path(slug), status_code=HTTP_303_SEE_OTHER, headers=PAGE_HEADERS)
        if asked.code is not None or asked.again:
            sealed = privacy.seal_box_code(
                secret, slug, asked.code or "", again=asked.again, now=moment
            )
            _leave_sealed_code(redirect, request, slug, sealed)
        return redirect

    @get("/{slug:str}/da-gui")
    async def sent(self, request: Request, slug: FromPath[str]) -> Template:
        """The question was sent: its code, read once from the cookie the post left (and
        the cookie cleared); without it (a reload, a late re-post) only that it was sent."""
        unit = await box.box_unit(slug)
        sealed = request.cookies.get(privacy.BOX_SENT_COOKIE, "")
        opened = (
            privacy.open_box_code(settings_of(request).secret_key, slug, sealed, now())
            if sealed
            else None
        )
        code, again = opened if opened else ("", False)
        follow = f"{box_link(settings_of(request).base_url, slug)}/theo-doi"
        page = _page(
            "box_sent.html",
            unit=unit,
            code=code,
            again=again,
            follow_link=f"{follow}#{code}" if code else follow,
            switch_grant=sealed if code else "",
        )
        if sealed:
            page.delete_cookie(privacy.BOX_SENT_COOKIE, path=_sent_path(slug))
        return page

    @post("/{slug:str}/da-gui", guards=[requires_own_question_form])
    async def sent_in_other_language(self, request: Request, slug: FromPath[str]) -> Redirect:
        """The code page's language switch (``?lang=``), posted from the page showing the
        code: the sealed code that page was shown with comes back in the form's body, is
        left in the cookie again and the phone sent back to the page (Post/Redirect/Get),
        which shows the same code in the new language and clears the cookie. Only a page
        that is showing the code holds the grant, and only until the seal's ten minutes
        are over; a later reload, another phone or a page left for another finds none."""
        await box.box_unit(slug)
        sealed = (await _form_text(request, "sealed"))["sealed"][:SEALED_MAX]
        redirect = Redirect(
            f"{_sent_path(slug)}?lang={get_locale()}",
            status_code=HTTP_303_SEE_OTHER,
            headers=PAGE_HEADERS,
        )
        secret = settings_of(request).secret_key
        if sealed and privacy.open_box_code(secret, slug, sealed, now()):
            _leave_sealed_code(redirect, request, slug, sealed)
        return redirect

    @get("/{slug:str}/theo-doi")
    async def follow_page(self, slug: FromPath[str]) -> Template:
        unit = await box.box_unit(slug)
        return _page("box_follow.html", unit=unit, code="", errors={})

    @post("/{slug:str}/theo-doi", guards=[requires_own_question_form])
    async def follow(self, request: Request, slug: FromPath[str]) -> Template:
        """Read the thread by its code; with ``text``, add the worker's one more message."""
        unit = await box.box_unit(slug)
        await limit_lookups(request)
        adding = "text" in await request.form()
        sent = await _form_text(request, "code", "text")
        code = sent["code"][:40]
        secret = settings_of(request).secret_key
        try:
            if adding:
                thread = await box.add_message(code, sent["text"], secret=secret, now=now())
                added = True
            else:
                thread = await box.thread(code, secret=secret)
                added = False
        except InvalidInput as error:
            errors = _field_errors(error)
            if "code" in errors:
                return _page("box_follow.html", 422, unit=unit, code=code, errors=errors)
            thread = await box.thread(code, secret=secret)
            return _page("box_thread.html", 422, unit=unit, thread=thread, code=code, errors=errors)
        except DomainError as error:
            thread = await box.thread(code, secret=secret)
            return _page(
                "box_thread.html",
                error.status_code,
                unit=unit,
                thread=thread,
                code=code,
                errors={"text": gettext(error.message, error.params)},
            )
        return _page("box_thread.html", unit=unit, thread=thread, code=code, errors={}, added=added)

    @get("/{slug:str}/tra-loi")
    async def answers(self, slug: FromPath[str]) -> Template:
        unit, published = await box.published_answers(slug)
        return _page("box_answers.html", unit=unit, published=published)

    @get("/{slug:str}/qr.svg")
    async def qr_code(self, request: Request, slug: FromPath[str]) -> Response[str]:
        await box.box_unit(slug)
        link = box_link(settings_of(request).base_url, slug)
        return Response(
            qr.svg(qr.encode(link)),
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )
