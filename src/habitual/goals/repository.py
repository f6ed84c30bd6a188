"""Every query on goals, always scoped to the owner, and the goals' read of a habit's check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func, select

from habitual.db import Repository
from habitual.habitmath.periods import DayRecord
from habitual.habitmath.schedule import STATUSES
from habitual.kit.pagination import PageParams
from habitual.models import Goal, GoalState


class OpenGoal(NamedTuple):
    """An open goal as the check-in path reads it (on the driver)."""

    id: int
    target: int
    start_date: date
    end_date: date | None
    consecutive: bool


class GoalRepository(Repository):
    async def get_for_owner(self, user_id: int, habit_id: int, goal_id: int) -> Goal | None:
        statement = select(Goal).where(
            Goal.id == goal_id, Goal.habit_id == habit_id, Goal.user_id == user_id
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def open_goal(self, habit_id: int) -> Goal | None:
        statement = select(Goal).where(Goal.habit_id == habit_id, Goal.state == GoalState.open)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def page(
        self, user_id: int, habit_id: int, paging: PageParams
    ) -> tuple[Sequence[Goal], int]:
        """A page of the habit's goals, newest first, and how many it has."""
        where = (Goal.user_id == user_id, Goal.habit_id == habit_id)
        total = (
            await self.session.execute(select(func.count()).select_from(Goal).where(*where))
        ).scalar_one()
        statement = (
            select(Goal)
            .where(*where)
            .order_by(Goal.created_at.desc(), Goal.id.desc())
            .limit(paging.page_size)
            .offset(paging.offset)
        )
        return (await self.session.execute(statement)).scalars().all(), total

    async def add(self, goal: Goal) -> Goal:
        """Add a goal; a second open goal of the habit fails the flush with IntegrityError."""
        self.session.add(goal)
        await self.session.flush()
        return goal

    # --- on the driver: the check-in path, and the check-ins the goals are judged by ---

    async def open_goal_locked(self, habit_id: int) -> OpenGoal | None:
        """The habit's open goal, its row held until the transaction ends, in one statement
        (an UPDATE that changes nothing: the same text locks on PostgreSQL and SQLite, where a
        writer holds the whole database anyway). Two check-ins that together reach a goal
        then judge it one after the other, the second seeing the first's check-in. Without an
        open goal, this is the only statement a met check-in pays for goals."""
        row = await (await self.connection()).fetchrow(
            "UPDATE goals SET state = state WHERE habit_id = $1 AND state = 'open' "
            "RETURNING id, target, start_date, end_date, consecutive",
            habit_id,
        )
        return None if row is None else OpenGoal(*row)

    async def mark_achieved(self, goal_id: int, achieved_on: date, now: datetime) -> bool:
        """Record an open goal as achieved; False if it was not open (any more)."""
        row = await (await self.connection()).fetchrow(
            "UPDATE goals SET state = 'achieved', achieved_on = $2, closed_at = $3, "
            "updated_at = $3 WHERE id = $1 AND state = 'open' RETURNING id",
            goal_id,
            achieved_on,
            now,
        )
        return row is not None

    async def days_of(self, habit_id: int, since: date) -> dict[date, DayRecord]:
        """The habit's check-ins from `since` on, as the habit maths reads them."""
        rows = await (await self.connection()).fetch(
            "SELECT local_date, status, value FROM checkins "
            "WHERE habit_id = $1 AND local_date >= $2",
            habit_id,
            since,
        )
        return {local: DayRecord(STATUSES[status], value) for local, status, value in rows}
