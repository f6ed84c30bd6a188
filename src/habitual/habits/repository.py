"""Every query on habits and their rule versions, always scoped to the owner."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, update

from habitual.db import Repository
from habitual.habitmath.schedule import Rule
from habitual.habits.rules import rule_from_values
from habitual.kit.like import escape_like
from habitual.kit.rawsql import Row
from habitual.models import Habit, HabitRule, User
from habitual.models.habit_rule import RULE_COLUMNS

# Ids one statement may list (every database limits a statement's parameters).
MAX_IDS_PER_STATEMENT = 5000


class HabitRepository(Repository):
    """Habits and their rule versions, always scoped to the owner. The hot paths' look-ups
    (`owned`, `active_on`, `page`) run on the driver: each habit with its rule versions in one
    statement, where the ORM took two (~35% of `GET /today` in SQLAlchemy), and a page with its
    total in one (a window count), where the ORM took two statements and two thread hops (~6 ms
    a page in-process on SQLite, bench/README.md)."""

    async def get(self, habit_id: int) -> Habit | None:
        """Anyone's habit: for administrators only."""
        return await self.session.get(Habit, habit_id)

    async def owner_username(self, habit: Habit) -> str:
        statement = select(User.username).where(User.id == habit.user_id)
        return (await self.session.execute(statement)).scalar_one()

    async def get_for_owner(self, user_id: int, habit_id: int) -> Habit | None:
        statement = select(Habit).where(Habit.id == habit_id, Habit.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def count_for_owner_locked(self, user_id: int) -> int:
        """How many habits the owner has, archived ones too, holding the owner's row until the
        transaction ends: parallel creations then count one after another (on PostgreSQL; a
        SQLite writer holds the whole database already)."""
        await self.session.execute(select(User.id).where(User.id == user_id).with_for_update())
        statement = select(func.count()).select_from(Habit).where(Habit.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one()

    async def get_for_owner_locked(self, user_id: int, habit_id: int) -> Habit | None:
        """`get_for_owner`, holding the habit's row until the transaction ends."""
        statement = (
            select(Habit).where(Habit.id == habit_id, Habit.user_id == user_id).with_for_update()
        )
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

    async def rule_versions(self, habit_ids: list[int]) -> dict[int, list[HabitRule]]:
        """The rule versions of each of these habits, oldest first: one statement."""
        versions: dict[int, list[HabitRule]] = defaultdict(list)
        for version in await self.session.scalars(
            select(HabitRule)
            .where(HabitRule.habit_id.in_(habit_ids))
            .order_by(HabitRule.habit_id, HabitRule.effective_from)
        ):
            versions[version.habit_id].append(version)
        return versions

    async def put_rule(
        self, habit_id: int, effective_from: date, columns: dict[str, object]
    ) -> None:
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

    async def fed_by_data(self, user_id: int) -> dict[str, list[tuple[HabitRow, list[Rule]]]]:
        """The user's active habits fed by fitness data, with their rules, by metric: one
        statement when there are none (most people), two otherwise."""
        connection = await self.connection()
        rows = await connection.fetch(
            "SELECT id, data_source_metric FROM habits WHERE user_id = $1 "
            "AND archived_at IS NULL AND data_source_metric IS NOT NULL",
            user_id,
        )
        if not rows:
            return {}
        habits = await self.with_rules([row[0] for row in rows])
        fed: dict[str, list[tuple[HabitRow, list[Rule]]]] = defaultdict(list)
        for habit_id, metric in sorted((row[0], row[1]) for row in rows):
            fed[metric].append(habits[habit_id])
        return fed

    # --- on the driver, for the hot paths ---

    async def owned(self, user_id: int, habit_id: int) -> tuple[HabitRow, list[Rule]] | None:
        """The user's habit with its rules (`_with_rules`), or None."""
        rows = await (await self.connection()).fetch(
            HABITS_WITH_RULES + "WHERE h.id = $1 AND h.user_id = $2 ORDER BY r.effective_from",
            habit_id,
            user_id,
        )
        habits = _with_rules(rows)
        return habits[0] if habits else None

    async def with_rules(self, habit_ids: list[int]) -> dict[int, tuple[HabitRow, list[Rule]]]:
        """These habits (whoever owns them: the caller checks) with their rules, by id."""
        found: dict[int, tuple[HabitRow, list[Rule]]] = {}
        for chunk in range(0, len(habit_ids), MAX_IDS_PER_STATEMENT):
            ids = habit_ids[chunk : chunk + MAX_IDS_PER_STATEMENT]
            placeholders = ", ".join(f"${number}" for number in range(1, len(ids) + 1))
            rows = await (await self.connection()).fetch(
                HABITS_WITH_RULES + f"WHERE h.id IN ({placeholders}) "
                "ORDER BY h.id, r.effective_from",
                *ids,
            )
            found.update((habit.id, (habit, rules)) for habit, rules in _with_rules(rows))
        return found

    async def active_on(self, user_id: int, day: date) -> list[tuple[HabitRow, list[Rule]]]:
        """The user's habits running on `day`, in their order, with their rules."""
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
    ) -> tuple[list[ListedHabit], int, list[int]]:
        """A page of the user's habits that `where` lets through, how many it lets in all, and
        which of the page's habits have categories (most have none: then their lookup, a
        statement costing GET /habits ~7% of its instructions, is not needed)."""
        rows, total = await self._page(
            user_id, where, sort, descending, limit, offset, extra=_HAS_CATEGORIES
        )
        return (
            [_listed(row) for row in rows],
            total,
            [row[0] for row in rows if row[_LISTED_END]],
        )

    async def page_of_everyone(
        self,
        owner_id: int | None,
        where: HabitFilter,
        sort: str,
        descending: bool,
        limit: int,
        offset: int,
    ) -> tuple[list[OwnedHabit], int]:
        """`page` across every account (or `owner_id`'s), each habit with its owner."""
        rows, total = await self._page(
            owner_id, where, sort, descending, limit, offset, extra=OWNER_COLUMNS
        )
        return [
            OwnedHabit(_listed(row), row[_LISTED_END], row[_LISTED_END + 1]) for row in rows
        ], total

    async def _page(
        self,
        owner_id: int | None,
        where: HabitFilter,
        sort: str,
        descending: bool,
        limit: int,
        offset: int,
        extra: str = "",
    ) -> tuple[list[Row], int]:
        conditions, args = self._conditions(owner_id, where)
        direction = "DESC" if descending else "ASC"
        order = f"{SORT_COLUMNS[sort]} {direction}, id {direction}"
        limit_at, offset_at = len(args) + 1, len(args) + 2
        rows = await (await self.connection()).fetch(
            f"SELECT {LISTED_COLUMNS}{extra}, count(*) OVER () FROM habits WHERE {conditions} "  # noqa: S608 - whitelisted names
            f"ORDER BY {order} LIMIT ${limit_at} OFFSET ${offset_at}",
            *args,
            limit,
            offset,
        )
        if rows:
            return rows, int(rows[0][-1])
        if offset == 0:
            return [], 0
        # Past the last page: the window had no row to count on.
        total = await (await self.connection()).fetchrow(
            f"SELECT count(*) FROM habits WHERE {conditions}",  # noqa: S608 - whitelisted names
            *args,
        )
        return [], int(total[0]) if total else 0

    def _conditions(self, owner_id: int | None, where: HabitFilter) -> tuple[str, list[Any]]:
        conditions: list[str] = []
        args: list[Any] = []
        if owner_id is not None:
            args.append(owner_id)
            conditions.append(f"user_id = ${len(args)}")
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
        if where.category_id is not None:
            args.append(where.category_id)
            in_category = "id IN (SELECT habit_id FROM habit_categories WHERE category_id = "
            conditions.append(f"{in_category}${len(args)})")
        return " AND ".join(conditions) or "1 = 1", args


class HabitRow(NamedTuple):
    """A habit as the hot paths read it (kit/rawsql.py): what they show; its rules come beside."""

    id: int
    name: str
    kind: str
    unit: str | None
    color: str | None
    icon: str | None
    start_date: date
    end_date: date | None


_SELECTED = [
    *(f"h.{column}" for column in (*HabitRow._fields, *RULE_COLUMNS)),
    "r.effective_from",
    *(f"r.{column}" for column in RULE_COLUMNS),
]
HABITS_WITH_RULES = (
    f"SELECT {', '.join(_SELECTED)} "  # noqa: S608 - the models' names
    "FROM habits h LEFT JOIN habit_rules r ON r.habit_id = h.id "
)
# Where a row of HABITS_WITH_RULES holds the habit's rule columns, and where the version's.
_HABIT_RULE = len(HabitRow._fields)
_VERSION = _HABIT_RULE + len(RULE_COLUMNS)


def _with_rules(rows: Sequence[Row]) -> list[tuple[HabitRow, list[Rule]]]:
    """Rows of habit x rule version (ordered by habit) -> each habit with its rules, oldest
    first: its stored versions, or its own columns from its start when it has none."""
    habits: list[tuple[HabitRow, list[Rule]]] = []
    for row in rows:
        if not habits or habits[-1][0].id != row[0]:
            habit = HabitRow(*row[:_HABIT_RULE])
            if row[_VERSION] is None:
                own = rule_from_values(habit.start_date, *row[_HABIT_RULE:_VERSION])
                habits.append((habit, [own]))
                continue
            habits.append((habit, []))
        habits[-1][1].append(rule_from_values(*row[_VERSION:]))
    return habits


class ListedHabit(NamedTuple):
    """A habit as `GET /habits` shows it (kit/rawsql.py): every column of `HabitRead`, its rule
    columns as the `Rule` they make."""

    id: int
    name: str
    description: str | None
    kind: str
    unit: str | None
    start_date: date
    end_date: date | None
    color: str | None
    icon: str | None
    position: int
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    data_source_metric: str | None
    rule: Rule


# The columns of a ListedHabit, then the rule's; where they end, and where the start date is.
_LISTED = ListedHabit._fields[:-1]
LISTED_COLUMNS = ", ".join([*_LISTED, *RULE_COLUMNS])
_LISTED_RULE, _LISTED_END = len(_LISTED), len(_LISTED) + len(RULE_COLUMNS)
_LISTED_START = _LISTED.index("start_date")


# Whether a listed habit has categories: an index probe per row, in the page's statement.
_HAS_CATEGORIES = ", EXISTS (SELECT 1 FROM habit_categories c WHERE c.habit_id = habits.id)"


def _listed(row: Row) -> ListedHabit:
    """A row that begins with LISTED_COLUMNS as a ListedHabit."""
    rule = rule_from_values(row[_LISTED_START], *row[_LISTED_RULE:_LISTED_END])
    return ListedHabit._make((*row[:_LISTED_RULE], rule))


class OwnedHabit(NamedTuple):
    """A habit of anyone's, as `GET /admin/habits` lists it: with its owner's id and name."""

    habit: ListedHabit
    user_id: int
    username: str


# After LISTED_COLUMNS, for a list across accounts: the owner (a scalar subquery: `habits` stays
# the only table of the statement, so the filters' and sorts' column names stay unambiguous).
OWNER_COLUMNS = ", user_id, (SELECT username FROM users WHERE users.id = habits.user_id)"


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
    category_id: int | None = None  # only the habits in this category
