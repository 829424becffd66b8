"""All configuration, read from the environment once into a frozen, typed object.

Nothing else reads ``os.environ``; tests build their own ``Settings`` and pass it to
``create_app``.
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_SQLITE_PATH = "polls.sqlite3"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from exc


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from exc
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, not {raw!r}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    """``sqlite:///path`` (default) or ``postgresql://user@host:port/db``."""
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    """Signs sessions and keys the duplicate-prevention HMACs; keep it stable and secret."""
    base_url: str = "http://127.0.0.1:8000"
    redis_url: str = ""
    default_locale: str = "vi"
    rate_limit_per_device: int = 10
    """Submissions a minute per device token; 0 turns the limit off."""
    rate_limit_per_ip: int = 600
    """Submissions a minute per client address; generous because of carrier-grade NAT."""
    trusted_proxies: int = 0
    """How many proxies of one's own stand in front of the app (``POLLS_TRUSTED_PROXIES``;
    ``POLLS_TRUST_FORWARDED_FOR=true`` means one). The client's address is read from the
    right of ``X-Forwarded-For``, skipping that many: whatever a client wrote to the left is
    never taken. 0: the connection's own address."""
    ready_min_free_mb: int = 100
    """``/readyz`` answers 503 when the SQLite database's disk has less free space than this
    (``POLLS_READY_MIN_FREE_MB``; 0 turns the check off)."""
    max_body_bytes: int = 256 * 1024
    max_text_answer_chars: int = 5000
    session_max_age: int = 12 * 3600
    """A console session ends this many seconds after signing in, however busy
    (``POLLS_SESSION_HOURS``, default 12 hours)."""
    session_idle_seconds: int = 2 * 3600
    """... or after this long without a request (``POLLS_SESSION_IDLE_MINUTES``, 120: more
    than a live view's stream, which reconnects every hour)."""
    secret_key_generated: bool = False
    """The secret was generated and kept beside the SQLite database (no ``SECRET_KEY``)."""
    secure_cookies: bool = False
    sqlite_synchronous: str = "FULL"
    """``POLLS_SQLITE_SYNCHRONOUS``: one of ``SQLITE_SYNCHRONOUS`` (``OFF`` is refused)."""
    debug: bool = False
    live_check_seconds: float = 2.0
    """How often each open live view asks the database whether the poll has new responses
    (``LIVE_CHECK_SECONDS``)."""
    live_max_seconds: float = 3600.0
    """A live view's event stream ends after this long (``LIVE_STREAM_SECONDS``); the
    browser reconnects by itself."""
    telegram_bot_token: str = field(default="", repr=False)
    """From BotFather; empty means the Telegram features answer that they are not set up."""
    telegram_bot_username: str = ""
    """The bot's username without ``@`` (direct links ``https://t.me/<bot>/<app>``)."""
    telegram_app_name: str = ""
    """The Mini App's short name given to BotFather's ``/newapp``."""
    telegram_webhook_secret: str = field(default="", repr=False)
    """Telegram sends it in ``X-Telegram-Bot-Api-Secret-Token`` on every webhook call."""
    telegram_api_base: str = "https://api.telegram.org"
    telegram_init_data_max_age: int = 3600
    """Seconds a Mini App's signed launch data stays acceptable after it was issued."""

    zalo_app_id: str = ""
    """The Zalo app's id (developers.zalo.me); empty means the Zalo features are off."""
    zalo_app_secret: str = field(default="", repr=False)
    """The app's secret: OAuth calls and ``appsecret_proof``."""
    zalo_oa_secret_key: str = field(default="", repr=False)
    """The OA Secret Key of the app's Webhook page (not the app secret): webhook signatures."""
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_openapi_base: str = "https://openapi.zalo.me"
    zalo_graph_base: str = "https://graph.zalo.me"
    zalo_oa_unit: str = ""
    """The slug of the unit whose open polls the OA offers; empty means the root unit."""
    zalo_redirect_uri: str = ""
    """The OAuth callback registered for the app; empty means ``BASE_URL`` itself."""
    zalo_mini_app_id: str = ""
    """The Zalo Mini App's id (its ``zalo.me/s/{id}/`` link); empty means no placement opens
    in Zalo's Mini App, only on the web."""
    zalo_mini_app_origins: tuple[str, ...] = ()
    """Origins (``https://host``) whose pages may call the API from a browser: where the
    union's Zalo Mini App is served. Empty: no cross-origin calls at all."""
    zalo_bot_token: str = field(default="", repr=False)
    """The Zalo Bot's token (Zalo Bot Manager); empty means the Zalo Bot is off."""
    zalo_bot_webhook_secret: str = field(default="", repr=False)
    """Given to ``setWebhook``; Zalo sends it in ``X-Bot-Api-Secret-Token`` (8-256
    characters). Empty: the bot's webhook is refused."""
    zalo_bot_api_base: str = "https://bot-api.zaloplatforms.com"
    zalo_bot_unit: str = ""
    """The slug of the unit whose open polls the bot lists for "khảo sát"; empty: the root."""

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def zalo_configured(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_app_secret)

    @property
    def zalo_bot_configured(self) -> bool:
        return bool(self.zalo_bot_token)

    @property
    def zalo_webhook_configured(self) -> bool:
        return self.zalo_configured and bool(self.zalo_oa_secret_key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return sqlite_path(self.database_url)

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        base_url = env.get("BASE_URL", cls.base_url).rstrip("/")
        secret = env.get("SECRET_KEY", "").strip()
        database_url = env.get("DATABASE_URL", cls.database_url)
        if not secret and not database_url.startswith("sqlite"):
            raise ValueError(
                "SECRET_KEY must be set with PostgreSQL: a generated one would differ between "
                "machines and restarts (generate one: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        session_hours = _int(env, "POLLS_SESSION_HOURS", cls.session_max_age // 3600)
        idle_minutes = _int(env, "POLLS_SESSION_IDLE_MINUTES", cls.session_idle_seconds // 60)
        if session_hours < 1 or idle_minutes < 1:
            raise ValueError("POLLS_SESSION_HOURS and POLLS_SESSION_IDLE_MINUTES must be >= 1")
        live_check = _seconds(env, "LIVE_CHECK_SECONDS", cls.live_check_seconds)
        live_stream = _seconds(env, "LIVE_STREAM_SECONDS", cls.live_max_seconds)
        if live_check > live_stream:
            raise ValueError(
                f"LIVE_CHECK_SECONDS ({live_check:g}) must not exceed "
                f"LIVE_STREAM_SECONDS ({live_stream:g})"
            )
        return cls(
            database_url=database_url,
            secret_key=secret or dev_secret(sqlite_path(database_url)),
            secret_key_generated=not secret,
            session_max_age=session_hours * 3600,
            session_idle_seconds=idle_minutes * 60,
            base_url=base_url,
            redis_url=env.get("REDIS_URL", ""),
            default_locale=env.get("POLLS_DEFAULT_LOCALE", cls.default_locale),
            rate_limit_per_device=_int(env, "POLLS_RATE_LIMIT_PER_DEVICE", 10),
            rate_limit_per_ip=_int(env, "POLLS_RATE_LIMIT_PER_IP", 600),
            trusted_proxies=_trusted_proxies(env),
            ready_min_free_mb=_int(env, "POLLS_READY_MIN_FREE_MB", cls.ready_min_free_mb),
            max_body_bytes=_int(env, "POLLS_MAX_BODY_BYTES", 256 * 1024),
            secure_cookies=_bool(env, "POLLS_SECURE_COOKIES", base_url.startswith("https://")),
            sqlite_synchronous=_sqlite_synchronous(env),
            debug=_bool(env, "POLLS_DEBUG", False),
            live_check_seconds=live_check,
            live_max_seconds=live_stream,
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME", "").strip().lstrip("@"),
            telegram_app_name=env.get("TELEGRAM_APP_NAME", "").strip(),
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
            telegram_api_base=(
                env.get("TELEGRAM_API_BASE", "").strip() or cls.telegram_api_base
            ).rstrip("/"),
            telegram_init_data_max_age=_int(env, "TELEGRAM_INIT_DATA_MAX_AGE", 3600),
            zalo_app_id=env.get("ZALO_APP_ID", "").strip(),
            zalo_app_secret=env.get("ZALO_APP_SECRET", "").strip(),
            zalo_oa_secret_key=env.get("ZALO_OA_SECRET_KEY", "").strip(),
            zalo_oauth_base=_base(env, "ZALO_OAUTH_BASE", cls.zalo_oauth_base),
            zalo_openapi_base=_base(env, "ZALO_OPENAPI_BASE", cls.zalo_openapi_base),
            zalo_graph_base=_base(env, "ZALO_GRAPH_BASE", cls.zalo_graph_base),
            zalo_oa_unit=env.get("ZALO_OA_UNIT", "").strip(),
            zalo_redirect_uri=env.get("ZALO_REDIRECT_URI", "").strip() or base_url,
            zalo_mini_app_id=_mini_app_id(env),
            zalo_mini_app_origins=tuple(
                origin.strip().rstrip("/")
                for origin in env.get("ZALO_MINI_APP_ORIGINS", "").split(",")
                if origin.strip()
            ),
            zalo_bot_token=env.get("ZALO_BOT_TOKEN", "").strip(),
            zalo_bot_webhook_secret=_bot_secret(env),
            zalo_bot_api_base=_base(env, "ZALO_BOT_API_BASE", cls.zalo_bot_api_base),
            zalo_bot_unit=env.get("ZALO_BOT_UNIT", "").strip(),
        )


SQLITE_SYNCHRONOUS = ("FULL", "EXTRA", "NORMAL")
"""The ``PRAGMA synchronous`` levels a response is safe with: ``FULL`` (the default) and
``EXTRA`` survive a power loss; ``NORMAL`` with WAL survives a crash of the process but may
lose the last commits on a power loss. ``OFF`` would acknowledge what the disk may never
have held, so it is refused."""


def sqlite_synchronous_problem(level: str) -> str | None:
    """Why ``level`` cannot be SQLite's ``synchronous`` setting, or None."""
    if level in SQLITE_SYNCHRONOUS:
        return None
    return (
        f"POLLS_SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}, not "
        f"{level!r}: an acknowledged response must survive a crash"
    )


def _sqlite_synchronous(env: Mapping[str, str]) -> str:
    level = env.get("POLLS_SQLITE_SYNCHRONOUS", "").strip().upper() or "FULL"
    problem = sqlite_synchronous_problem(level)
    if problem:
        raise ValueError(problem)
    return level


def _bot_secret(env: Mapping[str, str]) -> str:
    """``ZALO_BOT_WEBHOOK_SECRET``: Zalo's ``setWebhook`` takes 8-256 visible characters;
    another would leave a webhook nobody can call, so it is refused at start."""
    raw = env.get("ZALO_BOT_WEBHOOK_SECRET", "").strip()
    visible = raw.isascii() and raw.isprintable() and " " not in raw
    if raw and not (visible and 8 <= len(raw) <= 256):
        raise ValueError("ZALO_BOT_WEBHOOK_SECRET must have 8-256 visible ASCII characters")
    return raw


def _mini_app_id(env: Mapping[str, str]) -> str:
    """``ZALO_MINI_APP_ID``: Zalo gives a Mini App a numeric id; anything else would build a
    link that opens nothing, so it is refused at start."""
    raw = env.get("ZALO_MINI_APP_ID", "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 25):
        raise ValueError(f"ZALO_MINI_APP_ID must be the Mini App's numeric id, not {raw!r}")
    return raw


def _trusted_proxies(env: Mapping[str, str]) -> int:
    """``POLLS_TRUSTED_PROXIES``, or 1 for the older ``POLLS_TRUST_FORWARDED_FOR=true``."""
    legacy = 1 if _bool(env, "POLLS_TRUST_FORWARDED_FOR", False) else 0
    count = _int(env, "POLLS_TRUSTED_PROXIES", legacy)
    if not 0 <= count <= 10:
        raise ValueError(f"POLLS_TRUSTED_PROXIES must be between 0 and 10, not {count}")
    return count


def _base(env: Mapping[str, str], name: str, default: str) -> str:
    return (env.get(name, "").strip() or default).rstrip("/")


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


LEGACY_SECRET_FILE = Path(".polls-secret")
"""Where earlier versions kept the generated secret: the working directory."""


def secret_file_for(database: Path) -> Path:
    """The generated secret's file: beside the database, named after it."""
    return database.with_name(database.name + ".secret")


def dev_secret(database: Path) -> str:
    """A stable secret for a developer machine, kept beside the SQLite database.

    Production sets ``SECRET_KEY``; without it, sessions and duplicate keys would change on
    every restart, so a file beside the database keeps them stable: started from any
    directory, the same database gets the same secret. A database that already exists with
    the secret of an earlier version (``.polls-secret`` in the working directory) keeps it.
    """
    path = secret_file_for(database)
    if path.exists():
        return path.read_text().strip()
    legacy = LEGACY_SECRET_FILE.read_text().strip() if LEGACY_SECRET_FILE.exists() else ""
    value = legacy if legacy and database.exists() else secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(value)
    return value


MIN_SECRET_BYTES = 32
MIN_SECRET_BITS = 128


def secret_key_problem(secret: str) -> str | None:
    """Why ``secret`` is too weak to serve with, or None.

    A practical judge, not a proof: at least 32 bytes; not a short piece repeated
    (``abcabc…``); and at least 128 bits by a simple estimate, its length times the Shannon
    entropy of its own characters (``secrets.token_urlsafe(32)`` scores about 215, 32 hex
    digits about 120, ``"x" * 40`` nothing). A sentence of dictionary words can pass; do
    not use one.
    """
    raw = secret.encode()
    if len(raw) < MIN_SECRET_BYTES:
        return f"SECRET_KEY is {len(raw)} bytes long; it needs at least {MIN_SECRET_BYTES}"
    for size in range(1, len(raw) // 2 + 1):
        if len(raw) % size == 0 and raw[:size] * (len(raw) // size) == raw:
            return "SECRET_KEY is one short piece repeated"
    counts = [raw.count(byte) for byte in set(raw)]
    bits = -sum(c * math.log2(c / len(raw)) for c in counts)
    if bits < MIN_SECRET_BITS:
        return (
            f"SECRET_KEY looks guessable (about {bits:.0f} bits by its characters; at least "
            f"{MIN_SECRET_BITS} needed)"
        )
    return None


def database_url_from_env(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("DATABASE_URL", Settings.database_url)
