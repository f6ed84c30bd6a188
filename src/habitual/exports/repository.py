"""The export's reads that no other repository has: a whole account, on the driver, by owner.

Each statement names the owner: a habit id alone never reads anything. The check-ins and the
fitness samples, the two tables that grow with time, are read a habit or a page at a time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import NamedTuple

from habitual.db import Repository
from habitual.kit.rawsql import Row, from_json
from habitual.models.habit_rule import RULE_COLUMNS

# Fitness samples read per statement: a watch sends one a minute, a decade is millions.
SAMPLE_PAGE = 5000


class ExportedHabit(NamedTuple):
    id: int
    name: str
    description: str | None
    kind: str
    unit: str | None
    color: str | None
    icon: str | None
    position: int
    archived_at: datetime | None
    start_date: date
    end_date: date | None
    data_source_metric: str | None
    created_at: datetime
    # The habit's own rule columns (the newest rule), in RULE_COLUMNS order.
    rule: tuple[object, ...]


class ExportedCategory(NamedTuple):
    name: str
    description: str | None
    icon: str | None
    color: str | None


_HABIT_COLUMNS = ", ".join([*ExportedHabit._fields[:-1], *RULE_COLUMNS])
_RULE_START = len(ExportedHabit._fields) - 1
_CHECKIN_COLUMNS = "local_date, status, value, note, origin"
_GOAL_COLUMNS = (
    "g.habit_id, g.target, g.start_date, g.end_date, g.consecutive, g.state, g.achieved_on, "
    "g.closed_at, g.created_at"
)
_REMINDER_COLUMNS = "habit_id, local_time, days, message, channels, active"
_SAMPLE_COLUMNS = "source, sample_key, metric, value, start_at, end_at, version, local_date"


class ExportRepository(Repository):
    async def habits(self, user_id: int) -> list[ExportedHabit]:
        """Every habit of the owner, archived ones too, in their order."""
        rows = await (await self.connection()).fetch(
            f"SELECT {_HABIT_COLUMNS} FROM habits WHERE user_id = $1 "  # noqa: S608 - the models' names
            "ORDER BY position, id",
            user_id,
        )
        return [ExportedHabit._make((*row[:_RULE_START], tuple(row[_RULE_START:]))) for row in rows]

    async def categories(self, user_id: int) -> tuple[list[ExportedCategory], dict[int, list[str]]]:
        """The categories the owner's habits use, by name, and each habit's category names."""
        rows = await (await self.connection()).fetch(
            "SELECT hc.habit_id, c.name, c.description, c.icon, c.color "
            "FROM habit_categories hc JOIN categories c ON c.id = hc.category_id "
            "JOIN habits h ON h.id = hc.habit_id WHERE h.user_id = $1 "
            "ORDER BY c.name, hc.habit_id",
            user_id,
        )
        used: dict[str, ExportedCategory] = {}
        names: dict[int, list[str]] = defaultdict(list)
        for habit_id, name, description, icon, color in rows:
            used.setdefault(name, ExportedCategory(name, description, icon, color))
            names[habit_id].append(name)
        return list(used.values()), names

    async def rules(self, user_id: int) -> dict[int, list[Row]]:
        """Every stored rule version of the owner's habits, oldest first, by habit: rows of
        (effective_from, *RULE_COLUMNS)."""
        selected = ", ".join(f"r.{column}" for column in ("effective_from", *RULE_COLUMNS))
        rows = await (await self.connection()).fetch(
            f"SELECT r.habit_id, {selected} FROM habit_rules r "  # noqa: S608 - the models' names
            "JOIN habits h ON h.id = r.habit_id WHERE h.user_id = $1 "
            "ORDER BY r.habit_id, r.effective_from",
            user_id,
        )
        versions: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            versions[row[0]].append(tuple(row[1:]))
        return versions

    async def checkins(self, user_id: int, habit_id: int) -> list[Row]:
        """One habit's check-ins, oldest first: (local_date, status, value, note, origin)."""
        return await (await self.connection()).fetch(
            f"SELECT {_CHECKIN_COLUMNS} FROM checkins "  # noqa: S608 - the models' names
            "WHERE user_id = $1 AND habit_id = $2 ORDER BY local_date",
            user_id,
            habit_id,
        )

    async def reminders(self, user_id: int) -> dict[int, list[Row]]:
        """The owner's reminders by habit, oldest first: (local_time, days mask, message,
        channels, active)."""
        rows = await (await self.connection()).fetch(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders "  # noqa: S608 - the models' names
            "WHERE user_id = $1 ORDER BY habit_id, id",
            user_id,
        )
        reminders: dict[int, list[Row]] = defaultdict(list)
        for habit_id, local_time, days, message, channels, active in rows:
            reminders[habit_id].append(
                (local_time, days, message, list(from_json(channels)), bool(active))
            )
        return reminders

    async def goals(self, user_id: int) -> dict[int, list[Row]]:
        """The owner's goals by habit, oldest first, closed ones too: (target, start_date,
        end_date, consecutive, state, achieved_on, closed_at, created_at)."""
        rows = await (await self.connection()).fetch(
            f"SELECT {_GOAL_COLUMNS} FROM goals g "  # noqa: S608 - the models' names
            "WHERE g.user_id = $1 ORDER BY g.habit_id, g.created_at, g.id",
            user_id,
        )
        goals: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            goals[row[0]].append(tuple(row[1:]))
        return goals

    async def samples_after(
        self, user_id: int, after: tuple[str, str] | None, limit: int = SAMPLE_PAGE
    ) -> list[Row]:
        """A page of the owner's fitness samples in key order, after the (source, sample_key)
        given: (source, sample_key, metric, value, start_at, end_at, version, local_date)."""
        connection = await self.connection()
        if after is None:
            return await connection.fetch(
                f"SELECT {_SAMPLE_COLUMNS} FROM fitness_samples "  # noqa: S608 - the models' names
                "WHERE user_id = $1 ORDER BY source, sample_key LIMIT $2",
                user_id,
                limit,
            )
        return await connection.fetch(
            f"SELECT {_SAMPLE_COLUMNS} FROM fitness_samples "  # noqa: S608 - the models' names
            "WHERE user_id = $1 AND (source > $2 OR (source = $2 AND sample_key > $3)) "
            "ORDER BY source, sample_key LIMIT $4",
            user_id,
            after[0],
            after[1],
            limit,
        )
