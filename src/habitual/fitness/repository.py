"""Every query on fitness data, on the driver (kit/rawsql.py): a batch of 10,000 samples is a
handful of statements. PostgreSQL takes each column as an array (`unnest`), SQLite the rows as
one JSON array (`json_each`): one parameter per column or one in all, whatever the batch."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from habitual.db import Repository
from habitual.kit.rawsql import Row, from_json, sqlite_param


@dataclass(frozen=True, slots=True)
class StoredSample:
    version: int
    metric: str
    value: float
    start_at: datetime
    local_date: date


@dataclass(frozen=True, slots=True)
class SampleRow:
    source: str
    sample_key: str
    metric: str
    value: float
    start_at: datetime
    end_at: datetime | None
    version: int
    local_date: date


@dataclass(frozen=True, slots=True)
class DayDelta:
    """What a batch adds to (or takes from) one source's day of a metric."""

    metric: str
    local_date: date
    source: str
    total: float
    sample_count: int
    last_value: float | None
    last_start_at: datetime | None


def _json_rows(rows: Sequence[Sequence[Any]]) -> str:
    return json.dumps([[sqlite_param(value) for value in row] for row in rows])


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [[row[column] for row in rows] for column in range(width)]


SAMPLE_COLUMNS = "source, sample_key, metric, value, start_at, end_at, version, local_date"
SAMPLE_REPLACED = (
    "ON CONFLICT (user_id, source, sample_key) DO UPDATE SET metric = excluded.metric, "
    "value = excluded.value, start_at = excluded.start_at, end_at = excluded.end_at, "
    "version = excluded.version, local_date = excluded.local_date"
)
LATER = (
    "excluded.last_start_at IS NOT NULL AND (fitness_days.last_start_at IS NULL "
    "OR excluded.last_start_at >= fitness_days.last_start_at)"
)
DAY_ADDED = (
    "ON CONFLICT (user_id, metric, local_date, source) DO UPDATE SET "
    "total = fitness_days.total + excluded.total, "
    "sample_count = fitness_days.sample_count + excluded.sample_count, "
    f"last_value = CASE WHEN {LATER} THEN excluded.last_value ELSE fitness_days.last_value END, "
    f"last_start_at = CASE WHEN {LATER} THEN excluded.last_start_at "
    "ELSE fitness_days.last_start_at END"
)


class FitnessRepository(Repository):
    async def lock_owner(self, user_id: int) -> None:
        """Take the user's row lock, so a user's batches are counted one after the other (SQLite
        writers already are: they begin IMMEDIATE)."""
        connection = await self.connection()
        if connection.dialect == "postgresql":
            await connection.execute(
                "SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE", user_id
            )

    async def stored(
        self, user_id: int, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredSample]:
        """The stored samples among `keys` (source, sample_key)."""
        if not keys:
            return {}
        connection = await self.connection()
        select = (
            "SELECT s.source, s.sample_key, s.version, s.metric, s.value, s.start_at, "
            "s.local_date FROM fitness_samples s "
        )
        if connection.dialect == "postgresql":
            rows = await connection.fetch(
                select + "JOIN unnest($2::text[], $3::text[]) AS k(source, sample_key) "
                "ON s.source = k.source AND s.sample_key = k.sample_key WHERE s.user_id = $1",
                user_id,
                *_columns(keys, 2),
            )
        else:
            rows = await connection.fetch(
                select + "JOIN json_each($2) AS k ON s.user_id = $1 "
                "AND s.source = json_extract(k.value, '$[0]') "
                "AND s.sample_key = json_extract(k.value, '$[1]')",
                user_id,
                _json_rows(keys),
            )
        return {
            (source, key): StoredSample(version, metric, value, start_at, local_day)
            for source, key, version, metric, value, start_at, local_day in rows
        }

    async def put_samples(self, user_id: int, samples: Sequence[SampleRow]) -> None:
        """Insert new samples and replace stored ones, in one statement."""
        if not samples:
            return
        connection = await self.connection()
        rows = [
            (
                s.source,
                s.sample_key,
                s.metric,
                s.value,
                s.start_at,
                s.end_at,
                s.version,
                s.local_date,
            )
            for s in samples
        ]
        if connection.dialect == "postgresql":
            await connection.execute(
                f"INSERT INTO fitness_samples (user_id, {SAMPLE_COLUMNS}) "  # noqa: S608 - constants
                "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[], "
                "$6::timestamptz[], $7::timestamptz[], $8::bigint[], $9::date[]) "
                + SAMPLE_REPLACED,
                user_id,
                *_columns(rows, 8),
            )
        else:
            picked = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(8))
            await connection.execute(
                f"INSERT INTO fitness_samples (user_id, {SAMPLE_COLUMNS}) "  # noqa: S608 - constants
                f"SELECT $1, {picked} FROM json_each($2) WHERE true " + SAMPLE_REPLACED,
                user_id,
                _json_rows(rows),
            )

    async def add_to_days(self, user_id: int, deltas: Sequence[DayDelta]) -> None:
        """Add each delta to its day's figures (a new day starts from it), in one statement."""
        if not deltas:
            return
        connection = await self.connection()
        rows = [
            (
                d.metric,
                d.local_date,
                d.source,
                d.total,
                d.sample_count,
                d.last_value,
                d.last_start_at,
            )
            for d in deltas
        ]
        columns = "metric, local_date, source, total, sample_count, last_value, last_start_at"
        if connection.dialect == "postgresql":
            await connection.execute(
                f"INSERT INTO fitness_days (user_id, {columns}) "  # noqa: S608 - constants
                "SELECT $1, * FROM unnest($2::text[], $3::date[], $4::text[], $5::float8[], "
                "$6::int[], $7::float8[], $8::timestamptz[]) " + DAY_ADDED,
                user_id,
                *_columns(rows, 7),
            )
        else:
            picked = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(7))
            await connection.execute(
                f"INSERT INTO fitness_days (user_id, {columns}) "  # noqa: S608 - constants
                f"SELECT $1, {picked} FROM json_each($2) WHERE true " + DAY_ADDED,
                user_id,
                _json_rows(rows),
            )

    async def refresh_latest(self, user_id: int, metric: str, local_day: date, source: str) -> None:
        """Set a day's latest value again from its samples (a replacement moved the latest)."""
        connection = await self.connection()
        row = await connection.fetchrow(
            "SELECT value, start_at FROM fitness_samples WHERE user_id = $1 AND metric = $2 "
            "AND local_date = $3 AND source = $4 ORDER BY start_at DESC LIMIT 1",
            user_id,
            metric,
            local_day,
            source,
        )
        if row is not None:
            await connection.execute(
                "UPDATE fitness_days SET last_value = $5, last_start_at = $6 WHERE user_id = $1 "
                "AND metric = $2 AND local_date = $3 AND source = $4",
                user_id,
                metric,
                local_day,
                source,
                row[0],
                row[1],
            )

    async def drop_empty_days(self, user_id: int) -> None:
        """Days whose samples all moved to another day (replaced) are no days of data."""
        connection = await self.connection()
        await connection.execute(
            "DELETE FROM fitness_days WHERE user_id = $1 AND sample_count <= 0", user_id
        )

    async def days(self, user_id: int, metric: str, first: date, last: date) -> list[Row]:
        """(local_date, source, total, sample_count, last_value) of each source's day in the
        range, by date: one range of the primary key."""
        connection = await self.connection()
        return await connection.fetch(
            "SELECT local_date, source, total, sample_count, last_value FROM fitness_days "
            "WHERE user_id = $1 AND metric = $2 AND local_date BETWEEN $3 AND $4 "
            "ORDER BY local_date",
            user_id,
            metric,
            first,
            last,
        )

    async def known_sources(self, user_id: int) -> list[str]:
        connection = await self.connection()
        rows = await connection.fetch(
            "SELECT DISTINCT source FROM fitness_days WHERE user_id = $1 ORDER BY source", user_id
        )
        return [source for (source,) in rows]

    async def goals(self, user_id: int) -> dict[str, float]:
        connection = await self.connection()
        rows = await connection.fetch(
            "SELECT metric, daily_target FROM fitness_goals WHERE user_id = $1 ORDER BY metric",
            user_id,
        )
        return {row[0]: row[1] for row in rows}

    async def put_goal(self, user_id: int, metric: str, target: float, now: datetime) -> None:
        connection = await self.connection()
        await connection.execute(
            "INSERT INTO fitness_goals (user_id, metric, daily_target, updated_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, metric) DO UPDATE SET "
            "daily_target = excluded.daily_target, updated_at = excluded.updated_at",
            user_id,
            metric,
            target,
            now,
        )

    async def delete_goal(self, user_id: int, metric: str) -> bool:
        connection = await self.connection()
        row = await connection.fetchrow(
            "DELETE FROM fitness_goals WHERE user_id = $1 AND metric = $2 RETURNING metric",
            user_id,
            metric,
        )
        return row is not None

    async def priority(self, user_id: int) -> list[str]:
        connection = await self.connection()
        row = await connection.fetchrow(
            "SELECT priority FROM fitness_sources WHERE user_id = $1", user_id
        )
        return [] if row is None else list(from_json(row[0]))

    async def put_priority(self, user_id: int, priority: list[str], now: datetime) -> None:
        connection = await self.connection()
        await connection.execute(
            "INSERT INTO fitness_sources (user_id, priority, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (user_id) DO UPDATE SET priority = excluded.priority, "
            "updated_at = excluded.updated_at",
            user_id,
            json.dumps(priority),
            now,
        )
