"""Every query on check-ins."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import NamedTuple

from habitual.db import Repository
from habitual.habitmath.carry import outdates_carry
from habitual.habitmath.periods import DayRecord
from habitual.habitmath.schedule import STATUSES
from habitual.kit.rawsql import Row


class CheckinRow(NamedTuple):
    local_date: date
    status: str
    value: float | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    origin: str


# What a statement returns of a check-in: the fields of a CheckinRow, in order.
RETURNED = "RETURNING local_date, status, value, note, created_at, updated_at, origin"


class DeviceWrite(NamedTuple):
    """A device value written over a day: what the day had before (None if nothing)."""

    local_date: date
    value: float
    previous: tuple[str, float | None] | None


# Beyond this many weekly or monthly habits, `GET /today` reads the whole range rather than
# list them (every database limits a statement's parameters; SQLite to 32,766).
MAX_LISTED_HABITS = 100


class CheckinRepository(Repository):
    """Check-ins, on the driver (kit/rawsql.py): every path that reads or writes them is hot.

    Each write that may change what a habit's stats carry counts (habitmath/carry.py) bumps the
    habit's `history_version` in the same transaction, so no caller can forget it.
    """

    async def _outdate_carry(self, habit_id: int, local_date: date, today: date) -> None:
        if outdates_carry(local_date, today):
            await (await self.connection()).execute(
                "UPDATE habits SET history_version = history_version + 1 WHERE id = $1",
                habit_id,
            )

    async def for_today(
        self, user_id: int, today: date, periods_from: dict[int, date]
    ) -> dict[int, dict[date, DayRecord]]:
        """The user's check-ins of `today`, and those of the habits in `periods_from` from the
        date given for each (the start of a weekly or monthly habit's period), by habit.

        Day-by-day habits need only today's row: reading the month before today for every
        habit brought ~95 rows where ~30 were used (bench users, ten habits).
        """
        connection = await self.connection()
        select = "SELECT habit_id, local_date, status, value FROM checkins WHERE user_id = $1 "
        if not periods_from:
            rows = await connection.fetch(select + "AND local_date = $2", user_id, today)
        elif len(periods_from) > MAX_LISTED_HABITS:
            rows = await connection.fetch(
                select + "AND local_date >= $2 AND local_date <= $3",
                user_id,
                min(periods_from.values()),
                today,
            )
        else:
            ids = ", ".join(f"${number}" for number in range(4, 4 + len(periods_from)))
            rows = await connection.fetch(
                select + "AND local_date >= $2 AND local_date <= $3 "
                f"AND (local_date = $3 OR habit_id IN ({ids}))",
                user_id,
                min(periods_from.values()),
                today,
                *periods_from,
            )
        days: dict[int, dict[date, DayRecord]] = defaultdict(dict)
        for habit_id, local_date, status, value in rows:
            if local_date == today or local_date >= periods_from.get(habit_id, today):
                days[habit_id][local_date] = DayRecord(STATUSES[status], value)
        return days

    async def of_habits_between(
        self, spans: dict[int, tuple[date, date]]
    ) -> dict[int, dict[date, DayRecord]]:
        """Each habit's check-ins from the first to the last date given for it: one statement."""
        if not spans:
            return {}
        ids = ", ".join(f"${number}" for number in range(3, 3 + len(spans)))
        rows = await (await self.connection()).fetch(
            "SELECT habit_id, local_date, status, value FROM checkins "  # noqa: S608 - placeholders
            f"WHERE local_date >= $1 AND local_date <= $2 AND habit_id IN ({ids})",
            min(first for first, _ in spans.values()),
            max(last for _, last in spans.values()),
            *spans,
        )
        days: dict[int, dict[date, DayRecord]] = defaultdict(dict)
        for habit_id, local_date, status, value in rows:
            first, last = spans[habit_id]
            if first <= local_date <= last:
                days[habit_id][local_date] = DayRecord(STATUSES[status], value)
        return days

    async def put(
        self,
        user_id: int,
        habit_id: int,
        local_date: date,
        *,
        status: str,
        value: float | None,
        note: str | None,
        now: datetime,
        today: date,
    ) -> tuple[CheckinRow, bool, tuple[str, float | None] | None]:
        """Create or replace the day's check-in: the row, whether it was created, and the status
        and value it had before (None if it was new).

        The unique index decides between concurrent writers (`ON CONFLICT DO UPDATE`). Whether
        the row was new: PostgreSQL says so itself (`xmax = 0` only for an inserted row), and
        the earlier values come from the statement's snapshot, so a writer that lost the race
        to create the row sees none (it then looks at the day's events again; they are recorded
        once, by dedupe key). SQLite runs one writer at a time, so a look-up first is exact.
        """
        connection = await self.connection()
        await self._outdate_carry(habit_id, local_date, today)
        upsert = (
            "INSERT INTO checkins "
            "(user_id, habit_id, local_date, status, value, note, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $7) "
            "ON CONFLICT (habit_id, local_date) DO UPDATE SET status = excluded.status, "
            "value = excluded.value, note = excluded.note, updated_at = excluded.updated_at, "
            "origin = 'manual' " + RETURNED
        )
        values = (user_id, habit_id, local_date, status, value, note, now)
        if connection.dialect == "postgresql":
            row = await connection.fetchrow(
                "WITH previous AS (SELECT status, value FROM checkins "  # noqa: S608 - constants
                "WHERE habit_id = $2 AND local_date = $3) "
                + upsert
                + ", xmax = 0, (SELECT status FROM previous), (SELECT value FROM previous)",
                *values,
            )
            assert row is not None  # an upsert always returns its row
            created, old_status, old_value = row[7:]
        else:
            before = await connection.fetchrow(
                "SELECT status, value FROM checkins WHERE habit_id = $1 AND local_date = $2",
                habit_id,
                local_date,
            )
            row = await connection.fetchrow(upsert, *values)
            assert row is not None
            created = before is None
            old_status, old_value = (None, None) if before is None else before
        previous = None if old_status is None else (old_status, old_value)
        return CheckinRow(*row[:7]), bool(created), previous

    async def add_to_total(
        self,
        user_id: int,
        habit_id: int,
        local_date: date,
        *,
        amount: float,
        note: str | None,
        now: datetime,
        today: date,
    ) -> CheckinRow:
        """Add `amount` to the day's value in one statement: the database adds under the row
        lock, so concurrent additions all count."""
        await self._outdate_carry(habit_id, local_date, today)
        row = await (await self.connection()).fetchrow(
            "INSERT INTO checkins "
            "(user_id, habit_id, local_date, status, value, note, created_at, updated_at) "
            "VALUES ($1, $2, $3, 'done', $4, $5, $6, $6) "
            "ON CONFLICT (habit_id, local_date) DO UPDATE SET status = 'done', "
            "value = COALESCE(checkins.value, 0.0) + excluded.value, "
            "note = COALESCE(excluded.note, checkins.note), updated_at = excluded.updated_at, "
            "origin = 'manual' " + RETURNED,
            user_id,
            habit_id,
            local_date,
            amount,
            note,
            now,
        )
        assert row is not None  # an upsert always returns its row
        return CheckinRow(*row)

    async def days_of(self, habit_id: int, since: date | None = None) -> list[Row]:
        """Every check-in of a habit (or those from `since` on) as (local_date, status, value):
        a decade of daily ones is thousands, and tuples from the driver cost a fraction of ORM
        rows."""
        connection = await self.connection()
        if since is None:
            return await connection.fetch(
                "SELECT local_date, status, value FROM checkins WHERE habit_id = $1", habit_id
            )
        return await connection.fetch(
            "SELECT local_date, status, value FROM checkins "
            "WHERE habit_id = $1 AND local_date >= $2",
            habit_id,
            since,
        )

    async def between(self, habit_id: int, first: date, last: date) -> list[CheckinRow]:
        """A habit's check-ins from `first` to `last`, oldest first."""
        rows = await (await self.connection()).fetch(
            "SELECT local_date, status, value, note, created_at, updated_at, origin "
            "FROM checkins WHERE habit_id = $1 AND local_date >= $2 AND local_date <= $3 "
            "ORDER BY local_date",
            habit_id,
            first,
            last,
        )
        return [CheckinRow(*row) for row in rows]

    async def delete_on(self, habit_id: int, local_date: date, today: date) -> bool:
        """Remove the day's check-in; whether there was one."""
        deleted = await (await self.connection()).fetchrow(
            "DELETE FROM checkins WHERE habit_id = $1 AND local_date = $2 RETURNING id",
            habit_id,
            local_date,
        )
        if deleted is not None:
            await self._outdate_carry(habit_id, local_date, today)
        return deleted is not None

    # --- device check-ins: a habit fed by fitness data (fitness/feed.py) ---

    async def origins_between(
        self, habit_id: int, first: date, last: date
    ) -> dict[date, tuple[str, float | None, str]]:
        """The habit's days from `first` to `last`: (status, value, origin) by date."""
        rows = await (await self.connection()).fetch(
            "SELECT local_date, status, value, origin FROM checkins "
            "WHERE habit_id = $1 AND local_date >= $2 AND local_date <= $3",
            habit_id,
            first,
            last,
        )
        return {local: (status, value, origin) for local, status, value, origin in rows}

    async def put_device(
        self,
        user_id: int,
        habit_id: int,
        local_date: date,
        value: float,
        *,
        now: datetime,
        today: date,
    ) -> DeviceWrite | None:
        """Make the day's value the device's, unless a manual check-in holds the day or the
        value is already so: then None.

        The condition sits in the upsert (`DO UPDATE ... WHERE origin = 'device'`), so a manual
        check-in committed by a concurrent request a moment before still wins. What the day had
        before comes from the statement's snapshot on PostgreSQL, a look-up first on SQLite (one
        writer at a time), as in `put`.
        """
        connection = await self.connection()
        upsert = (
            "INSERT INTO checkins "
            "(user_id, habit_id, local_date, status, value, note, created_at, updated_at, origin) "
            "VALUES ($1, $2, $3, 'done', $4, NULL, $5, $5, 'device') "
            "ON CONFLICT (habit_id, local_date) DO UPDATE SET status = 'done', "
            "value = excluded.value, updated_at = excluded.updated_at "
            "WHERE checkins.origin = 'device' AND checkins.value <> excluded.value "
            "RETURNING local_date"
        )
        values = (user_id, habit_id, local_date, value, now)
        if connection.dialect == "postgresql":
            row = await connection.fetchrow(
                "WITH previous AS (SELECT status, value FROM checkins "  # noqa: S608 - constants
                "WHERE habit_id = $2 AND local_date = $3) "
                + upsert
                + ", (SELECT status FROM previous), (SELECT value FROM previous)",
                *values,
            )
            if row is None:
                return None
            old_status, old_value = row[1:]
        else:
            before = await connection.fetchrow(
                "SELECT status, value FROM checkins WHERE habit_id = $1 AND local_date = $2",
                habit_id,
                local_date,
            )
            if await connection.fetchrow(upsert, *values) is None:
                return None
            old_status, old_value = (None, None) if before is None else before
        await self._outdate_carry(habit_id, local_date, today)
        previous = None if old_status is None else (old_status, old_value)
        return DeviceWrite(local_date, value, previous)

    async def delete_device(self, habit_id: int, local_date: date, today: date) -> bool:
        """Remove the day's device check-in (its data is gone); a manual one stays."""
        deleted = await (await self.connection()).fetchrow(
            "DELETE FROM checkins WHERE habit_id = $1 AND local_date = $2 "
            "AND origin = 'device' RETURNING id",
            habit_id,
            local_date,
        )
        if deleted is not None:
            await self._outdate_carry(habit_id, local_date, today)
        return deleted is not None
