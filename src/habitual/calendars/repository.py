"""Every query on calendar feeds (the owner's one feed, and the public look-up by digest) and on
CalDAV accounts (the owner's one account, and the worker's claims on those due a sync)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update

from habitual.db import Repository
from habitual.models import CaldavAccount, CalendarFeed, User


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


class CaldavAccountRepository(Repository):
    async def get(self, user_id: int) -> CaldavAccount | None:
        return await self.session.get(CaldavAccount, user_id, populate_existing=True)

    async def replace(
        self, user_id: int, url: str, username: str, sealed_password: str, now: datetime
    ) -> None:
        """Make this the user's CalDAV account and ask for a sync, in one statement (the unique
        key decides between two concurrent calls). What was pushed is kept when the URL stays:
        the next sync then deletes the events gone since, instead of losing track of them."""
        await (await self.connection()).execute(
            "INSERT INTO caldav_accounts (user_id, url, username, sealed_password, pushed, "
            "sync_requested, last_checked_at, last_synced_at, last_error, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, '{}', $5, NULL, NULL, NULL, $6, $6) "
            "ON CONFLICT (user_id) DO UPDATE SET username = excluded.username, "
            "sealed_password = excluded.sealed_password, sync_requested = excluded.sync_requested, "
            "pushed = CASE WHEN caldav_accounts.url = excluded.url THEN caldav_accounts.pushed "
            "ELSE excluded.pushed END, url = excluded.url, last_error = NULL, "
            "updated_at = excluded.updated_at",
            user_id,
            url,
            username,
            sealed_password,
            True,
            now,
        )

    async def delete(self, user_id: int) -> bool:
        result = await self.session.execute(
            delete(CaldavAccount).where(CaldavAccount.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def due(self, checked_before: datetime, limit: int) -> list[int]:
        """Whose accounts want a sync: asked for, or not checked since `checked_before`."""
        statement = (
            select(CaldavAccount.user_id)
            .where(_is_due(checked_before))
            .order_by(CaldavAccount.last_checked_at.is_not(None), CaldavAccount.last_checked_at)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).scalars())

    async def claim(self, user_id: int, checked_before: datetime, now: datetime) -> bool:
        """Take the account's sync, if it is still due: one conditional statement, so that of
        several workers only one pushes it."""
        result = await self.session.execute(
            update(CaldavAccount)
            .where(CaldavAccount.user_id == user_id, _is_due(checked_before))
            .values(last_checked_at=now, sync_requested=False)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record(
        self,
        account: CaldavAccount,
        pushed: dict[str, str],
        *,
        error: str | None,
        synced_at: datetime | None,
    ) -> None:
        """Write a sync's outcome, unless the account was replaced meanwhile (another URL or
        user name: what was pushed was pushed elsewhere) or forgotten."""
        values: dict[str, object] = {"pushed": pushed, "last_error": error}
        if synced_at is not None:
            values["last_synced_at"] = synced_at
        await self.session.execute(
            update(CaldavAccount)
            .where(
                CaldavAccount.user_id == account.user_id,
                CaldavAccount.url == account.url,
                CaldavAccount.username == account.username,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _is_due(checked_before: datetime) -> ColumnElement[bool]:
    return or_(
        CaldavAccount.sync_requested.is_(True),
        CaldavAccount.last_checked_at.is_(None),
        CaldavAccount.last_checked_at < checked_before,
    )
