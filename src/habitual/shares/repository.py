"""Every query on share links: an owner's own, and the public look-up by token digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select

from habitual.db import Repository
from habitual.models import HabitShare, User


class ShareRepository(Repository):
    async def for_habit(self, user_id: int, habit_id: int) -> Sequence[HabitShare]:
        """The habit's links, newest first (expired ones too: their owner may revoke them)."""
        statement = (
            select(HabitShare)
            .where(HabitShare.user_id == user_id, HabitShare.habit_id == habit_id)
            .order_by(HabitShare.created_at.desc(), HabitShare.id.desc())
        )
        return (await self.session.execute(statement)).scalars().all()

    async def count_for_habit(self, habit_id: int) -> int:
        statement = (
            select(func.count()).select_from(HabitShare).where(HabitShare.habit_id == habit_id)
        )
        return (await self.session.execute(statement)).scalar_one()

    async def add(self, share: HabitShare) -> HabitShare:
        self.session.add(share)
        await self.session.flush()
        return share

    async def delete(self, user_id: int, habit_id: int, share_id: int) -> bool:
        statement = delete(HabitShare).where(
            HabitShare.id == share_id,
            HabitShare.habit_id == habit_id,
            HabitShare.user_id == user_id,
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def live(self, token_hash: str, now: datetime) -> tuple[HabitShare, User] | None:
        """The unexpired link with this digest and its owner; None when there is none."""
        statement = (
            select(HabitShare, User)
            .join(User, User.id == HabitShare.user_id)
            .where(
                HabitShare.token_hash == token_hash,
                or_(HabitShare.expires_at.is_(None), HabitShare.expires_at > now),
            )
        )
        row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else (row[0], row[1])
