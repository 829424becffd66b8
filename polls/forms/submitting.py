"""What every HTTP way of answering shares before the one submission path: find the poll by
its placement code, take the device token, apply the rate limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response

from polls import privacy
from polls.models import Channel, Receipt
from polls.ratelimit import RateLimiter
from polls.services import placements
from polls.services.submission import Submission, submit_response
from polls.web import client_address, settings_of

DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600


Target = placements.FormTarget
target = placements.form_target


def device_token(request: Request) -> str | None:
    token = request.cookies.get(privacy.DEVICE_COOKIE)
    return token if privacy.is_device_token(token) else None


def remember_device(request: Request, response: Response, token: str) -> None:
    if request.cookies.get(privacy.DEVICE_COOKIE) != token:
        response.set_cookie(
            privacy.DEVICE_COOKIE,
            token,
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="lax",
            secure=settings_of(request).secure_cookies,
            path="/",
        )


async def submit(
    request: Request,
    found: Target,
    answers: Mapping[str, Any],
    *,
    submission_id: str | None = None,
    channel: Channel = Channel.WEB,
) -> tuple[Receipt, str]:
    """Rate-limit, then store through the one submission path. Returns the receipt and the
    device token the response should carry (a new one for a first-time device)."""
    token = device_token(request) or privacy.new_device_token()
    limiter: RateLimiter = request.app.state.limiter
    await limiter.check(device=token, address=client_address(request))
    receipt = await submit_response(
        found.poll,
        Submission(
            answers=answers,
            channel=channel,
            placement=found.placement,
            subject=token,
            submission_id=submission_id,
        ),
        secret=settings_of(request).secret_key,
    )
    return receipt, token
