"""Loading habit histories for the math: rules and check-ins in as few round trips as possible."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from habitual.db import Repository
from habitual.habitmath.periods import DayRecord, HabitHistory
from habitual.habitmath.schedule import STATUSES, Rule
from habitual.habits.rules import as_rule
from habitual.kit.like import escape_like
from habitual.kit.rawsql import from_json
from habitual.models import Checkin, Habit, HabitRule


class StoredCarry(NamedTuple):
    """A habit's history version and its stored stats carry, if any (habitmath/carry.py)."""

    history_version: int
    carry_version: int | None
    basis: str | None
    state: dict[str, Any] | None


class StatsRepository(Repository):
    """The statistics' read model: habits with their rules and check-ins for the math, and the
    stats carries kept beside them (habitmath/carry.py). A single habit's whole-life statistics
    are a hot path, read on the driver; summaries across habits use the ORM."""

    async def habits(
        self, user_id: int, *, name_contains: str | None = None, habit_id: int | None = None
    ) -> Sequence[Habit]:
        """The user's active habits (or the one asked for), in their order."""
        statement = select(Habit).where(Habit.user_id == user_id)
        if habit_id is not None:
            statement = statement.where(Habit.id == habit_id)
        else:
            statement = statement.where(Habit.archived_at.is_(None))
        if name_contains:
            pattern = f"%{escape_like(name_contains.lower())}%"
            statement = statement.where(Habit.name_key.like(pattern, escape="\\"))
        statement = statement.order_by(Habit.position, Habit.id)
        return (await self.session.execute(statement)).scalars().all()

    async def histories(
        self, habits: Sequence[Habit], week_start: int, first: date | None = None
    ) -> dict[int, HabitHistory]:
        """Each habit's rules and check-ins (from `first`, or all): two queries in all."""
        if not habits:
            return {}
        ids = [habit.id for habit in habits]
        rules: dict[int, list[Rule]] = defaultdict(list)
        rule_rows = await self.session.execute(
            select(HabitRule).where(HabitRule.habit_id.in_(ids)).order_by(HabitRule.effective_from)
        )
        for row in rule_rows.scalars():
            rules[row.habit_id].append(as_rule(row, row.effective_from))
        checkins: dict[int, dict[date, DayRecord]] = defaultdict(dict)
        # Plain rows, not ORM objects: a decade of daily check-ins is thousands of them.
        statement = select(
            Checkin.habit_id, Checkin.local_date, Checkin.status, Checkin.value
        ).where(Checkin.habit_id.in_(ids))
        if first is not None:
            statement = statement.where(Checkin.local_date >= first)
        for habit_id, local_date, status, value in await self.session.execute(statement):
            checkins[habit_id][local_date] = DayRecord(STATUSES[status], value)
        return {
            habit.id: HabitHistory(
                rules=rules.get(habit.id) or [as_rule(habit, habit.start_date)],
                start_date=habit.start_date,
                end_date=habit.end_date,
                checkins=checkins[habit.id],
                week_start=week_start,
            )
            for habit in habits
        }

    async def carry(self, habit_id: int) -> StoredCarry:
        row = await (await self.connection()).fetchrow(
            "SELECT h.history_version, c.history_version, c.basis, c.state "
            "FROM habits h LEFT JOIN habit_stats_carries c ON c.habit_id = h.id WHERE h.id = $1",
            habit_id,
        )
        assert row is not None  # read in the same transaction as the habit itself
        version, carry_version, basis, state = row
        return StoredCarry(
            version, carry_version, basis, None if state is None else from_json(state)
        )

    async def keep_carry(
        self,
        habit_id: int,
        history_version: int,
        basis: str,
        until: date,
        state: dict[str, Any],
        now: datetime,
    ) -> None:
        """Keep a carry made from `history_version`, unless one made from a later version is kept
        already (a carry of an outdated version is kept, and never used). A habit deleted
        since the read fails this with one of `INTEGRITY_ERRORS`."""
        await (await self.connection()).execute(
            "INSERT INTO habit_stats_carries "
            "(habit_id, history_version, basis, until_date, state, computed_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) "
            "ON CONFLICT (habit_id) DO UPDATE SET history_version = excluded.history_version, "
            "basis = excluded.basis, until_date = excluded.until_date, "
            "state = excluded.state, computed_at = excluded.computed_at "
            "WHERE habit_stats_carries.history_version <= excluded.history_version",
            habit_id,
            history_version,
            basis,
            until,
            json.dumps(state, separators=(",", ":")),
            now,
        )
