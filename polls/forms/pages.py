"""The worker's form on the web: ``/p/{code}``, plain HTML that works without JavaScript;
and the same form as a Telegram Mini App: ``/tg/{code}``, or ``/tg`` with the direct link's
start parameter (the Mini App's address given to BotFather)."""

from __future__ import annotations

import gzip
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from polls import inputs
from polls.errors import (
    AlreadyAnswered,
    CodeAlreadyUsed,
    DeviceTokenRequired,
    InvalidAnswers,
    NoOpenWave,
    PollNotAccepting,
    Unavailable,
)
from polls.forms.assets import FORM_SCRIPT
from polls.forms.guards import requires_own_form_submission
from polls.forms.submitting import (
    DEVICE_FIELD,
    Target,
    page_device,
    remember_device,
    submit,
    target,
)
from polls.i18n import get_locale, gettext, local_datetime
from polls.models import Channel, DuplicatePolicy, Poll, PollStatus
from polls.privacy import device_subject
from polls.services import codes, placements, previews, standing
from polls.services.polls import now
from polls.services.results import results_for
from polls.services.submission import OTHER_SUFFIX, has_answered
from polls.sharing.links import CODE_QUERY
from polls.web import (
    DATABASE_ERRORS,
    MESSENGER_FRAMES,
    security_headers,
    settings_of,
    unavailable,
)

FORM_HEADERS = {
    **security_headers(frame_ancestors=f"'self' {MESSENGER_FRAMES}"),
    # the placement's code is in the address: never send it on to another site
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

UNSTORED: tuple[type[BaseException], ...] = (Unavailable, *DATABASE_ERRORS)
"""A submission the database could not take: the form comes back with its answers."""


def _message(
    poll: Poll | None, heading: str, *lines: str, status: int = 200, **more: Any
) -> Template:
    return Template(
        template_name="form/message.html",
        context={"poll": poll, "heading": heading, "lines": lines, **more},
        status_code=status,
        headers=FORM_HEADERS,
    )


async def _not_accepting(poll: Poll) -> Template:
    status = poll.effective_status(now())
    if status == PollStatus.SCHEDULED and poll.opens_at:
        return _message(
            poll,
            gettext("This poll is not open yet."),
            gettext(
                "It opens on %(time)s. Please come back then.", time=local_datetime(poll.opens_at)
            ),
        )
    if status in (PollStatus.DRAFT, PollStatus.SCHEDULED):
        return _message(
            poll, gettext("This poll is not open yet."), gettext("Please come back later.")
        )
    # a closed poll that publishes its results shows them: overall only, never free text,
    # under the same suppression as everywhere (nothing below the minimum group size)
    published = await results_for(poll, None) if poll.publish_results else None
    return Template(
        template_name="form/closed.html",
        context={"poll": poll, "results": published},
        headers=FORM_HEADERS,
    )


async def _between_waves(standing_id: int) -> Template:
    """A standing placement's page while no wave of its series is open: when the next one
    opens, and what the last one publishes on its own link (``_not_accepting``'s rule)."""
    between = await standing.between_waves(standing_id)
    last = between.last
    return Template(
        template_name="form/between_waves.html",
        context={
            "standing": between.standing,
            "next_opens_at": between.next_opens_at,
            "poll": last,
            "results": await results_for(last, None) if last is not None else None,
        },
        headers=FORM_HEADERS,
    )


def _already_answered(poll: Poll, channel: str = Channel.WEB) -> Template:
    """The page of a device or account that has answered; its script clears the answers
    this phone may still keep for the poll (``enhance.js``)."""
    return _message(
        poll,
        gettext("You have already answered this poll."),
        gettext("Each Telegram account answers once. Thank you for taking part!")
        if channel == Channel.TELEGRAM
        else gettext("Each phone answers once. Thank you for taking part!"),
        answered_poll=poll.id,
        form_script=FORM_SCRIPT,
    )


def _only_in_messengers(poll: Poll, *, zalo: bool) -> Template:
    """A ``messenger`` poll opened in a plain browser: only a messenger can vouch for the
    account. Zalo is named only where this server has a Zalo app to verify its users."""
    if zalo:
        return _message(
            poll,
            gettext("This poll is answered in Telegram or Zalo."),
            gettext(
                "Each Telegram or Zalo account answers once. Open the poll from the union's "
                "Telegram group or bot, or from its Zalo mini app."
            ),
        )
    return _message(
        poll,
        gettext("This poll is answered in Telegram."),
        gettext(
            "Each Telegram account answers once. Open the poll from the union's Telegram "
            "group or bot."
        ),
    )


@dataclass(frozen=True)
class Preview:
    """Where a preview of the form posts and switches language instead of the worker's
    link (``polls.console.preview``): the same template, without the offline script (it
    would keep answers on the officer's browser) and with a banner saying nothing is kept."""

    action: str
    language_href: str
    """The preview's own address with ``{locale}`` to fill in (the form's ``?lang=``
    would change the console's language too)."""
    privacy_href: str


Kept = dict[int | str, list[str]]
"""What a form page keeps of a worker's answers: values by question id, and the text typed
beside question 12's "other" option under ``"12.other"``."""


def read_answers(form: Any) -> tuple[dict[str, Any], Kept]:
    """The answers of a posted form (a multi-dict) as the submission path takes them (a
    field named like a question, ``q12``, or like its "other" text, ``q12.other``; an
    unknown question is refused there), and the same values kept for the page."""
    answers: dict[str, Any] = {}
    kept: Kept = {}
    for key in form:
        name = key[1:] if key.startswith("q") else ""
        number = name.removesuffix(OTHER_SUFFIX)
        if not number.isdigit() or inputs.decimal(number) is None:
            continue
        values = [v for v in form.getall(key) if isinstance(v, str)]
        answers[name] = values
        kept[int(number) if name == number else name] = values
    return answers, kept


def _form_context(
    found: Target,
    kept: Kept,
    errors: dict[int, str],
    channel: str = Channel.WEB,
    *,
    device: str | None = None,
    notice: str | None = None,
    slip_code: str = "",
    code_error: str | None = None,
    preview: previews.PreviewTags | None = None,
) -> dict[str, Any]:
    return {
        "preview": preview,
        "poll": found.poll,
        "code": found.placement.answer_code,
        "kept": kept,
        "errors": errors,
        "channel": str(channel),
        "form_script": FORM_SCRIPT,
        "device": device,
        "notice": notice,
        "console_preview": None,
        "slip_code": slip_code,
        "code_error": code_error,
    }


def preview_form(
    poll: Poll,
    preview: Preview,
    kept: Kept,
    errors: dict[int, str],
    *,
    status: int = 200,
    headers: dict[str, str],
) -> Template:
    """The worker's form page for ``poll`` as it will be shown, posting to ``preview``."""
    return Template(
        template_name="form/page.html",
        context={
            "poll": poll,
            "code": "",
            "kept": kept,
            "errors": errors,
            "channel": str(Channel.WEB),
            "form_script": None,
            "device": None,
            "notice": None,
            "preview": None,
            "console_preview": preview,
        },
        status_code=status,
        headers=headers,
    )


def thanks_message(poll: Poll, *, headers: dict[str, str] = FORM_HEADERS) -> Template:
    """The page after a stored response; the same for everyone."""
    template = _message(
        poll,
        gettext("Thank you for taking part in the poll!"),
        gettext("Your answers were received."),
    )
    template.headers.update(headers)
    return template


def _form(
    found: Target,
    kept: Kept,
    errors: dict[int, str],
    status: int = 200,
    *,
    device: str | None = None,
    notice: str | None = None,
    slip_code: str = "",
    code_error: str | None = None,
) -> Template:
    """The form with a worker's answers and the errors in them (never cached); ``device``
    is a token handed out in a hidden field, for a phone that keeps no cookies;
    ``slip_code`` the printed one-time code typed or scanned, and what is wrong with it."""
    return Template(
        template_name="form/page.html",
        context=_form_context(
            found,
            kept,
            errors,
            device=device,
            notice=notice,
            slip_code=slip_code,
            code_error=code_error,
        ),
        status_code=status,
        headers=FORM_HEADERS,
    )


@dataclass(frozen=True)
class RenderedPage:
    html: bytes
    gzipped: bytes


class PageCache:
    """Pages that are the same for every phone, rendered and compressed once: the blank
    form per placement, poll version, locale and channel, and the thanks page per poll
    version and locale. They hold nothing about a visitor (the device cookie travels in a
    header), so every phone gets the same bytes until the poll changes."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], RenderedPage] = OrderedDict()

    def page(self, request: Request, found: Target, channel: str = "web") -> RenderedPage:
        def context() -> dict[str, Any]:
            preview = (
                previews.tags(
                    found.poll, found.placement.answer_code, settings_of(request).base_url
                )
                if channel == Channel.WEB
                else None
            )
            return _form_context(found, {}, {}, channel, preview=preview)

        return self.rendered(
            request,
            ("form", found.placement.answer_code, found.poll.version, get_locale(), channel),
            "form/page.html",
            context,
        )

    def thanks(self, request: Request, poll: Poll) -> RenderedPage:
        return self.rendered(
            request,
            ("thanks", poll.id, poll.version, get_locale()),
            "form/message.html",
            lambda: _thanks_context(poll),
        )

    def rendered(
        self,
        request: Request,
        key: tuple[Any, ...],
        template: str,
        context: Callable[[], dict[str, Any]],
    ) -> RenderedPage:
        page = self._pages.get(key)
        if page is None:
            engine = request.app.template_engine
            assert isinstance(engine, JinjaTemplateEngine)
            html = engine.engine.get_template(template).render(context()).encode()
            page = RenderedPage(html, gzip.compress(html, compresslevel=9, mtime=0))
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page


pages = PageCache()

_SHARED_PAGE_HEADERS = {
    False: {**FORM_HEADERS, "Vary": "Accept-Encoding, Accept-Language, Cookie"},
    True: {
        **FORM_HEADERS,
        "Vary": "Accept-Encoding, Accept-Language, Cookie",
        "Content-Encoding": "gzip",
    },
}
"""The headers of a page from ``pages``, plain and compressed, made once."""


def _shared_page(request: Request, page: RenderedPage) -> Response:
    gzipped = "gzip" in request.headers.get("accept-encoding", "")
    return Response(
        page.gzipped if gzipped else page.html,
        media_type=MediaType.HTML,
        headers=dict(_SHARED_PAGE_HEADERS[gzipped]),
    )


def _blank_form(request: Request, found: Target, channel: str = Channel.WEB) -> Response:
    return _shared_page(request, pages.page(request, found, str(channel)))


def _thanks_context(poll: Poll) -> dict[str, Any]:
    return {
        "poll": poll,
        "heading": gettext("Thank you for taking part in the poll!"),
        "lines": (gettext("Your answers were received."),),
        "box_href": f"/hoi/{poll.unit_slug}",
    }


class FormPages(Controller):
    include_in_schema = False

    @get("/p/{code:str}")
    async def show(self, request: Request, code: FromPath[str]) -> Response:
        try:
            found = await target(code)
        except NoOpenWave as between:
            return await _between_waves(between.standing_id)
        placements.record_visit(found.placement.id)
        return await self._page_for(request, found)

    @get("/tg/{code:str}")
    async def show_in_telegram(self, request: Request, code: FromPath[str]) -> Response:
        """The Mini App opened by the bot's ``web_app`` button (the code is in the path)."""
        return await self._telegram_page(request, code)

    @get("/tg")
    async def launch_in_telegram(self, request: Request) -> Response:
        """The Mini App opened by a direct link ``t.me/<bot>/<app>?startapp=<code>``: Telegram
        adds the start parameter as ``tgWebAppStartParam``. Only a placement is chosen by it;
        the submission takes the signed copy from the launch data."""
        code = request.query_params.get("tgWebAppStartParam") or ""
        return await self._telegram_page(request, code)

    async def _telegram_page(self, request: Request, code: str) -> Response:
        found = await target(code)
        placements.record_visit(found.placement.id)
        return await self._page_for(request, found, Channel.TELEGRAM)

    @get("/tg/{code:str}/answered")
    async def answered_in_telegram(self, code: FromPath[str]) -> Template:
        return _already_answered((await target(code)).poll, Channel.TELEGRAM)

    async def _page_for(
        self, request: Request, found: Target, channel: str = Channel.WEB
    ) -> Response:
        if found.poll.effective_status(now()) != PollStatus.OPEN:
            return await _not_accepting(found.poll)
        if channel == Channel.TELEGRAM:
            # who is answering is only known from the launch data the submission carries
            return _blank_form(request, found, channel)
        if found.poll.duplicate_policy == DuplicatePolicy.MESSENGER:
            return _only_in_messengers(found.poll, zalo=settings_of(request).zalo_configured)
        if found.poll.duplicate_policy == DuplicatePolicy.CODE:
            # a shared phone: the code decides, never what this phone answered before
            scanned = request.query_params.get(CODE_QUERY, "")[:40]
            if scanned:
                return _form(found, {}, {}, slip_code=scanned)
            return _blank_form(request, found, channel)
        device = page_device(request)
        secret = settings_of(request).secret_key
        if not device.new and await has_answered(
            found.poll, device_subject(device.token), secret=secret
        ):
            return _already_answered(found.poll)
        response = _blank_form(request, found)
        remember_device(request, response, device.token)
        return response

    @post("/p/{code:str}", guards=[requires_own_form_submission])
    async def answer(self, request: Request, code: FromPath[str]) -> Response:
        found = await target(code)
        form = await request.form()
        offered = form.get(DEVICE_FIELD)
        typed = form.get(codes.CODE_FIELD)
        slip_code = typed[:40] if isinstance(typed, str) else ""
        answers, kept = read_answers(form)
        try:
            _, token = await submit(
                request,
                found,
                answers,
                offered_device=offered if isinstance(offered, str) else None,
                code=slip_code or None,
            )
        except DeviceTokenRequired as refused:
            page = _form(
                found,
                kept,
                {},
                status=refused.status_code,
                device=refused.token,
                notice=gettext(refused.message),
            )
            remember_device(request, page, refused.token)
            return page
        except InvalidAnswers as error:
            messages = {
                int(k): gettext(m, p)
                for k, (m, p) in error.answer_errors.items()
                if str(k).isdigit()
            }
            wrong_code = error.answer_errors.get(codes.CODE_FIELD)  # type: ignore[call-overload]
            return _form(
                found,
                kept,
                messages,
                status=422,
                slip_code=slip_code,
                code_error=gettext(*wrong_code) if wrong_code else None,
            )
        except CodeAlreadyUsed as used:
            return _form(
                found, kept, {}, status=409, slip_code=slip_code, code_error=gettext(used.message)
            )
        except AlreadyAnswered:
            return _already_answered(found.poll)
        except PollNotAccepting:
            response = await _not_accepting(found.poll)
            response.status_code = 410
            return response
        except UNSTORED as failure:
            # without the form's script nothing on the phone keeps the answers: the form
            # comes back filled in, to be sent again, as the message promises
            refusal = failure if isinstance(failure, Unavailable) else unavailable(failure)
            page = _form(
                found,
                kept,
                {},
                status=refusal.status_code,
                notice=gettext(refusal.message),
                slip_code=slip_code,
            )
            page.headers["Retry-After"] = "5"
            return page
        redirect = Redirect(
            path=f"/p/{found.placement.answer_code}/thanks", status_code=HTTP_303_SEE_OTHER
        )
        remember_device(request, redirect, token)
        return redirect

    @get("/p/{code:str}/thanks")
    async def thanks(self, request: Request, code: FromPath[str]) -> Response:
        """The same page for everyone: the address carries nothing about the response."""
        found = await target(code)
        return _shared_page(request, pages.thanks(request, found.poll))

    @get("/p/{code:str}/privacy")
    async def poll_privacy(self, code: FromPath[str]) -> Template:
        """What is stored for this poll and for how long, claim by claim (each marked with
        ``data-claim``, checked against the stored data by tests/privacy/test_notice.py)."""
        found = await target(code)
        return Template(
            template_name="form/poll_privacy.html",
            context={"poll": found.poll, "code": found.placement.answer_code},
            headers=FORM_HEADERS,
        )

    @get("/privacy")
    async def privacy(self) -> Template:
        return Template(template_name="form/privacy.html")
