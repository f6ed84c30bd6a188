"""Settings, read from `HABITUAL_*` environment variables (and an optional `.env` file)."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from limits import RateLimitItem, parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./habitual.db"
# The schemes platforms give PostgreSQL URLs (Heroku's postgres://, Render's postgresql://):
# they mean the driver Habitual runs on.
_PLATFORM_POSTGRES = re.compile(r"^(postgres|postgresql)://", re.IGNORECASE)


def driver_url(url: str) -> str:
    """A database URL with the driver Habitual uses: `postgres://...` and `postgresql://...`
    become `postgresql+asyncpg://...`; any other URL is left as it is."""
    return _PLATFORM_POSTGRES.sub("postgresql+asyncpg://", url.strip(), count=1)


# What a rate limit may be: the `limits` notation, one limit, within these bounds.
RATE_LIMIT_OFF = frozenset({"", "off"})
MAX_RATE_LIMIT_REQUESTS = 1_000_000_000
MAX_RATE_LIMIT_WINDOW_SECONDS = 86_400
_ZERO_WINDOW = re.compile(r"(/|per)\s*0+\s*[a-z]", re.IGNORECASE)
_LIMIT_SEPARATORS = re.compile(r"[,;|]")  # between the limits of one setting, as `limits` reads


def parse_rate_limit(text: str) -> RateLimitItem:
    """One rate limit in the `limits` notation (`600/minute`, `10 per second`, `1000/2 hours`):
    1 to a billion requests per window of a second to a day; ValueError for anything else."""
    try:
        items = parse_many(text)
    except ValueError:
        items = []
    # `limits` reads a window of "0 minutes" as one minute.
    if len(items) != 1 or _ZERO_WINDOW.search(text):
        raise ValueError("must be one rate limit such as '600/minute' or '10000 per hour'")
    item = items[0]
    if not 1 <= item.amount <= MAX_RATE_LIMIT_REQUESTS:
        raise ValueError(f"must allow 1 to {MAX_RATE_LIMIT_REQUESTS:,} requests per window")
    if item.get_expiry() > MAX_RATE_LIMIT_WINDOW_SECONDS:
        raise ValueError("must have a window of a day or less")
    return item


def rate_limit_text(item: RateLimitItem) -> str:
    """The canonical notation of a limit: `6000/minute`, `100/2 hours`."""
    unit = item.GRANULARITY.name
    window = unit if item.multiples == 1 else f"{item.multiples} {unit}s"
    return f"{item.amount}/{window}"


# Settings that were replaced: set, they would be silently ignored (the limit a deployment
# chose would not hold), so the server refuses to start and names what replaced them.
RETIRED_SETTINGS = {
    "HABITUAL_LOGIN_MAX_FAILURES_PER_ACCOUNT": "HABITUAL_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS "
    "and HABITUAL_LOGIN_LIMIT_PER_ACCOUNT (e.g. '5/15 minutes')",
    "HABITUAL_LOGIN_MAX_FAILURES_PER_ADDRESS": "HABITUAL_LOGIN_LIMIT_PER_ADDRESS "
    "(e.g. '100/15 minutes')",
    "HABITUAL_LOGIN_FAILURE_WINDOW_SECONDS": "HABITUAL_LOGIN_LIMIT_*, each with its window "
    "(e.g. '5/15 minutes')",
}


# A short key is likely one a person chose: it could be guessed offline from one signed token,
# and the key derived from it that seals the webhook secrets with it.
MIN_KEY_BYTES = 32


def _create_key_file(path: Path) -> None:
    """Write a new random key to `path` atomically, unless another process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".habitual-key-")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as key_file:  # mkstemp: mode 0600
            key_file.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):  # the other process's key wins
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


class Settings(BaseSettings):
    """Everything Habitual can be told; each field maps to `HABITUAL_<NAME>`."""

    model_config = SettingsConfigDict(
        env_prefix="HABITUAL_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # a refused key is not printed back
    )

    database_url: str = Field(
        default_factory=lambda: os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        validate_default=True,
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...; "
        "a platform's postgres:// or postgresql:// URL is taken as is. When unset, the "
        "platform's DATABASE_URL (Heroku, Render), else SQLite in ./habitual.db",
    )
    database_pool_size: int = Field(default=10, ge=1)
    auto_migrate: bool | None = Field(
        default=None,
        description="Apply pending migrations when `serve` starts (default: on for SQLite only).",
    )

    secret_key: SecretStr | None = Field(
        default=None,
        description="Key (32 bytes or more) that signs access tokens and seals webhook secrets. "
        "Unset: read or create `secret_key_file`.",
    )
    secret_key_file: Path = Path("habitual-secret.key")
    previous_secret_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated retired keys still accepted for verification, and to open "
        "webhook secrets sealed under them (rotation).",
    )
    jwt_issuer: str = "habitual"
    jwt_audience: str = "habitual-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)

    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19_456, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)

    # Rate limits are `limits` strings: "5/15 minutes", or several joined by ";".
    login_limit_per_account_address: str = Field(
        default="5/15 minutes",
        description="Failed logins per account from one client address (or one device token).",
    )
    login_limit_per_account: str = Field(
        default="20/15 minutes;40/hour;80/4 hours;160/day",
        description="Failed logins per account from anywhere, in steps of growing delays; "
        "a client with a device token of the account is exempt.",
    )
    login_limit_per_address: str = Field(
        default="100/15 minutes",
        description="Failed logins per client address (an IPv6 address counts by its /64).",
    )
    login_device_token_ttl_days: int = Field(default=365, ge=1, le=3650)
    password_recheck_limit: str = Field(
        default="5/15 minutes",
        description="Wrong current passwords per user (password change, email change, deletion).",
    )
    registration_limit_per_address: str = Field(
        default="10/hour", description="Registrations per client address."
    )
    rate_limit_user: str = Field(
        default="600/minute",
        description="Requests per user without a plan of their own (`off`: unlimited).",
    )
    rate_limit_anonymous: str = Field(
        default="60/minute",
        description="Requests per client address without credentials (`off`: unlimited).",
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db; rate limits live in memory when unset."
    )
    redis_key_prefix: str = "habitual"

    worker_embedded: bool | None = Field(
        default=None,
        description="Run the notification worker inside `serve` (default: on for SQLite only).",
    )
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_batch_size: int = Field(default=500, ge=1, le=10_000)
    delivery_lease_seconds: int = Field(default=120, ge=5)
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_backoff_base_seconds: float = Field(default=10.0, gt=0)
    delivery_backoff_cap_seconds: float = Field(default=3600.0, gt=0)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "Habitual <habitual@localhost>"
    smtp_timeout_seconds: float = Field(default=15.0, gt=0)
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs that resolve to private, loopback or link-local addresses.",
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    caldav_allow_private: bool = Field(
        default=False,
        description="Allow CalDAV URLs that resolve to private, loopback or link-local addresses.",
    )
    caldav_timeout_seconds: float = Field(default=15.0, gt=0)
    max_webhooks_per_user: int = Field(default=10, ge=1)

    max_habits_per_user: int = Field(
        default=500, ge=1, description="Habits one account may keep, archived ones included."
    )
    max_reminders_per_habit: int = Field(default=20, ge=1, description="Reminders per habit.")
    group_max_members: int = Field(
        default=30, ge=1, description="Members one group may hold, its owner included."
    )

    public_url: str = Field(
        default="http://localhost:8000",
        pattern=r"^https?://[^\s?#]+$",
        description="Where people open Habitual: the base of the links in account emails "
        "({public_url}/reset-password?token=..., {public_url}/verify-email?token=...).",
    )
    password_reset_ttl_minutes: int = Field(default=30, ge=5, le=1440)
    email_verification_ttl_hours: int = Field(default=48, ge=1, le=720)
    password_reset_limit_per_address: str = Field(
        default="10/hour", description="Password reset requests per client address; then 429."
    )
    password_reset_limit_per_email: str = Field(
        default="3/hour",
        description="Reset emails per address asked for; past it the answer stays 202, unsent.",
    )
    verification_email_limit_per_account: str = Field(
        default="5/hour", description="Verification emails per account (resends, email changes)."
    )
    account_token_limit_per_address: str = Field(
        default="60/hour", description="Reset and verification tokens tried per client address."
    )

    registration_open: bool = True
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    docs_enabled: bool = True
    hsts_enabled: bool = False
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_fitness_batch_bytes: int = Field(
        default=8_388_608, ge=1024, description="The body limit of POST /fitness/samples."
    )
    max_import_bytes: int = Field(
        default=1 << 30,
        ge=1024,
        description="The largest file `POST /fitness/imports` takes (an Apple Health export.zip "
        "of years of data runs to hundreds of MB); it is written to a temporary file, never "
        "held in memory.",
    )
    import_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        description="The largest file `POST /imports` takes (another app's backup or export, "
        "or ours); it is read in memory, and a zip's members may unpack to at most four times "
        "as much.",
    )
    import_directory: str | None = Field(
        default=None,
        description="Where uploaded imports wait while they are read (default: the system's "
        "temporary directory).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="How log lines are written to standard error: `json` (one object per "
        "line), `console` (columns for a person), or `auto`: console on a terminal, else JSON.",
    )
    access_log: bool = Field(
        default=True, description="One log line per HTTP request (kit/middleware.py)."
    )
    lambda_allow_sqlite: bool = Field(
        default=False,
        description="Let the Lambda handler start on SQLite (each container's own copy: a demo).",
    )
    lambda_base_path: str = Field(
        default="/",
        description="On Lambda, the base path of a custom domain's mapping, stripped from paths.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="The bearer token `GET /metrics` requires; unset, /metrics is not served.",
    )

    @field_validator("cors_origins", "previous_secret_keys", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator(
        "login_limit_per_account_address",
        "login_limit_per_account",
        "login_limit_per_address",
        "password_recheck_limit",
        "registration_limit_per_address",
        "password_reset_limit_per_address",
        "password_reset_limit_per_email",
        "verification_email_limit_per_account",
        "account_token_limit_per_address",
    )
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        try:
            limits = [parse_rate_limit(piece) for piece in _LIMIT_SEPARATORS.split(value)]
        except ValueError as error:
            raise ValueError(f"{value!r}: each limit {error} (several are joined by ';')") from None
        return ";".join(rate_limit_text(limit) for limit in limits)

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None and len(key.get_secret_value().encode()) < MIN_KEY_BYTES:
            raise ValueError(
                f"HABITUAL_SECRET_KEY must be at least {MIN_KEY_BYTES} bytes; make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return key

    @field_validator("rate_limit_user", "rate_limit_anonymous")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip().lower() in RATE_LIMIT_OFF:
            return "off"
        return rate_limit_text(parse_rate_limit(value))

    @model_validator(mode="after")
    def _nothing_retired(self) -> Settings:
        retired = [name for name in RETIRED_SETTINGS if name in os.environ]
        if retired:
            raise ValueError(
                "; ".join(
                    f"{name} is no longer read: use {RETIRED_SETTINGS[name]}" for name in retired
                )
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _with_our_driver(cls, value: str) -> str:
        return driver_url(value)

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def should_embed_worker(self) -> bool:
        return self.is_sqlite if self.worker_embedded is None else self.worker_embedded

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    @cached_property
    def signing_key(self) -> str:
        """The current token signing key, created once in `secret_key_file` if not configured."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.secret_key_file
        if not path.exists():
            _create_key_file(path)
        key = path.read_text(encoding="ascii").strip()
        if len(key.encode()) < MIN_KEY_BYTES:
            raise ValueError(f"{path} holds no usable key ({MIN_KEY_BYTES} bytes or more)")
        return key

    @cached_property
    def verification_keys(self) -> list[str]:
        return [self.signing_key, *(key.get_secret_value() for key in self.previous_secret_keys)]
