"""Every query on check-ins, scoped to the owner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.kit.upsert import insert_for
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

        The unique index decides between concurrent writers (`ON CONFLICT DO UPDATE`). Whether
        the row was new: PostgreSQL says so itself (`xmax = 0` only for an inserted row); SQLite
        runs one writer at a time, so a look-up first is exact there.
        """
        postgres = self.session.get_bind().dialect.name == "postgresql"
        existed = False if postgres else await self.on(habit_id, local_date) is not None
        statement = (
            insert_for(self.session, Checkin)
            .values(
                user_id=user_id,
                habit_id=habit_id,
                local_date=local_date,
                status=status,
                value=value,
                note=note,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_update(
                index_elements=[Checkin.habit_id, Checkin.local_date],
                set_={"status": status, "value": value, "note": note, "updated_at": now},
            )
            .returning(Checkin, literal_column("xmax = 0") if postgres else literal(not existed))
        )
        checkin, inserted = (await self.session.execute(statement)).one()
        return checkin, bool(inserted)

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
        """Add `amount` to the day's value in one statement: the database adds under the row
        lock, so concurrent additions all count."""
        statement = insert_for(self.session, Checkin).values(
            user_id=user_id,
            habit_id=habit_id,
            local_date=local_date,
            status="done",
            value=amount,
            note=note,
            created_at=now,
            updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[Checkin.habit_id, Checkin.local_date],
            set_={
                "status": "done",
                "value": func.coalesce(Checkin.value, 0.0) + statement.excluded.value,
                "note": func.coalesce(statement.excluded.note, Checkin.note),
                "updated_at": now,
            },
        ).returning(Checkin)
        checkin: Checkin = (await self.session.execute(statement)).scalar_one()
        return checkin

    async def delete_on(self, habit_id: int, local_date: date) -> bool:
        result = await self.session.execute(
            delete(Checkin).where(Checkin.habit_id == habit_id, Checkin.local_date == local_date)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
