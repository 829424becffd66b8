"""``create_app()``: the Litestar application, wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from litestar import Litestar, Response
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.config.csrf import CSRFConfig
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig
from piccolo.engine.base import Engine

from polls import db
from polls.api.controllers.accounts import MeController, TokenController
from polls.api.controllers.forms import FormsController
from polls.api.controllers.health import HealthController
from polls.api.controllers.placements import PlacementController
from polls.api.controllers.polls import PollController
from polls.api.controllers.question_box import (
    QuestionBoxController,
    QuestionBoxNumbersController,
    QuestionBoxPublicController,
)
from polls.api.controllers.result_posters import ResultPosterController
from polls.api.controllers.results import ResultFilesController, TrendController
from polls.api.controllers.sharing import SharingController
from polls.api.controllers.standing import StandingPlacementController
from polls.api.controllers.telegram import TelegramPublishController, TelegramWebhookController
from polls.api.controllers.units import AuditController, OfficerController, UnitController
from polls.api.controllers.zalo import ZaloWebhookController
from polls.api.controllers.zalo_bot import ZaloBotController, ZaloBotPublicController
from polls.api.docs_page import PlainDocsPlugin
from polls.api.guards import TYPE_DECODERS
from polls.api.openapi import declare_error_responses
from polls.console import ROUTES as CONSOLE_ROUTES
from polls.forms.pages import FormPages
from polls.forms.previews import PreviewPages
from polls.forms.question_box import QuestionBoxPages
from polls.forms.result_posters import PublicPosterPages
from polls.links import UppercaseLinks
from polls.messengers.bot import TelegramBot
from polls.messengers.scheduler import scheduler_for
from polls.messengers.zalo_bot import ZaloBot
from polls.privacy import derived_key
from polls.ratelimit import RateLimiter, SignInThrottle, counter_for, throttle_store_for
from polls.services import placements, unlinking, zalo, zalo_bot
from polls.settings import Settings
from polls.templating import environment
from polls.web import (
    SECURITY_HEADERS,
    handle_error,
    refuse_unstorable_text,
    remember_locale,
    set_request_locale,
    transport_headers,
)

UNPROTECTED = [
    "/p/",
    "/P/",
    "/tg",
    "/api/",
    "/privacy",
    "/livez",
    "/readyz",
    "/webhooks/",
    "/schema",
    "/shared/",
    "^/hoi/",
]
"""Paths outside the session and CSRF middleware. Litestar reads each as a regular expression
*searched* anywhere in the path, so a new entry is anchored (``^``): an unanchored ``/hoi/``
would also free ``/console/hoi/...`` of its session and CSRF check."""


def _after_request(settings: Settings) -> Callable[[Response], Awaitable[Response]]:
    """Security headers on every response that has not set its own (the form does), and HSTS
    on every response of an https site."""
    headers = {**SECURITY_HEADERS, **transport_headers(settings)}

    async def add_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return add_headers


def _freeze_startup_heap() -> None:
    """Keep what the worker has made so far (modules, templates' environment, catalogs,
    the app) out of every later garbage collection. Under a phone's flow the collector's
    full passes came every second or two and walked all of it, about 120 ms each with the
    event loop stopped: 9 % of the worker's time in a run of 4,000 respondents, and a
    pause longer than a whole flow. Frozen, the same passes took 7-15 ms in all."""
    gc.collect()
    gc.freeze()


def _cors(settings: Settings) -> CORSConfig | None:
    """Cross-origin calls only from the Zalo Mini App's origins, and without cookies: the
    Mini App answers with ``Authorization: zalo <token>``; the console is same-origin."""
    if not settings.zalo_mini_app_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.zalo_mini_app_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Accept-Language"],
        allow_credentials=False,
        max_age=600,
    )


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], float] = time.time,
    serving: bool = False,
) -> Litestar:
    """The application for ``settings``. An ``engine`` passed in is the caller's to start and
    stop (tests share one across apps); otherwise the app makes its own and owns it. The
    rate limits and the sign-in throttle read the time from ``clock`` (tests hold it still).
    ``serving``: the process is a server's worker and nothing else (``polls.asgi``), whose
    heap is frozen once started (``_freeze_startup_heap``)."""
    settings = settings or Settings.from_env()
    owns_engine = engine is None
    engine = engine or db.engine_for_url(
        settings.database_url, settings.sqlite_synchronous, writer_process=serving
    )
    db.activate(engine)

    counter = counter_for(settings.redis_url, clock=clock)
    limiter = RateLimiter(
        counter,
        per_device=settings.rate_limit_per_device,
        per_ip=settings.rate_limit_per_ip,
        clock=clock,
    )

    throttle = SignInThrottle(
        throttle_store_for(settings.redis_url),
        secret=derived_key(settings.secret_key, "sign-in").hex(),
        clock=clock,
    )

    bot = (
        TelegramBot(
            settings.telegram_bot_token,
            settings.telegram_api_base,
            scheduler=scheduler_for(
                settings.redis_url, derived_key(settings.secret_key, "telegram-send").hex()
            ),
        )
        if settings.telegram_configured
        else None
    )
    zalo_api = zalo.api_for(settings)
    zbot = (
        ZaloBot(
            settings.zalo_bot_token,
            settings.zalo_bot_api_base,
            scheduler=scheduler_for(
                settings.redis_url,
                derived_key(settings.secret_key, "zalo-bot-send").hex(),
                prefix="polls:zbot:send",
            ),
        )
        if settings.zalo_bot_configured
        else None
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db.activate(engine)
        if owns_engine:
            await db.start(engine)
        await db.warn_if_statements_logged(engine)
        hourly = asyncio.create_task(unlinking.run_hourly())
        if serving:
            _freeze_startup_heap()
        try:
            yield
        finally:
            hourly.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hourly
            await placements.visit_counter.close()
            await counter.close()
            await throttle.close()
            if bot is not None:
                await bot.aclose()
            if zalo_api is not None:
                await zalo_api.aclose()
            if zbot is not None:
                await zbot.aclose()
            if owns_engine:
                await db.stop(engine)

    session = CookieBackendConfig(
        secret=derived_key(settings.secret_key, "session"),
        key="polls_session",
        max_age=settings.session_max_age,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        exclude=UNPROTECTED,
    )
    app = Litestar(
        route_handlers=[
            HealthController,
            FormsController,
            PollController,
            ResultFilesController,
            TrendController,
            ResultPosterController,
            PlacementController,
            StandingPlacementController,
            SharingController,
            TelegramPublishController,
            TelegramWebhookController,
            ZaloWebhookController,
            ZaloBotController,
            ZaloBotPublicController,
            QuestionBoxPublicController,
            QuestionBoxController,
            QuestionBoxNumbersController,
            UnitController,
            OfficerController,
            AuditController,
            TokenController,
            MeController,
            FormPages,
            PreviewPages,
            PublicPosterPages,
            QuestionBoxPages,
            UppercaseLinks,
            *CONSOLE_ROUTES,
        ],
        lifespan=[lifespan],
        before_request=set_request_locale,
        after_request=_after_request(settings),
        exception_handlers={Exception: handle_error},
        middleware=[remember_locale, refuse_unstorable_text, session.middleware],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="polls_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            header_name="x-csrf-token",
            exclude=UNPROTECTED,
        ),
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(environment())
        ),
        openapi_config=OpenAPIConfig(
            title="Polls API",
            version="1",
            description="Anonymous opinion polls of the Coal and Mining Trade Union of Vietnam.",
            path="/schema",
            render_plugins=[PlainDocsPlugin()],
        ),
        cors_config=_cors(settings),
        type_decoders=TYPE_DECODERS,
        request_max_body_size=settings.max_body_bytes,
        # the worker's form is served already compressed (polls/forms/pages.py)
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=1024,
            gzip_compress_level=6,
            # the form pages come compressed from their cache; a submission's answer is a
            # few bytes, for which the middleware would still set up a gzip stream
            exclude=[r"^/p/", r"^/tg", r"^/api/v1/forms/[^/]+/responses$"],
        ),
        debug=settings.debug,
    )
    declare_error_responses(app)
    app.state.settings = settings
    app.state.engine = engine
    app.state.limiter = limiter
    app.state.throttle = throttle
    app.state.telegram = bot
    app.state.zalo = zalo.setup_for(settings, zalo_api) if zalo_api is not None else None
    app.state.zalo_bot = zalo_bot.setup_for(settings, zbot)
    return app
