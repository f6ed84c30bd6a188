"""Failed logins, counted per account and per client address (`limits`, memory or Redis)."""

from __future__ import annotations

import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from habitual.config import Settings
from habitual.errors import TooManyRequests


def limit_storage(settings: Settings) -> Storage:
    """Where every rate limit of the process counts: Redis when configured (shared between
    processes), memory otherwise. The runtime builds one and every limiter uses it."""
    if settings.redis_url is None:
        return MemoryStorage()
    uri = settings.redis_url.replace("redis://", "async+redis://", 1).replace(
        "rediss://", "async+rediss://", 1
    )
    storage = storage_from_string(uri, key_prefix=settings.redis_key_prefix)
    assert isinstance(storage, Storage)
    return storage


class LoginThrottle:
    """Blocks an account or an address for a while after too many failed logins."""

    def __init__(self, settings: Settings, storage: Storage):
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(self.storage)
        window = settings.login_failure_window_seconds
        self._per_account = RateLimitItemPerSecond(settings.login_max_failures_per_account, window)
        self._per_address = RateLimitItemPerSecond(settings.login_max_failures_per_address, window)

    async def check(self, account: str, address: str) -> None:
        """Raise 429 if either the account or the address has used up its failures."""
        for limit, key in ((self._per_account, account), (self._per_address, address)):
            if not await self._limiter.test(limit, "login", key):
                stats = await self._limiter.get_window_stats(limit, "login", key)
                raise TooManyRequests(
                    "Too many failed logins; try again later.",
                    retry_after=int(stats.reset_time - time.time()) + 1,
                )

    async def record_failure(self, account: str, address: str) -> None:
        await self._limiter.hit(self._per_account, "login", account)
        await self._limiter.hit(self._per_address, "login", address)

    async def record_success(self, account: str) -> None:
        await self._limiter.clear(self._per_account, "login", account)
