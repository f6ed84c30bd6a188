"""The rate limits of account emails and their tokens, counted in the runtime's storage."""

from __future__ import annotations

import time

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter

from habitual.errors import TooManyRequests
from habitual.runtime import Runtime


class Allowance:
    """One limit (`limits` syntax, from the settings) on one kind of request, per key.

    `take` counts the request before any work is done, in one step of the storage, so however
    many arrive at once no more than the limit get through a window.
    """

    def __init__(self, runtime: Runtime, name: str, limit: str):
        self._limiter = MovingWindowRateLimiter(runtime.limit_storage)
        self._limit = parse(limit)
        self._name = name

    async def take(self, key: str) -> bool:
        """Count one request for `key`; whether it was within the limit."""
        return await self._limiter.hit(self._limit, self._name, key)

    async def take_or_refuse(self, key: str, detail: str) -> None:
        """Count one request for `key`, or refuse it with 429 and `Retry-After`."""
        if not await self.take(key):
            stats = await self._limiter.get_window_stats(self._limit, self._name, key)
            raise TooManyRequests(detail, retry_after=int(stats.reset_time - time.time()) + 1)


def reset_requests_per_client(runtime: Runtime) -> Allowance:
    return Allowance(
        runtime, "password-reset-address", runtime.settings.password_reset_limit_per_address
    )


def reset_emails_per_recipient(runtime: Runtime) -> Allowance:
    return Allowance(
        runtime, "password-reset-email", runtime.settings.password_reset_limit_per_email
    )


def verification_emails_per_account(runtime: Runtime) -> Allowance:
    return Allowance(
        runtime, "verification-email", runtime.settings.verification_email_limit_per_account
    )


def token_attempts_per_client(runtime: Runtime) -> Allowance:
    return Allowance(
        runtime, "account-token-address", runtime.settings.account_token_limit_per_address
    )
