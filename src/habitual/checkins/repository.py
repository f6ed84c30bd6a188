"""Every query on check-ins, scoped to the owner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.models import Checkin


class CheckinRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def on(self, habit_id: int, local_date: date) -> Checkin | None:
        statement = select(Checkin).where(
            Checkin.habit_id == habit_id, Checkin.local_date == local_date
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def between(self, habit_id: int, first: date, last: date) -> Sequence[Checkin]:
        statement = (
            select(Checkin)
            .where(
                Checkin.habit_id == habit_id,
                Checkin.local_date >= first,
                Checkin.local_date <= last,
            )
            .order_by(Checkin.local_date)
        )
        return (await self.session.execute(statement)).scalars().all()

    async def of_user_between(self, user_id: int, first: date, last: date) -> Sequence[Checkin]:
        statement = select(Checkin).where(
            Checkin.user_id == user_id,
            Checkin.local_date >= first,
            Checkin.local_date <= last,
        )
        return (await self.session.execute(statement)).scalars().all()

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
    ) -> tuple[Checkin, bool]:
        """Create or replace the day's check-in; True if it was created.

        The unique index decides between two concurrent writers: the insert runs in a savepoint,
        and the one that loses the race replaces the winner's row instead.
        """
        existing = await self.on(habit_id, local_date)
        if existing is None:
            checkin = Checkin(
                user_id=user_id,
                habit_id=habit_id,
                local_date=local_date,
                status=status,
                value=value,
                note=note,
                created_at=now,
                updated_at=now,
            )
            try:
                async with self.session.begin_nested():
                    self.session.add(checkin)
                return checkin, True
            except IntegrityError:
                existing = await self.on(habit_id, local_date)
                assert existing is not None
        await self.session.execute(
            update(Checkin)
            .where(Checkin.id == existing.id)
            .values(status=status, value=value, note=note, updated_at=now)
        )
        await self.session.refresh(existing)
        return existing, False

    async def add_to_total(
        self,
        user_id: int,
        habit_id: int,
        local_date: date,
        *,
        amount: float,
        note: str | None,
        now: datetime,
    ) -> Checkin:
        """Add `amount` to the day's value, atomically: concurrent additions all count."""
        if await self.on(habit_id, local_date) is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(
                        Checkin(
                            user_id=user_id,
                            habit_id=habit_id,
                            local_date=local_date,
                            status="done",
                            value=amount,
                            note=note,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                checkin = await self.on(habit_id, local_date)
                assert checkin is not None
                return checkin
            except IntegrityError:
                pass  # someone else created the day meanwhile: add to theirs
        values: dict[str, object] = {
            "status": "done",
            # Evaluated by the database under the row lock, so concurrent additions all count.
            "value": func.coalesce(Checkin.value, 0.0) + amount,
            "updated_at": now,
        }
        if note is not None:
            values["note"] = note
        await self.session.execute(
            update(Checkin)
            .where(Checkin.habit_id == habit_id, Checkin.local_date == local_date)
            .values(**values)
        )
        checkin = await self.on(habit_id, local_date)
        assert checkin is not None
        await self.session.refresh(checkin)
        return checkin

    async def delete_on(self, habit_id: int, local_date: date) -> bool:
        result = await self.session.execute(
            delete(Checkin).where(Checkin.habit_id == habit_id, Checkin.local_date == local_date)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
