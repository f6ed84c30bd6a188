"""Every query on reminders: a user's own, always scoped to the owner, and the worker's due ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from habitual.db import Repository
from habitual.kit.pagination import Page, PageParams, ordering, paginate
from habitual.models import Habit, Reminder, User

ItemT = TypeVar("ItemT")

# What `?sort=` may name.
SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "created_at": Reminder.created_at,
    "next_fire_at": Reminder.next_fire_at,
    "time": Reminder.local_time,
}


class ReminderRepository(Repository):
    async def get_for_owner(self, user_id: int, reminder_id: int) -> Reminder | None:
        statement = select(Reminder).where(Reminder.id == reminder_id, Reminder.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def for_owner(self, user_id: int) -> Sequence[Reminder]:
        statement = select(Reminder).where(Reminder.user_id == user_id)
        return (await self.session.execute(statement)).scalars().all()

    async def page(
        self,
        user_id: int,
        sort: str,
        descending: bool,
        paging: PageParams,
        item: Callable[[Reminder], ItemT],
    ) -> Page[ItemT]:
        """A page of the user's reminders, sorted by one of `SORT_COLUMNS`, then by id."""
        statement = (
            select(Reminder)
            .where(Reminder.user_id == user_id)
            .order_by(*ordering(SORT_COLUMNS[sort], descending, Reminder.id))
        )
        return await paginate(self.session, statement, paging, item)

    async def count_for_habit(self, habit_id: int) -> int:
        statement = select(func.count()).select_from(Reminder).where(Reminder.habit_id == habit_id)
        return (await self.session.execute(statement)).scalar_one()

    async def add(self, reminder: Reminder) -> Reminder:
        self.session.add(reminder)
        await self.session.flush()
        return reminder

    async def delete(self, reminder: Reminder) -> None:
        await self.session.delete(reminder)

    # --- for the worker ---

    async def claim_due(self, now: datetime, limit: int) -> list[tuple[Reminder, Habit, User]]:
        """The active reminders due by `now`, oldest first, each with its habit and user, locked
        for this transaction; rows another worker holds are skipped (PostgreSQL; SQLite
        serialises writers)."""
        rows = await self.session.execute(
            select(Reminder, Habit, User)
            .join(Habit, Habit.id == Reminder.habit_id)
            .join(User, User.id == Reminder.user_id)
            .where(Reminder.active.is_(True), Reminder.next_fire_at <= now)
            .order_by(Reminder.next_fire_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Reminder)
        )
        return [(reminder, habit, user) for reminder, habit, user in rows]

    async def record_firings(self, now: datetime, next_fire: Mapping[int, datetime | None]) -> None:
        """Mark reminders fired at `now` and due next at their `next_fire` time (by id), in
        one executemany."""
        await self.session.execute(
            update(Reminder),
            [
                {"id": reminder_id, "last_fired_at": now, "next_fire_at": fire_at}
                for reminder_id, fire_at in next_fire.items()
            ],
        )
