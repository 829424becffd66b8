"""The ``polls`` command (also ``python -m polls``)."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from polls import db
from polls.settings import Settings


def _run(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        engine = db.engine_for_url(settings.database_url, settings.sqlite_synchronous)
        db.activate(engine)
        await db.start(engine)
        try:
            return await work()
        finally:
            await db.stop(engine)

    return asyncio.run(main())


def _migrate(settings: Settings) -> None:
    async def main() -> None:
        engine = db.engine_for_url(settings.database_url, settings.sqlite_synchronous)
        await db.start(engine)
        try:
            await db.migrate(engine, quiet=True)
        finally:
            await db.stop(engine)

    asyncio.run(main())


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    _migrate(settings)
    print("migrations applied")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from polls.demo import DEMO_PASSWORD, load_demo

    _migrate(settings)
    summary = _run(settings, lambda: load_demo(settings.secret_key))
    if summary.created:
        print(
            f"demo data loaded: {summary.polls} polls, {summary.responses} responses, "
            f"{summary.questions} questions in the question box"
        )
        print(
            f"sign in at {settings.base_url}/console as admin, maokhe or lanhdao, "
            f"password {DEMO_PASSWORD}"
        )
    else:
        print("the database already has data; demo not loaded")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from polls.settings import secret_key_problem

    problem = None if settings.secret_key_generated else secret_key_problem(settings.secret_key)
    if problem and not args.demo:
        return _fail(
            f"{problem}. Generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if problem:
        print(f"warning: {problem} (accepted for --demo only)", file=sys.stderr)

    if "BASE_URL" not in os.environ:
        # links and QR codes point at this server unless the deployment names its address
        os.environ["BASE_URL"] = f"http://{args.host}:{args.port}"
        settings = settings.with_changes(base_url=os.environ["BASE_URL"])
    if args.demo:
        cmd_demo(settings, args)
    else:
        _migrate(settings)
    print(
        f"serving on http://{args.host}:{args.port} with {args.workers} worker(s); "
        f"console: {settings.base_url}/console",
        flush=True,
    )
    uvicorn.run(
        "polls.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,  # an access log would write client addresses; we keep none
        # the client's address is read by the app (POLLS_TRUSTED_PROXIES), not by uvicorn
        proxy_headers=False,
        server_header=False,  # no banner naming the server and its version
        log_level="warning",
    )
    return 0


def cmd_units(settings: Settings, args: argparse.Namespace) -> int:
    from polls.services import units

    for unit in _run(settings, units.all_units):
        print(f"{unit.slug}\t{unit.kind}\t{unit.headcount}\t{'  ' * unit.depth}{unit.name}")
    return 0


def cmd_unlink(settings: Settings, args: argparse.Namespace) -> int:
    """Run the unlinking step now, this hour's responses included, and destroy the keys of
    closed polls: afterwards a copy (a backup) pairs no key with any response."""
    from polls.services import unlinking

    async def work() -> tuple[Any, int]:
        done = await unlinking.unlink_ended_hours(unlinking.next_hour())
        return done, await unlinking.destroy_keys_of_closed_polls()

    _migrate(settings)
    done, closed = _run(settings, work)
    print(
        f"unlinked {done.responses} responses ({done.answers} answers); "
        f"keys destroyed for {closed} closed polls"
    )
    return 0


def cmd_create_officer(settings: Settings, args: argparse.Namespace) -> int:
    from polls.errors import DomainError
    from polls.services import accounts

    password = os.environ.get("POLLS_PASSWORD") or sys.stdin.readline().rstrip("\n")
    try:
        officer = _run(
            settings,
            lambda: accounts.create_officer(
                args.username, password, unit_slug=args.unit, role=args.role, display_name=args.name
            ),
        )
    except DomainError as error:
        detail = getattr(error, "errors", None) or error.params
        print(f"error: {error.message} {detail or ''}".strip(), file=sys.stderr)
        return 2
    print(f"created {officer.username} ({officer.role}) in {officer.unit_name}")
    return 0


def _domain_error(error: Any) -> int:
    """A refusal of the services, printed in English, exit status 2."""
    detail = getattr(error, "errors", None)
    text = error.message % error.params if error.params else error.message
    if detail:
        text = f"{text} {' '.join(detail.values())}"
    print(f"error: {text}", file=sys.stderr)
    return 2


def cmd_issue_token(settings: Settings, args: argparse.Namespace) -> int:
    from polls.errors import DomainError
    from polls.services import accounts

    try:
        token = _run(
            settings, lambda: accounts.issue_token(args.username, args.name, days=args.days)
        )
    except DomainError as error:
        return _domain_error(error)
    print(token)
    return 0


def _when(moment: Any) -> str:
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "-"


def cmd_tokens(settings: Settings, args: argparse.Namespace) -> int:
    from polls.errors import DomainError
    from polls.services import accounts

    try:
        infos = _run(settings, lambda: accounts.tokens_of(args.username))
    except DomainError as error:
        return _domain_error(error)
    at = accounts.now()
    print("id\tstate\tcreated\texpires\tname")
    for info in infos:
        print(
            f"{info.id}\t{info.state(at)}\t{_when(info.created_at)}\t"
            f"{_when(info.expires_at)}\t{info.name}"
        )
    return 0


def cmd_revoke_token(settings: Settings, args: argparse.Namespace) -> int:
    from polls.errors import DomainError
    from polls.services import accounts

    try:
        info = _run(settings, lambda: accounts.revoke_token(args.token_id))
    except DomainError as error:
        return _domain_error(error)
    print(f"token {info.id} of {info.officer} revoked")
    return 0


def cmd_deactivate_officer(settings: Settings, args: argparse.Namespace) -> int:
    from polls.errors import DomainError
    from polls.services import accounts

    try:
        _run(settings, lambda: accounts.deactivate(args.username))
    except DomainError as error:
        return _domain_error(error)
    print(f"{args.username} deactivated; their sessions and API tokens have ended")
    return 0


def _zalo_setup(settings: Settings) -> Any:
    from polls.services import zalo

    api = zalo.api_for(settings)
    if api is None:
        print("error: Zalo is not set up: set ZALO_APP_ID and ZALO_APP_SECRET", file=sys.stderr)
        return None
    return zalo.setup_for(settings, api)


def _zalo_call(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``work(setup)``; a refusal is printed (never a token) and gives exit status 2."""
    import httpx

    from polls.errors import DomainError
    from polls.messengers.zalo import ZaloApiError

    setup = _zalo_setup(settings)
    if setup is None:
        return None

    async def call() -> Any:
        try:
            return await work(setup)
        finally:
            await setup.api.aclose()

    try:
        return _run(settings, call)
    except ZaloApiError as error:
        print(f"error: Zalo refused: {error}", file=sys.stderr)
    except (httpx.HTTPError, TimeoutError) as error:
        print(f"error: Zalo could not be reached ({type(error).__name__})", file=sys.stderr)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
    return None


def _valid_until(expires_at: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")


def cmd_zalo_auth_url(settings: Settings, args: argparse.Namespace) -> int:
    import secrets

    from polls.messengers import zalo

    if not settings.zalo_configured:
        print("error: Zalo is not set up: set ZALO_APP_ID and ZALO_APP_SECRET", file=sys.stderr)
        return 2
    verifier = zalo.new_code_verifier()
    url = zalo.permission_url(
        settings.zalo_oauth_base,
        settings.zalo_app_id,
        settings.zalo_redirect_uri,
        verifier,
        secrets.token_urlsafe(8),
    )
    print("1. An admin of the Official Account opens this address and allows the app:")
    print(url)
    print(f"2. Zalo then opens {settings.zalo_redirect_uri}?code=...; copy the code.")
    print("3. Keep this code verifier in the shell (not in a file) for the next step:")
    print(f"   export ZALO_CODE_VERIFIER={verifier}")
    print("4. Within 10 minutes run: polls zalo exchange-code <code>")
    return 0


def cmd_zalo_exchange_code(settings: Settings, args: argparse.Namespace) -> int:
    from polls.services import zalo

    verifier = args.verifier or os.environ.get("ZALO_CODE_VERIFIER", "")
    if not verifier:
        print("error: give the code verifier printed by auth-url", file=sys.stderr)
        return 2
    _migrate(settings)

    async def exchange(setup: Any) -> Any:
        return await zalo.store_pair(setup, await setup.api.exchange_code(args.code, verifier))

    token = _zalo_call(settings, exchange)
    if token is None:
        return 2
    print(
        f"Zalo token pair stored; the access token is valid until {_valid_until(token.expires_at)}"
    )
    return 0


def cmd_zalo_refresh(settings: Settings, args: argparse.Namespace) -> int:
    from polls.services import zalo

    token = _zalo_call(settings, zalo.refresh_after)
    if token is None:
        return 2
    print(f"Zalo access token refreshed; valid until {_valid_until(token.expires_at)}")
    return 0


WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _with_bot(make: Callable[[], Any], work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``work(bot)``; the token stays inside the bot (never printed, never logged)."""

    async def main() -> Any:
        bot = make()
        try:
            return await work(bot)
        finally:
            await bot.aclose()

    return asyncio.run(main())


def _call_bot(
    make: Callable[[], Any], api_base: str, name: str, work: Callable[[Any], Awaitable[Any]]
) -> Any:
    """``work``'s result, or None after printing why the bot's API could not be asked."""
    import httpx

    from polls.messengers.bot import BotApiError, BotUnreachable

    try:
        return _with_bot(make, work)
    except BotUnreachable as error:
        print(f"error: cannot reach {api_base} ({error.description})", file=sys.stderr)
    except BotApiError as error:
        print(f"error: {name} refused: {error.error_code} {error.description}", file=sys.stderr)
    except httpx.HTTPError as error:
        # the exception's text could name the request; only its kind is printed
        print(f"error: cannot reach {api_base} ({type(error).__name__})", file=sys.stderr)
    return None


def _call_telegram(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    from polls.messengers.bot import TelegramBot

    def make() -> Any:
        return TelegramBot(settings.telegram_bot_token, settings.telegram_api_base)

    return _call_bot(make, settings.telegram_api_base, "Telegram", work)


def _call_zalo_bot(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    from polls.messengers.zalo_bot import ZaloBot

    def make() -> Any:
        return ZaloBot(settings.zalo_bot_token, settings.zalo_bot_api_base)

    return _call_bot(make, settings.zalo_bot_api_base, "Zalo", work)


def cmd_zalo_bot_set_webhook(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.zalo_bot_token:
        return _fail("ZALO_BOT_TOKEN is not set")
    if not settings.zalo_bot_webhook_secret:
        return _fail(
            "ZALO_BOT_WEBHOOK_SECRET is not set; without it anyone could post events to the "
            "webhook (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    url = f"{settings.base_url.rstrip('/')}/webhooks/zalo-bot"
    if not url.startswith("https://"):
        return _fail("BASE_URL must start with https:// (Zalo calls only HTTPS webhooks)")
    secret = settings.zalo_bot_webhook_secret
    if _call_zalo_bot(settings, lambda bot: bot.set_webhook(url, secret)) is None:
        return 1
    print(f"webhook set: {url}")
    return 0


def cmd_zalo_bot_info(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.zalo_bot_token:
        return _fail("ZALO_BOT_TOKEN is not set")

    async def ask(bot: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return await bot.get_me(), await bot.get_webhook_info()

    found = _call_zalo_bot(settings, ask)
    if found is None:
        return 1
    me, hook = found
    print(f"bot:              {me.get('account_name', '?')} (id {me.get('id', '?')})")
    print(f"joins groups:     {_yes(me.get('can_join_groups'))} (group chats are a beta)")
    expected = f"{settings.base_url.rstrip('/')}/webhooks/zalo-bot"
    print(f"webhook:          {hook.get('url') or '(none set)'}")
    if hook.get("url") and hook["url"] != expected:
        print(f"warning: this server expects {expected}")
    return 0


def cmd_box_overdue(settings: Settings, args: argparse.Namespace) -> int:
    """Flag the question box's overdue items to each unit's leaders' Zalo group (cron)."""
    if not settings.zalo_bot_token:
        return _fail(
            "ZALO_BOT_TOKEN is not set: the Zalo Bot is not set up, so no overdue question "
            "can be flagged to the leaders' Zalo groups"
        )
    import httpx

    from polls.messengers.bot import BotApiError
    from polls.messengers.zalo_bot import ZaloBot
    from polls.services import box_overdue
    from polls.services.polls import now

    async def work() -> Any:
        bot = ZaloBot(settings.zalo_bot_token, settings.zalo_bot_api_base)
        try:
            return await box_overdue.flag_overdue(
                bot, settings.base_url, settings.default_locale, now()
            )
        finally:
            await bot.aclose()

    try:
        outcomes = _run(settings, work)
    except (BotApiError, httpx.HTTPError) as error:
        # the exception's text could name the request; only its kind is printed
        return _fail(f"cannot reach {settings.zalo_bot_api_base} ({type(error).__name__})")
    for outcome in outcomes:
        if outcome.sent:
            print(f"flagged {outcome.items} overdue to the leaders of {outcome.unit_name}")
        else:
            print(
                f"error: not sent to the leaders of {outcome.unit_name} ({outcome.reason}); "
                f"{outcome.items} overdue left to flag next time",
                file=sys.stderr,
            )
    if not outcomes:
        print("nothing overdue to flag")
    return 1 if any(not o.sent for o in outcomes) else 0


def cmd_telegram_set_webhook(settings: Settings, args: argparse.Namespace) -> int:
    from polls.messengers.bot import ALLOWED_UPDATES

    if not settings.telegram_bot_token:
        return _fail("TELEGRAM_BOT_TOKEN is not set")
    secret = settings.telegram_webhook_secret
    if not secret:
        return _fail(
            "TELEGRAM_WEBHOOK_SECRET is not set; without it anyone could post updates to the "
            "webhook (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if not WEBHOOK_SECRET.fullmatch(secret):
        return _fail("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
    url = f"{settings.base_url.rstrip('/')}/webhooks/telegram"
    if not url.startswith("https://") and not args.allow_http:
        return _fail(
            f"BASE_URL must start with https:// (Telegram calls only HTTPS webhooks), not "
            f"{settings.base_url}; --allow-http is for a local Bot API server"
        )
    done = _call_telegram(
        settings,
        lambda bot: bot.set_webhook(url, secret, list(ALLOWED_UPDATES)),
    )
    if done is None:
        return 1
    print(f"webhook set: {url}")
    print(f"updates sent to it: {', '.join(ALLOWED_UPDATES)}")
    return 0


def _yes(value: object) -> str:
    return "yes" if value else "no"


def cmd_telegram_info(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    if not settings.telegram_bot_token:
        return _fail("TELEGRAM_BOT_TOKEN is not set")

    async def ask(bot: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return await bot.get_me(), await bot.get_webhook_info()

    found = _call_telegram(settings, ask)
    if found is None:
        return 1
    me, hook = found
    print(
        f"bot:              @{me.get('username', '?')} ({me.get('first_name', '')}, id {me['id']})"
    )
    print(f"joins groups:     {_yes(me.get('can_join_groups'))}")
    print(f"reads all group messages: {_yes(me.get('can_read_all_group_messages'))}")
    if settings.telegram_bot_username and me.get("username") != settings.telegram_bot_username:
        print(f"warning: TELEGRAM_BOT_USERNAME is {settings.telegram_bot_username}")
    expected = f"{settings.base_url.rstrip('/')}/webhooks/telegram"
    print(f"webhook:          {hook.get('url') or '(none set)'}")
    if hook.get("url") and hook["url"] != expected:
        print(f"warning: this server expects {expected}")
    print(f"pending updates:  {hook.get('pending_update_count', 0)}")
    if hook.get("allowed_updates"):
        print(f"allowed updates:  {', '.join(hook['allowed_updates'])}")
    if hook.get("max_connections"):
        print(f"max connections:  {hook['max_connections']}")
    if hook.get("last_error_date"):
        when = datetime.fromtimestamp(int(hook["last_error_date"]), UTC)
        print(f"last error:       {when:%Y-%m-%d %H:%M} UTC: {hook.get('last_error_message', '')}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="polls", description="Anonymous opinion polls.")
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations, then serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    serve.set_defaults(func=cmd_serve)
    commands.add_parser("migrate", help="apply migrations").set_defaults(func=cmd_migrate)
    commands.add_parser("demo", help="load the demo data").set_defaults(func=cmd_demo)
    commands.add_parser("units", help="list units, one a line, slug first").set_defaults(
        func=cmd_units
    )
    commands.add_parser(
        "unlink",
        help="remove the link between keys and responses now (run it before a backup)",
    ).set_defaults(func=cmd_unlink)
    officer = commands.add_parser("create-officer", help="password from stdin or POLLS_PASSWORD")
    officer.add_argument("username")
    officer.add_argument("--unit", required=True)
    officer.add_argument("--role", required=True, choices=["admin", "officer", "viewer"])
    officer.add_argument("--name", default="")
    officer.set_defaults(func=cmd_create_officer)
    token = commands.add_parser("issue-token", help="print a new API token for an officer")
    token.add_argument("username")
    token.add_argument("--name", "--label", dest="name", default="", help="what it is for")
    token.add_argument("--days", type=int, default=90, help="days until it expires (90)")
    token.set_defaults(func=cmd_issue_token)
    tokens = commands.add_parser("tokens", help="list an officer's API tokens (never the token)")
    tokens.add_argument("username")
    tokens.set_defaults(func=cmd_tokens)
    revoke = commands.add_parser("revoke-token", help="revoke an API token by its id")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(func=cmd_revoke_token)
    deactivate = commands.add_parser(
        "deactivate-officer", help="stop an officer signing in; ends their sessions and tokens"
    )
    deactivate.add_argument("username")
    deactivate.set_defaults(func=cmd_deactivate_officer)
    zalo = commands.add_parser("zalo", help="authorize the Zalo Official Account")
    zalo_commands = zalo.add_subparsers(dest="zalo_command", required=True)
    zalo_commands.add_parser(
        "auth-url", help="print the address where an OA admin allows the app"
    ).set_defaults(func=cmd_zalo_auth_url)
    exchange = zalo_commands.add_parser("exchange-code", help="store the first token pair")
    exchange.add_argument("code")
    exchange.add_argument(
        "--verifier", default="", help="the code verifier (default: $ZALO_CODE_VERIFIER)"
    )
    exchange.set_defaults(func=cmd_zalo_exchange_code)
    zalo_commands.add_parser(
        "refresh", help="refresh the access token now (refresh tokens are single-use)"
    ).set_defaults(func=cmd_zalo_refresh)
    telegram = commands.add_parser("telegram", help="the Telegram bot: webhook and status")
    telegram_commands = telegram.add_subparsers(dest="telegram_command", required=True)
    webhook = telegram_commands.add_parser(
        "set-webhook",
        help="point the bot's webhook at BASE_URL/webhooks/telegram with TELEGRAM_WEBHOOK_SECRET",
    )
    webhook.add_argument(
        "--allow-http",
        action="store_true",
        help="accept a BASE_URL that is not https (a local Bot API server only)",
    )
    webhook.set_defaults(func=cmd_telegram_set_webhook)
    telegram_commands.add_parser(
        "info", help="the bot (getMe) and its webhook (getWebhookInfo); never the token"
    ).set_defaults(func=cmd_telegram_info)
    commands.add_parser(
        "box-overdue",
        help="flag overdue question box items to each unit's leaders' Zalo group (cron)",
    ).set_defaults(func=cmd_box_overdue)
    zalo_bot = commands.add_parser("zalo-bot", help="the Zalo Bot: webhook and status")
    zalo_bot_commands = zalo_bot.add_subparsers(dest="zalo_bot_command", required=True)
    zalo_bot_commands.add_parser(
        "set-webhook",
        help="point the bot's webhook at BASE_URL/webhooks/zalo-bot with ZALO_BOT_WEBHOOK_SECRET",
    ).set_defaults(func=cmd_zalo_bot_set_webhook)
    zalo_bot_commands.add_parser(
        "info", help="the bot (getMe) and its webhook (getWebhookInfo); never the token"
    ).set_defaults(func=cmd_zalo_bot_info)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        return _fail(str(error))
    return int(args.func(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
