"""The long-lived objects one app instance shares across requests."""

from __future__ import annotations

from dataclasses import dataclass

from habitual.auth.jwt import AccessTokens
from habitual.auth.passwords import Passwords
from habitual.auth.throttle import LoginThrottle
from habitual.config import Settings
from habitual.db import Database, create_database


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    database: Database
    passwords: Passwords
    access_tokens: AccessTokens
    login_throttle: LoginThrottle

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            database=create_database(settings),
            passwords=Passwords(settings),
            access_tokens=AccessTokens(settings),
            login_throttle=LoginThrottle(settings),
        )
