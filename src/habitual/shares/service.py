"""Creating, listing and revoking share links, and what a link shows to anyone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from habitual.db import UnitOfWork
from habitual.errors import NotFound, Unprocessable
from habitual.habits.service import habit_service
from habitual.kit.clock import utcnow
from habitual.kit.secrets import new_token, token_digest
from habitual.kit.timezones import local_today
from habitual.models import HabitShare, User
from habitual.shares.repository import ShareRepository
from habitual.shares.schemas import ShareCreate, SharedHabit
from habitual.stats.service import stats_service
from habitual.users.names import display_name_of

SHARE_TOKEN_PREFIX = "hab_sh_"  # noqa: S105 - a public prefix
MAX_SHARES_PER_HABIT = 20


class ShareService:
    async def create(
        self, uow: UnitOfWork, user: User, habit_id: int, request: ShareCreate
    ) -> tuple[HabitShare, str]:
        """Store a new link's digest; the token itself goes back to the caller only."""
        habit, _ = await habit_service.owned(uow, user, habit_id)
        if request.expires_at is not None and request.expires_at <= utcnow():
            raise Unprocessable("expires_at must be in the future.", field=("body", "expires_at"))
        repository = ShareRepository(uow)
        if await repository.count_for_habit(habit.id) >= MAX_SHARES_PER_HABIT:
            raise Unprocessable(f"At most {MAX_SHARES_PER_HABIT} links per habit; revoke one.")
        token = new_token(SHARE_TOKEN_PREFIX)
        share = HabitShare(
            habit_id=habit.id,
            user_id=user.id,
            token_hash=token_digest(token),
            expires_at=request.expires_at,
        )
        return await repository.add(share), token

    async def list(self, uow: UnitOfWork, user: User, habit_id: int) -> Sequence[HabitShare]:
        habit, _ = await habit_service.owned(uow, user, habit_id)
        return await ShareRepository(uow).for_habit(user.id, habit.id)

    async def delete(self, uow: UnitOfWork, user: User, habit_id: int, share_id: int) -> None:
        habit, _ = await habit_service.owned(uow, user, habit_id)
        if not await ShareRepository(uow).delete(user.id, habit.id, share_id):
            raise NotFound("No such share link.")

    async def shared(self, uow: UnitOfWork, token: str) -> SharedHabit:
        """The figures behind a live link, computed by the stats service as its owner sees
        them; an unknown, revoked or expired link is a 404 that tells which of them it is not."""
        found = await ShareRepository(uow).live(token_digest(token), utcnow())
        if found is None:
            raise NotFound("No such share link.")
        share, owner = found
        # A public read never writes: a stats carry it could move on is left for the owner's.
        stats = (await stats_service.habit_stats(uow, owner, share.habit_id, None, None)).stats
        today = local_today(owner)
        progress = await stats_service.progress(
            uow, owner, date(today.year, 1, 1), today, None, share.habit_id
        )
        (habit,) = progress.habits
        return SharedHabit(
            name=habit.name,
            owner=display_name_of(owner),
            current_streak=stats.current_streak.length,
            longest_streak=stats.longest_streak.length,
            streak_unit=stats.streak_unit,
            success_rate=stats.success_rate,
            year=today.year,
            met_days=[day.date for day in habit.days if day.met],
        )


share_service = ShareService()
