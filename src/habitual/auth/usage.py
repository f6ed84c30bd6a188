"""Usage plans: every request counted against its caller's rate limit (`limits`, memory or Redis).

Fixed windows, counted with one increment (a single Redis round trip): a moving window costs a
script and a sorted set. Each identity's windows are shifted by a stable hash of it, so that
clients throttled together are not all let go at the same second.

A round trip to Redis cost a hot path a quarter to a half of its instructions (bench/README.md),
so a process does not ask for every request: with one increment it reserves a twentieth of what
is left of the window's budget (`batch_of`: 1 to 100 requests) and lets that many through on its
own. The shared count therefore never lets more than the limit through, across every process;
what a process reserved and did not use by the end of a window is lost for that window, and as
the budget runs low the reservations shrink to one request, so little is. Once the shared
count is at the limit, a process refuses the rest of the window without asking.
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


def batch_of(amount: int, counted: int = 0) -> int:
    """How many requests a process reserves at a time when `counted` of a budget of `amount`
    are taken: a twentieth of the rest, 1 to 100."""
    return max(1, min(100, (amount - counted) // 20))


@dataclass(slots=True)
class _Reservation:
    """What this process reserved of one bucket's window."""

    left: int  # requests it may still let through without asking the storage
    counted: int  # the shared count when it last asked
    ends_at: float  # when the window ends (for pruning)


# Past this many reservations, those of ended windows are dropped (then past twice what is left).
_PRUNE_AT = 10_000


@dataclass(frozen=True, slots=True)
class Bucket:
    """What one request is counted in: a limit and whose budget it is (`user:7`, `token:3`)."""

    limit: RateLimitItem
    identity: str


class UsageLimiter:
    """Counts requests per user, per personal token with a plan of its own, and per address."""

    def __init__(self, settings: Settings, storage: Storage):
        self.storage = storage
        self._reservations: dict[str, _Reservation] = {}
        self._prune_at = _PRUNE_AT
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
        amount, window = limit.amount, limit.get_expiry()
        now = clock.now().timestamp()
        index, elapsed = divmod(now - zlib.crc32(bucket.identity.encode()) % window, window)
        reset_seconds = max(1, math.ceil(window - elapsed))
        # The limit is part of the key: a new plan starts counting afresh. (An f-string: the
        # library's `key_for` was a third of this method.)
        key = f"usage/{bucket.identity}/{amount}/{window}/{int(index)}"
        reservation = self._reservations.get(key)
        if reservation is None or (reservation.left == 0 and reservation.counted < amount):
            counted = 0 if reservation is None else reservation.counted
            reservation = await self._reserve(
                key, amount, window, batch_of(amount, counted), now, now + reset_seconds
            )
        if reservation.left == 0:
            return Quota(amount, 0, reset_seconds, exhausted=True)
        reservation.left -= 1
        return Quota(
            limit=amount,
            remaining=max(0, amount - reservation.counted + reservation.left),
            reset_seconds=reset_seconds,
            exhausted=False,
        )

    async def _reserve(
        self, key: str, amount: int, window: int, batch: int, now: float, ends_at: float
    ) -> _Reservation:
        counted = await self.storage.incr(key, window, amount=batch)
        # Of the batch, only what is still under the limit is ours.
        granted = max(0, min(batch, amount - (counted - batch)))
        if len(self._reservations) >= self._prune_at:
            self._reservations = {
                name: kept for name, kept in self._reservations.items() if kept.ends_at > now
            }
            self._prune_at = max(_PRUNE_AT, 2 * len(self._reservations))
        reservation = self._reservations[key] = _Reservation(granted, counted, ends_at)
        return reservation
