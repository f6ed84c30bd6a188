"""The shared counts of the usage plans: memory in one process, Redis between processes.

A Redis round trip costs a hot path more client CPU than anything else it does
(bench/README.md, "Issue 13: rate-limit cost"), and most users send a request or two a
minute, so the first count of a window is the common case, not the rare one. `limits`' Redis
storage takes two round trips for it (`INCRBY`, then `EXPIRE`). Here the increments asked for
go together: each trip is one script that increments and sets the expiry of all of them, and
increments asked for while one is on its way wait for the next. An increment someone waits
for (`incr`) leaves at once; one no one waits for (`incr_soon`) waits up to `DEFER_SECONDS`
for company, so that under load one trip counts many requests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol, cast

import coredis.pipeline  # noqa: F401  (a script's first call imports it: ~10 ms of the first request)
from coredis.typing import ValueT
from limits.aio.storage import RedisStorage, Storage
from limits.aio.storage.redis.coredis import CoredisBridge
from limits.errors import StorageError


class SharedCounts(Protocol):
    def incr_soon(self, key: str, expiry: int, amount: int = 1) -> asyncio.Future[int]:
        """Add `amount` to `key`'s count, which ends `expiry` seconds after its first increment:
        the count after it, soon."""
        ...

    def hurry(self) -> None:
        """Someone waits: what is asked for goes now."""
        ...

    async def prepare(self) -> None:
        """Connect and load what the first count needs, at start rather than in a request."""
        ...


class StorageCounts:
    """The counts of a `limits` storage that is not Redis (memory: no trip to save)."""

    def __init__(self, storage: Storage):
        self._storage = storage

    def incr_soon(self, key: str, expiry: int, amount: int = 1) -> asyncio.Future[int]:
        return asyncio.ensure_future(self._storage.incr(key, expiry, amount))

    def hurry(self) -> None:
        pass

    async def prepare(self) -> None:
        pass


# KEYS: the counters; ARGV: each one's expiry and amount, in turn. One call, one round trip.
_INCREMENT_ALL = """
local counts = {}
for i, key in ipairs(KEYS) do
    local amount = tonumber(ARGV[2 * i])
    local count = redis.call('INCRBY', key, amount)
    if count == amount then
        redis.call('EXPIRE', key, ARGV[2 * i - 1])
    end
    counts[i] = count
end
return counts
"""

# Past this many increments waiting, a trip takes this many and the rest wait for the next.
MAX_PER_TRIP = 500
# How long an increment no one waits for may wait for others to go with it.
DEFER_SECONDS = 0.02


@dataclass(slots=True)
class _Waiting:
    key: str
    expiry: int
    amount: int
    answer: asyncio.Future[int] = field(repr=False)


class BatchedRedisCounts:
    """Increments in Redis, sent together in one script per trip (see the module)."""

    def __init__(self, storage: RedisStorage, defer_seconds: float = DEFER_SECONDS):
        assert isinstance(storage.bridge, CoredisBridge)
        self._defer_seconds = defer_seconds
        self._bridge = storage.bridge
        self._script = storage.bridge.get_connection().register_script(_INCREMENT_ALL)
        self._waiting: list[_Waiting] = []
        self._hurry = False  # someone waits for an answer that is not on its way yet
        self._sender: asyncio.Task[None] | None = None  # a trip on its way (or the next)
        self._timer: asyncio.TimerHandle | None = None  # the deferred ones' trip to come
        self.trips = 0  # round trips made (for bench/ and the tests)

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        answer = self._ask(key, expiry, amount)
        self.hurry()
        return await answer

    def incr_soon(self, key: str, expiry: int, amount: int = 1) -> asyncio.Future[int]:
        """The same increment for a caller that goes on without the count: it leaves within
        `defer_seconds`, with whatever else is asked for by then (or at once, on `hurry`)."""
        answer = self._ask(key, expiry, amount)
        if self._sender is None and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._defer_seconds, self._start)
        return answer

    async def prepare(self) -> None:
        await self._bridge.get_connection().script_load(_INCREMENT_ALL)

    def hurry(self) -> None:
        """Send what is waiting now: someone waits for an answer."""
        if self._sender is not None:
            self._hurry = True  # the sender goes again as soon as its trip is back
            return
        if self._timer is not None:
            self._timer.cancel()
        self._start()

    def _ask(self, key: str, expiry: int, amount: int) -> asyncio.Future[int]:
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(self._bridge.prefixed_key(key), expiry, amount, answer))
        return answer

    def _start(self) -> None:
        self._timer = None
        self._sender = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        try:
            while self._waiting:
                trip, self._waiting = self._waiting[:MAX_PER_TRIP], self._waiting[MAX_PER_TRIP:]
                self._hurry = self._hurry and bool(self._waiting)
                await self._make(trip)
                if not self._hurry:
                    break
        finally:
            self._sender = None
        if self._waiting:  # asked for while the trip was out, by no one who waits
            self._timer = asyncio.get_running_loop().call_later(self._defer_seconds, self._start)

    async def _make(self, trip: list[_Waiting]) -> None:
        args: list[ValueT] = []
        for waiting in trip:
            args += (waiting.expiry, waiting.amount)
        self.trips += 1
        try:
            counts = await self._script.execute(keys=[waiting.key for waiting in trip], args=args)
        except self._bridge.base_exceptions as error:
            # Each caller raises what `limits` raises for its own storage's errors.
            for waiting in trip:
                if not waiting.answer.done():
                    waiting.answer.set_exception(StorageError(error))
            return
        for waiting, count in zip(trip, cast(list[int], counts), strict=True):
            if not waiting.answer.done():
                waiting.answer.set_result(int(count))


def shared_counts(storage: Storage) -> SharedCounts:
    """The counts of `storage`: batched when it is Redis through coredis (`limits`' default),
    straight through to it otherwise."""
    if isinstance(storage, RedisStorage) and isinstance(storage.bridge, CoredisBridge):
        return BatchedRedisCounts(storage)
    return StorageCounts(storage)
