"""Usage plans: every request counted against its caller's rate limit (`limits`, memory or Redis).

Fixed windows, one counter increment per bucket (a single Redis round trip): a moving window
costs a script and a sorted set per request. Each identity's windows are shifted by a stable
hash of it, so that clients throttled together are not all let go at the same second.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem
from limits.aio.storage import Storage

from habitual.config import Settings, parse_rate_limit
from habitual.kit.clock import clock


@lru_cache(maxsize=1024)
def plan_of(text: str) -> RateLimitItem:
    """A stored plan's limit; the texts are few, and parsing one is a regular expression."""
    return parse_rate_limit(text)


def allows_no_more_than(limit: RateLimitItem, ceiling: RateLimitItem) -> bool:
    """Whether `limit` allows at most the request rate of `ceiling`."""
    return limit.amount * ceiling.get_expiry() <= ceiling.amount * limit.get_expiry()


@dataclass(frozen=True, slots=True)
class Quota:
    """Where one bucket stands after this request, as the RateLimit header fields say it."""

    limit: int
    remaining: int
    reset_seconds: int  # until the window ends: delta-seconds, as Retry-After
    exhausted: bool  # this request was over the limit

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_seconds).encode()),
        ]


@dataclass(frozen=True, slots=True)
class Bucket:
    """What one request is counted in: a limit and whose budget it is (`user:7`, `token:3`)."""

    limit: RateLimitItem
    identity: str


class UsageLimiter:
    """Counts requests per user, per personal token with a plan of its own, and per address."""

    def __init__(self, settings: Settings, storage: Storage):
        self.storage = storage
        self.user_default = (
            None if settings.rate_limit_user == "off" else plan_of(settings.rate_limit_user)
        )
        self.anonymous = (
            None
            if settings.rate_limit_anonymous == "off"
            else plan_of(settings.rate_limit_anonymous)
        )

    def user_limit(self, plan: str | None) -> RateLimitItem | None:
        """A user's limit: their plan, or the default (None: unlimited)."""
        return self.user_default if plan is None else plan_of(plan)

    async def hit(self, bucket: Bucket) -> Quota:
        """Count one request in `bucket`'s current window."""
        limit = bucket.limit
        window = limit.get_expiry()
        shifted = clock.now().timestamp() - zlib.crc32(bucket.identity.encode()) % window
        index, elapsed = divmod(shifted, window)
        # The limit is part of the key: a new plan starts counting afresh.
        key = limit.key_for("usage", bucket.identity, str(int(index)))
        used = await self.storage.incr(key, window)
        return Quota(
            limit=limit.amount,
            remaining=max(0, limit.amount - used),
            reset_seconds=max(1, math.ceil(window - elapsed)),
            exhausted=used > limit.amount,
        )
