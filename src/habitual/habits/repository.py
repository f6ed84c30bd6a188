"""Every query on habits and their rule versions, always scoped to the owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, update

from habitual.db import Repository
from habitual.kit.like import escape_like
from habitual.kit.rawsql import Row
from habitual.models import Habit, HabitRule


class HabitRepository(Repository):
    """Habits and their rule versions, always scoped to the owner. The hot paths' look-ups
    (`owned`, `active_on`, `page`) run on the driver: each habit with its rule versions in one
    statement, where the ORM took two (~35% of `GET /today` in SQLAlchemy), and a page with its
    total in one (a window count), where the ORM took two statements and two thread hops (~6 ms
    a page in-process on SQLite, bench/README.md)."""

    async def get_for_owner(self, user_id: int, habit_id: int) -> Habit | None:
        statement = select(Habit).where(Habit.id == habit_id, Habit.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def active_name_taken(
        self, user_id: int, name_key: str, except_habit_id: int | None = None
    ) -> bool:
        statement = select(Habit.id).where(
            Habit.user_id == user_id, Habit.name_key == name_key, Habit.archived_at.is_(None)
        )
        if except_habit_id is not None:
            statement = statement.where(Habit.id != except_habit_id)
        return (await self.session.execute(statement.limit(1))).first() is not None

    async def next_position(self, user_id: int) -> int:
        statement = select(func.max(Habit.position)).where(Habit.user_id == user_id)
        highest = (await self.session.execute(statement)).scalar_one_or_none()
        return 0 if highest is None else highest + 1

    async def make_room(self, user_id: int, position: int, moving_from: int | None) -> None:
        """Shift the other habits so that one can take `position` and keep the order whole."""
        shift: Any
        if moving_from is None:
            where = [Habit.position >= position]
            shift = Habit.position + 1
        elif position < moving_from:
            where = [Habit.position >= position, Habit.position < moving_from]
            shift = Habit.position + 1
        else:
            where = [Habit.position > moving_from, Habit.position <= position]
            shift = Habit.position - 1
        await self.session.execute(
            update(Habit).where(Habit.user_id == user_id, *where).values(position=shift)
        )

    async def add(self, habit: Habit) -> Habit:
        self.session.add(habit)
        await self.session.flush()
        return habit

    async def delete(self, habit: Habit) -> None:
        await self.session.execute(delete(Habit).where(Habit.id == habit.id))

    async def rules(self, habit_id: int) -> Sequence[HabitRule]:
        statement = (
            select(HabitRule)
            .where(HabitRule.habit_id == habit_id)
            .order_by(HabitRule.effective_from)
        )
        return (await self.session.execute(statement)).scalars().all()

    async def put_rule(self, habit_id: int, effective_from: date, columns: dict[str, Any]) -> None:
        """Make `columns` the rule from `effective_from` on, replacing any set that day or later.

        No row is added when the rule before is the same (a change undone the day it was made).
        """
        await self.session.execute(
            delete(HabitRule).where(
                HabitRule.habit_id == habit_id, HabitRule.effective_from >= effective_from
            )
        )
        previous = await self.session.scalar(
            select(HabitRule)
            .where(HabitRule.habit_id == habit_id, HabitRule.effective_from < effective_from)
            .order_by(HabitRule.effective_from.desc())
            .limit(1)
        )
        if previous is not None and all(
            getattr(previous, column) == value for column, value in columns.items()
        ):
            return
        self.session.add(HabitRule(habit_id=habit_id, effective_from=effective_from, **columns))
        await self.session.flush()

    # --- on the driver, for the hot paths ---

    async def owned(self, user_id: int, habit_id: int) -> tuple[HabitRow, list[RuleRow]] | None:
        rows = await (await self.connection()).fetch(
            HABITS_WITH_RULES + "WHERE h.id = $1 AND h.user_id = $2 ORDER BY r.effective_from",
            habit_id,
            user_id,
        )
        habits = _with_rules(rows)
        return habits[0] if habits else None

    async def active_on(self, user_id: int, day: date) -> list[tuple[HabitRow, list[RuleRow]]]:
        """The user's habits running on `day`, in their order."""
        rows = await (await self.connection()).fetch(
            HABITS_WITH_RULES + "WHERE h.user_id = $1 AND h.archived_at IS NULL "
            "AND h.start_date <= $2 AND (h.end_date IS NULL OR h.end_date >= $2) "
            "ORDER BY h.position, h.id, r.effective_from",
            user_id,
            day,
        )
        return _with_rules(rows)

    async def page(
        self,
        user_id: int,
        where: HabitFilter,
        sort: str,
        descending: bool,
        limit: int,
        offset: int,
    ) -> tuple[list[ListedHabit], int]:
        conditions, args = self._conditions(user_id, where)
        direction = "DESC" if descending else "ASC"
        order = f"{SORT_COLUMNS[sort]} {direction}, id {direction}"
        limit_at, offset_at = len(args) + 1, len(args) + 2
        rows = await (await self.connection()).fetch(
            f"SELECT {LISTED_COLUMNS}, count(*) OVER () FROM habits WHERE {conditions} "  # noqa: S608 - whitelisted names
            f"ORDER BY {order} LIMIT ${limit_at} OFFSET ${offset_at}",
            *args,
            limit,
            offset,
        )
        if rows:
            return [ListedHabit(*row[:-1]) for row in rows], int(rows[0][-1])
        if offset == 0:
            return [], 0
        # Past the last page: the window had no row to count on.
        total = await (await self.connection()).fetchrow(
            f"SELECT count(*) FROM habits WHERE {conditions}",  # noqa: S608 - whitelisted names
            *args,
        )
        return [], int(total[0]) if total else 0

    def _conditions(self, user_id: int, where: HabitFilter) -> tuple[str, list[Any]]:
        conditions: list[str] = ["user_id = $1"]
        args: list[Any] = [user_id]
        if where.archived is Archived.false:
            conditions.append("archived_at IS NULL")
        elif where.archived is Archived.true:
            conditions.append("archived_at IS NOT NULL")
        if where.name_contains:
            args.append(f"%{escape_like(where.name_contains.lower())}%")
            conditions.append(f"name_key LIKE ${len(args)} ESCAPE '\\'")
        if where.frequency is not None:
            args.append(where.frequency)
            conditions.append(f"frequency = ${len(args)}")
        if where.kind is not None:
            args.append(where.kind)
            conditions.append(f"kind = ${len(args)}")
        return " AND ".join(conditions), args


class HabitRow(NamedTuple):
    """A habit as the hot paths read it (kit/rawsql.py): what they show and judge."""

    id: int
    name: str
    kind: str
    unit: str | None
    color: str | None
    icon: str | None
    start_date: date
    end_date: date | None
    frequency: str
    times_per_period: int
    target_days: int
    every_n_days: int
    goal_value: float | None
    goal_type: str


class RuleRow(NamedTuple):
    effective_from: date
    frequency: str
    times_per_period: int
    target_days: int
    every_n_days: int
    goal_value: float | None
    goal_type: str


HABITS_WITH_RULES = (
    "SELECT h.id, h.name, h.kind, h.unit, h.color, h.icon, h.start_date, h.end_date, "
    "h.frequency, h.times_per_period, h.target_days, h.every_n_days, h.goal_value, h.goal_type, "
    "r.effective_from, r.frequency, r.times_per_period, r.target_days, r.every_n_days, "
    "r.goal_value, r.goal_type "
    "FROM habits h LEFT JOIN habit_rules r ON r.habit_id = h.id "
)


def _with_rules(rows: Sequence[Row]) -> list[tuple[HabitRow, list[RuleRow]]]:
    """Rows of habit x rule version (ordered by habit) -> each habit with its versions."""
    habits: list[tuple[HabitRow, list[RuleRow]]] = []
    for row in rows:
        if not habits or habits[-1][0].id != row[0]:
            habits.append((HabitRow(*row[:14]), []))
        if row[14] is not None:
            habits[-1][1].append(RuleRow(*row[14:]))
    return habits


class ListedHabit(NamedTuple):
    """A habit as `GET /habits` shows it (kit/rawsql.py): every column of `HabitRead`."""

    id: int
    name: str
    description: str | None
    kind: str
    frequency: str
    times_per_period: int
    target_days: int
    every_n_days: int
    goal_value: float | None
    goal_type: str
    unit: str | None
    start_date: date
    end_date: date | None
    color: str | None
    icon: str | None
    position: int
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


LISTED_COLUMNS = ", ".join(ListedHabit._fields)
# What `?sort=` may name, and the column it sorts by (names sort case-insensitively).
SORT_COLUMNS = {
    "name": "name_key",
    "frequency": "frequency",
    "created_at": "created_at",
    "position": "position",
}


class Archived(StrEnum):
    """`GET /habits?archived=`: `false` the active habits, `true` the archived ones, `all` both
    (any case)."""

    false = "false"
    true = "true"
    all = "all"

    @classmethod
    def _missing_(cls, value: object) -> Archived | None:
        if isinstance(value, str):
            for choice in cls:
                if choice.value == value.lower():
                    return choice
        return None


@dataclass(frozen=True)
class HabitFilter:
    """`GET /habits`'s filters: the active habits unless `archived` says otherwise; None leaves
    a field unfiltered."""

    archived: Archived = Archived.false
    name_contains: str | None = None
    frequency: str | None = None
    kind: str | None = None
