"""Usage plans: every request counted against its caller's rate limit (`limits`, memory or Redis).

Fixed windows, counted with one increment: a moving window costs a script and a sorted set.
Each identity's windows are shifted by a stable hash of it, so that clients throttled together
are not all let go at the same second.

A round trip to Redis cost a hot path a quarter to a half of its instructions (bench/README.md),
so a process does not ask for every request: with one increment it reserves a twentieth of what
is left of the window's budget (`batch_of`: 1 to 100 requests) and lets that many through on its
own. What a process reserved and did not use by the end of a window is lost for that window,
and as the budget runs low the reservations shrink to one request, so little is. Once the shared
count is at the limit, a process refuses the rest of the window without asking; requests that
find their bucket's reservation spent together wait for one new one.

Most users send a request or two a window, so most requests are a window's first, and waiting
for the shared count on each would cost them a round trip. So a window's first request in a
process goes through at once, and its reservation is asked for behind it (the increments go to
Redis together, habitual/auth/counts.py). The guarantee: across every process, no more than the
limit plus one request per other process and window (a process whose first request arrives when
the others have spent the window lets that one through); in memory, one process, exactly the
limit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import zlib
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem
from limits.aio.storage import Storage
from limits.errors import StorageError

from habitual.auth.counts import shared_counts
from habitual.config import Settings, parse_rate_limit
from habitual.kit.clock import clock

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1024)
def plan_of(text: str) -> RateLimitItem:
    """A stored plan's limit; the texts are few, and parsing one is a regular expression."""
    return parse_rate_limit(text)


def allows_no_more_than(limit: RateLimitItem, ceiling: RateLimitItem) -> bool:
    """Whether `limit` allows at most the request rate of `ceiling`."""
    return limit.amount * ceiling.get_expiry() <= ceiling.amount * limit.get_expiry()


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs every request twice
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


@dataclass(slots=True)
class _Asking:
    """A reservation this process asked the shared count for, not yet answered."""

    answer: asyncio.Future[int]  # the shared count after the increment
    amount: int
    batch: int  # requests asked for
    ends_at: float
    first: bool  # the window's first request went through without waiting for it


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
        self.counts = shared_counts(storage)
        self._reservations: dict[str, _Reservation] = {}
        self._asking: dict[str, _Asking] = {}  # reservations on their way
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

    async def hit(self, bucket: Bucket) -> Quota | None:
        """Count one request in `bucket`'s current window; None when the shared count cannot
        be reached (the request goes through uncounted: a plan is about fair use, and an
        outage of Redis should not become one of the API)."""
        limit = bucket.limit
        amount, window = limit.amount, limit.get_expiry()
        now = clock.now().timestamp()
        index, elapsed = divmod(now - zlib.crc32(bucket.identity.encode()) % window, window)
        reset_seconds = max(1, math.ceil(window - elapsed))
        # The limit is part of the key: a new plan starts counting afresh. (An f-string: the
        # library's `key_for` was a third of this method.)
        key = f"usage/{bucket.identity}/{amount}/{window}/{int(index)}"
        reservation = self._reservations.get(key)
        if reservation is None and key not in self._asking:
            # The window's first request here goes through at once, its reservation made behind
            # it: the window is new to this process, and in memory new to everyone.
            self._ask(key, amount, window, 0, now + reset_seconds, first=True)
            return Quota(amount, amount - 1, reset_seconds, exhausted=False)
        while reservation is None or not (reservation.left or reservation.counted >= amount):
            asking = self._asking.get(key)
            if asking is None:
                counted = 0 if reservation is None else reservation.counted
                asking = self._ask(key, amount, window, counted, now + reset_seconds, first=False)
            if asking.answer.done():  # answered, and its callback not yet run
                self._settle(key, asking)
                if asking.answer.exception() is not None:
                    return None
            else:
                self.counts.hurry()
                try:
                    # Shielded: a request that goes away does not take the others' answer.
                    await asyncio.shield(asking.answer)
                except StorageError as error:
                    logger.warning("a request went through uncounted: %r", error.storage_error)
                    return None
            reservation = self._reservations.get(key)
        if reservation.left == 0:
            return Quota(amount, 0, reset_seconds, exhausted=True)
        reservation.left -= 1
        return Quota(
            limit=amount,
            remaining=max(0, amount - reservation.counted + reservation.left),
            reset_seconds=reset_seconds,
            exhausted=False,
        )

    def _ask(
        self, key: str, amount: int, window: int, counted: int, ends_at: float, *, first: bool
    ) -> _Asking:
        """Ask the shared count for a new reservation of `key`; requests of this process that
        need one meanwhile share its answer, so a process holds one reservation of a window at a
        time and loses at most what is left of it."""
        batch = batch_of(amount, counted)
        asking = _Asking(self.counts.incr_soon(key, window, batch), amount, batch, ends_at, first)
        self._asking[key] = asking
        asking.answer.add_done_callback(lambda _: self._settle(key, asking))
        return asking

    def _settle(self, key: str, asking: _Asking) -> None:
        """Keep the reservation `asking` was answered with (once)."""
        if self._asking.get(key) is not asking:
            return
        del self._asking[key]
        answer = asking.answer
        if answer.cancelled():
            return
        if (error := answer.exception()) is not None:
            # Whoever waits raises it; a first request that went through is logged.
            if asking.first:
                logger.warning("could not count a request in the shared count: %r", error)
            return
        counted, batch = answer.result(), asking.batch
        # Of the batch, only what is still under the limit is ours, and a first request that
        # went through took one of it (one over the limit, if the window was spent elsewhere).
        granted = max(0, min(batch, asking.amount - (counted - batch)))
        if len(self._reservations) >= self._prune_at:
            now = clock.now().timestamp()
            self._reservations = {
                name: kept for name, kept in self._reservations.items() if kept.ends_at > now
            }
            self._prune_at = max(_PRUNE_AT, 2 * len(self._reservations))
        self._reservations[key] = _Reservation(
            max(0, granted - asking.first), counted, asking.ends_at
        )
