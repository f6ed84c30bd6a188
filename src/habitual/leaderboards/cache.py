"""The boards in Redis sorted sets: O(log n) per change, a top and a rank in one trip.

SQL holds the truth (service.py); Redis hears each committed change (`hear`, after the commit
of the unit that made it: a unit rolled back tells nothing) and is rebuilt from SQL when a
board's set is missing or empty. A change is applied only to a set that exists, so a set is
either whole (rebuilt) or absent. If Redis cannot be reached when a change commits, the change
is logged and lost until the set is rebuilt: `forget` (or deleting the key) makes it rebuild.

The score orders a board as SQL does, lowest first: `-value * 2**32 + seconds`, where `seconds`
counts from 2020 to the second the value was reached, so a higher value comes first and inside
a tie whoever reached it first. Values below 2**20 keep the score within a double's 53 bits
until 2156. Equal scores (the same value reached in the same second) order by member, the
user id zero-padded, as SQL orders by user id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import coredis
from coredis.typing import KeyT, ValueT

from habitual.config import Settings
from habitual.db import Database
from habitual.leaderboards.repository import Placed

log = logging.getLogger(__name__)

TOPIC = "leaderboards"  # what a committed unit tells (service.Change items)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
SECONDS = 2**32
MAX_VALUE = 2**20 - 1
REBUILD_CHUNK = 5000

# KEYS: the sets; ARGV: member and score ('' removes) for each in turn. A set that does not
# exist is left alone: it is rebuilt whole from SQL when read.
_APPLY = """
for i, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 1 then
        local member, score = ARGV[2 * i - 1], ARGV[2 * i]
        if score == '' then
            redis.call('ZREM', key, member)
        else
            redis.call('ZADD', key, score, member)
        end
    end
end
return #KEYS
"""


def score_of(value: int, reached_at: datetime) -> int:
    seconds = int((reached_at - EPOCH).total_seconds())
    return -min(value, MAX_VALUE) * SECONDS + max(0, min(seconds, SECONDS - 1))


def value_of(score: float) -> int:
    return (-int(score) + SECONDS - 1) // SECONDS


def member_of(user_id: int) -> str:
    return f"{user_id:019d}"


class BoardCache:
    def __init__(self, url: str, prefix: str):
        self._url = url
        self._prefix = prefix
        self._client: coredis.Redis[str] | None = None

    @property
    def client(self) -> coredis.Redis[str]:
        if self._client is None:  # made on first use, in the loop that uses it
            self._client = coredis.Redis.from_url(self._url, decode_responses=True)
        return self._client

    def key(self, board: str, scope: str) -> str:
        return f"{self._prefix}:leaderboard:{board}:{scope}"

    async def hear(self, changes: list[Any]) -> None:
        """Apply committed changes (service.Change); Redis failing costs no request."""
        keys: list[KeyT] = []
        args: list[ValueT] = []
        for change in changes:
            keys.append(self.key(change.board, change.scope))
            args.append(member_of(change.user_id))
            args.append(
                "" if change.value is None else str(score_of(change.value, change.reached_at))
            )
        try:
            await self.client.eval(_APPLY, keys=keys, args=args)
        except (coredis.exceptions.RedisError, OSError):
            log.exception("leaderboards: Redis missed %d changes", len(changes))

    async def size(self, board: str, scope: str) -> int:
        return int(await self.client.zcard(self.key(board, scope)))

    async def rebuild(
        self, board: str, scope: str, entries: Sequence[tuple[int, int, datetime]]
    ) -> None:
        """Fill a board's set from SQL's entries; members a change added meanwhile stay (NX)."""
        key = self.key(board, scope)
        for chunk in range(0, len(entries), REBUILD_CHUNK):
            await self.client.zadd(
                key,
                {
                    member_of(user_id): score_of(value, reached_at)
                    for user_id, value, reached_at in entries[chunk : chunk + REBUILD_CHUNK]
                },
                condition=coredis.PureToken.NX,
            )

    async def read(
        self, board: str, scope: str, user_id: int, limit: int
    ) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
        """The top `limit` as (user_id, value), and the caller's (rank, value) or None."""
        key = self.key(board, scope)
        pipe = await self.client.pipeline(transaction=False)
        pipe.zrange(key, 0, limit - 1, withscores=True)
        pipe.zscore(key, member_of(user_id))
        top, score = await pipe.execute()
        rows = [(int(member), value_of(found)) for member, found in top]
        if score is None:
            return rows, None
        value = value_of(score)
        above = await self.client.zcount(key, "-inf", f"({-value * SECONDS}")
        return rows, (above + 1, value)

    async def forget(self, board: str, scope: str) -> None:
        await self.client.delete([self.key(board, scope)])

    async def forget_all(self) -> None:
        """Drop every board's set (each is rebuilt from SQL when next read)."""
        keys: list[KeyT] = [
            key async for key in self.client.scan_iter(match=f"{self._prefix}:leaderboard:*")
        ]
        if keys:
            await self.client.delete(keys)


def placed(rows: list[tuple[int, int]], names: dict[int, str]) -> list[Placed]:
    return [Placed(user_id, names.get(user_id, ""), value) for user_id, value in rows]


def board_cache(settings: Settings, database: Database) -> BoardCache | None:
    """The boards' Redis copy when `HABITUAL_REDIS_URL` is set, hearing `database`'s commits."""
    if settings.redis_url is None:
        return None
    cache = BoardCache(settings.redis_url, settings.redis_key_prefix)
    database.listeners[TOPIC] = cache.hear
    return cache
