"""Every query on calendar feeds: the owner's one feed, and the public look-up by digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from habitual.db import Repository
from habitual.models import CalendarFeed, User


class CalendarFeedRepository(Repository):
    async def replace(self, user_id: int, token_hash: str, now: datetime) -> None:
        """Make `token_hash` the user's feed, in one statement: the unique key decides between
        two concurrent calls, and the older URL stops working."""
        await (await self.connection()).execute(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, "
            "created_at = excluded.created_at",
            user_id,
            token_hash,
            now,
        )

    async def delete(self, user_id: int) -> bool:
        result = await self.session.execute(
            delete(CalendarFeed).where(CalendarFeed.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def owner(self, token_hash: str) -> User | None:
        """The user whose feed has this digest; None for an unknown or revoked one."""
        statement = (
            select(User)
            .join(CalendarFeed, CalendarFeed.user_id == User.id)
            .where(CalendarFeed.token_hash == token_hash)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()
