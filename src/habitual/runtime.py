"""The long-lived objects one app instance shares across requests."""

from __future__ import annotations

from dataclasses import dataclass

from limits.aio.storage import Storage

from habitual.auth.jwt import AccessTokens
from habitual.auth.passwords import Passwords
from habitual.auth.throttle import LoginThrottle, limit_storage
from habitual.auth.usage import UsageLimiter
from habitual.config import Settings
from habitual.db import Database, create_database
from habitual.kit.dns import Resolver, system_resolver
from habitual.kit.secrets import SecretBox


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    database: Database
    passwords: Passwords
    access_tokens: AccessTokens
    limit_storage: Storage
    login_throttle: LoginThrottle
    secret_box: SecretBox
    resolver: Resolver
    usage_limiter: UsageLimiter

    @classmethod
    def build(cls, settings: Settings, resolver: Resolver = system_resolver) -> Runtime:
        storage = limit_storage(settings)
        return cls(
            settings=settings,
            limit_storage=storage,
            database=create_database(settings),
            passwords=Passwords(settings),
            access_tokens=AccessTokens(settings),
            login_throttle=LoginThrottle(settings, storage),
            secret_box=SecretBox.for_settings(settings),
            resolver=resolver,
            usage_limiter=UsageLimiter(settings, storage),
        )
