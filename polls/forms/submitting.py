"""What every HTTP way of answering shares before the one submission path: find the poll by
its placement code, take the device token, the Telegram launch data or the Zalo Mini App's
token, apply the rate limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response

from polls import privacy
from polls.errors import N_, DeviceTokenRequired, DomainError, NotConfigured, Unauthorized
from polls.messengers import telegram, zalo
from polls.models import Channel, DuplicatePolicy, Placement, PlacementKind, Stored
from polls.ratelimit import RateLimiter
from polls.services import placements, standing, unlinking
from polls.services import zalo as zalo_service
from polls.services.submission import Submission, check_accepting, submit_response
from polls.web import DEVICE_HEADER, client_address, device_cookie, settings_of

Target = placements.FormTarget


async def target(code: str) -> Target:
    """The placement and poll of a form read or answered. Reading is also where a process
    notices that the hour has changed (the unlinking step runs, once per hour and process)
    or that the poll has closed (its keys are destroyed, once). A standing placement's
    code leads to its series' open wave (``NoOpenWave`` between waves)."""
    found = await standing.form_target(code)
    await unlinking.unlink_if_new_hour()
    await unlinking.destroy_keys_if_closed(found.poll)
    return found


DEVICE_FIELD = "device"
"""The plain HTML form's hidden field with the token a 428 handed out (cookies off)."""


def device_token(request: Request, offered: str | None = None) -> str | None:
    """The signed device token the request carries: its cookie, the ``X-Polls-Device``
    header, or (the HTML form) the hidden field ``offered``; None without a valid one."""
    secret = settings_of(request).secret_key
    for candidate in (
        request.cookies.get(privacy.DEVICE_COOKIE),
        request.headers.get(DEVICE_HEADER),
        offered,
    ):
        if privacy.is_device_token(candidate, secret):
            return candidate
    return None


@dataclass(frozen=True)
class PageDevice:
    token: str
    new: bool
    """Made for this page: a device nobody has seen, so it has answered nothing (no lookup
    needed to know it)."""


def page_device(request: Request) -> PageDevice:
    """The device token a page served to this phone carries: the one it has, or a new one.
    A cookie of an earlier version (the bare nonce, unsigned) is signed as it is, so a phone
    that answered before keeps its identity."""
    secret = settings_of(request).secret_key
    if privacy.DEVICE_COOKIE not in request.cookies and DEVICE_HEADER not in request.headers:
        return PageDevice(privacy.new_device_token(secret), new=True)  # a first visit
    token = device_token(request)
    if token is not None:
        return PageDevice(token, new=False)
    legacy = request.cookies.get(privacy.DEVICE_COOKIE)
    if privacy.is_device_nonce(legacy):
        return PageDevice(privacy.sign_device_token(secret, legacy or ""), new=False)
    return PageDevice(privacy.new_device_token(secret), new=True)


_COOKIE_MARK = "device-token-goes-here"
_cookie_around: dict[bool, tuple[str, str]] = {}
"""The device cookie's ``Set-Cookie`` value before and after the token, per ``Secure``: made
once from ``web.device_cookie`` (the one place its attributes are decided), since building
a cookie through ``http.cookies`` for every first visit is a large part of a form page."""


def device_cookie_header(request: Request, token: str) -> str:
    secure = settings_of(request).secure_cookies
    around = _cookie_around.get(secure)
    if around is None:
        before, _, after = (
            device_cookie(request, _COOKIE_MARK).to_header(header="").partition(_COOKIE_MARK)
        )
        around = _cookie_around[secure] = (before, after)
    return around[0] + token + around[1]


def remember_device(request: Request, response: Response, token: str) -> None:
    """Set the device cookie unless the phone already sent this one. The token is one this
    server made or checked (``privacy.is_device_nonce``: nothing a cookie must quote)."""
    if request.cookies.get(privacy.DEVICE_COOKIE) != token:
        response.headers["set-cookie"] = device_cookie_header(request, token)


def telegram_launch(request: Request) -> telegram.LaunchData | None:
    """The checked launch data of an ``Authorization: tma <initData>`` header; None when
    the request carries none. Bad or stale data is refused, never taken as a web answer."""
    init_data = telegram.init_data_from_header(request.headers.get("authorization"))
    if init_data is None:
        return None
    settings = settings_of(request)
    if not settings.telegram_configured:
        raise NotConfigured(N_("Telegram is not set up on this server."))
    try:
        return telegram.validate(
            init_data,
            settings.telegram_bot_token,
            max_age=settings.telegram_init_data_max_age,
        )
    except telegram.InvalidInitData:
        raise Unauthorized(
            N_(
                "Telegram did not confirm who is answering, or the confirmation is too old. "
                "Close the poll and open it again from Telegram."
            )
        ) from None


def zalo_token(request: Request) -> str | None:
    """The Mini App user's token of an ``Authorization: zalo <access token>`` header."""
    token = zalo.access_token_from_header(request.headers.get("authorization"))
    if token is not None and request.app.state.zalo is None:
        raise NotConfigured(zalo_service.NOT_CONFIGURED)
    return token


async def _launch_placement(found: Target, start_param: str) -> Placement:
    """The placement the signed start parameter names; it must belong to the same poll."""
    named = await target(start_param)
    if named.poll.id != found.poll.id:
        raise DomainError(N_("This Telegram link belongs to another poll."))
    return named.placement


async def submit(
    request: Request,
    found: Target,
    answers: Mapping[str, Any],
    *,
    submission_id: str | None = None,
    channel: Channel = Channel.WEB,
    offered_device: str | None = None,
    code: str | None = None,
) -> tuple[Stored, str]:
    """Rate-limit, then store through the one submission path. Returns what was stored and
    the device token the response should carry.

    A web answer to a poll of one answer per phone counts only with a device token this
    server signed (``DeviceTokenRequired``, 428, hands out one): without it every answer of
    a cookie-less script would be a "new phone". Messenger answers are vouched for by the
    messenger's own signature instead and need none; neither do polls without a duplicate
    policy, which get a fresh token for the per-device limit."""
    secret = settings_of(request).secret_key
    signed = device_token(request, offered_device)
    token = signed or privacy.new_device_token(secret)
    launch = telegram_launch(request)
    zalo_user_token = zalo_token(request) if launch is None else None
    limiter: RateLimiter = request.app.state.limiter
    await limiter.check(found.poll.id, device=signed, address=client_address(request))
    if (
        signed is None
        and launch is None
        and zalo_user_token is None
        and found.poll.duplicate_policy == DuplicatePolicy.DEVICE
    ):
        check_accepting(found.poll)
        raise DeviceTokenRequired(token)
    placement = found.placement
    subject, vouched = privacy.device_subject(token), False
    if channel == Channel.WEB and placement.kind == PlacementKind.ZALO:
        channel = Channel.ZALO  # the web form in Zalo's in-app browser, from the OA's link
    if launch is not None:
        channel, subject, vouched = Channel.TELEGRAM, launch.subject, True
        if launch.start_param is not None:
            placement = await _launch_placement(found, launch.start_param)
    elif zalo_user_token is not None:
        subject = await zalo_service.mini_app_subject(request.app.state.zalo, zalo_user_token)
        channel, vouched = Channel.ZALO, True
    stored = await submit_response(
        found.poll,
        Submission(
            answers=answers,
            channel=channel,
            placement=placement,
            subject=subject,
            messenger_account=vouched,
            submission_id=submission_id,
            code=code,
        ),
        secret=settings_of(request).secret_key,
    )
    return stored, token
