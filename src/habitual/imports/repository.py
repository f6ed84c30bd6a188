"""Every query of an import: its record, which habit each source habit became, and what the
habits it goes to already hold (days checked, reminders, goals)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, insert, select, update

from habitual.db import Repository
from habitual.kit.clock import utcnow
from habitual.models import Checkin, Goal, Habit, HabitImport, ImportedHabit, Reminder


class KnownHabit(NamedTuple):
    id: int
    name_key: str
    kind: str
    start_date: date
    end_date: date | None
    archived: bool


class ImportRepository(Repository):
    async def habits(self, user_id: int) -> list[KnownHabit]:
        rows = await self.session.execute(
            select(
                Habit.id,
                Habit.name_key,
                Habit.kind,
                Habit.start_date,
                Habit.end_date,
                Habit.archived_at.is_not(None),
            ).where(Habit.user_id == user_id)
        )
        return [KnownHabit(*row) for row in rows]

    async def mapped(self, user_id: int) -> dict[str, int]:
        """Which habit each source habit of an earlier import became, by source key."""
        rows = await self.session.execute(
            select(ImportedHabit.source_key, ImportedHabit.habit_id).where(
                ImportedHabit.user_id == user_id
            )
        )
        return {str(key): int(value) for key, value in rows.all()}

    async def map(self, user_id: int, source_key: str, habit_id: int) -> None:
        await self.session.merge(
            ImportedHabit(user_id=user_id, source_key=source_key, habit_id=habit_id)
        )

    async def checked_days(self, habit_id: int) -> set[date]:
        rows = await self.session.scalars(
            select(Checkin.local_date).where(Checkin.habit_id == habit_id)
        )
        return set(rows)

    async def reminders(self, habit_id: int) -> set[tuple[str, int]]:
        """The habit's reminders as (local time, weekday mask)."""
        rows = await self.session.execute(
            select(Reminder.local_time, Reminder.days).where(Reminder.habit_id == habit_id)
        )
        return {(first, second) for first, second in rows}

    async def goal_keys(self, habit_id: int) -> set[tuple[int, date]]:
        rows = await self.session.execute(
            select(Goal.target, Goal.start_date).where(Goal.habit_id == habit_id)
        )
        return {(first, second) for first, second in rows}

    async def add_checkins(self, rows: Sequence[dict[str, object]]) -> None:
        """Many check-ins in a few statements (SQLAlchemy batches the VALUES)."""
        now = utcnow()
        for start in range(0, len(rows), 5_000):
            batch = [
                {**row, "created_at": now, "updated_at": now} for row in rows[start : start + 5_000]
            ]
            await self.session.execute(insert(Checkin), batch)

    async def outdate_carries(self, habit_ids: Sequence[int]) -> None:
        """The stats carries of these habits no longer hold (see checkins/repository.py)."""
        if habit_ids:
            await self.session.execute(
                update(Habit)
                .where(Habit.id.in_(habit_ids))
                .values(history_version=Habit.history_version + 1)
            )

    async def add(self, record: HabitImport) -> HabitImport:
        self.session.add(record)
        await self.session.flush()
        return record

    async def get(self, user_id: int, import_id: int) -> HabitImport | None:
        return await self.session.scalar(
            select(HabitImport).where(HabitImport.id == import_id, HabitImport.user_id == user_id)
        )

    async def page(self, user_id: int, offset: int, limit: int) -> tuple[list[HabitImport], int]:
        total = await self.session.scalar(
            select(func.count()).select_from(HabitImport).where(HabitImport.user_id == user_id)
        )
        rows = await self.session.scalars(
            select(HabitImport)
            .where(HabitImport.user_id == user_id)
            .order_by(HabitImport.created_at.desc(), HabitImport.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(rows), total or 0
