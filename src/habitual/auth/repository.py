"""Queries behind authentication: sessions, refresh tokens, personal access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.models import AuthSession, PersonalAccessToken, RefreshToken, User


class AuthRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def user_with_live_session(self, user_id: int, session_id: int) -> User | None:
        """The active user of an unrevoked login, in one round trip."""
        statement = (
            select(User)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                User.id == user_id,
                User.is_active.is_(True),
                AuthSession.id == session_id,
                AuthSession.revoked_at.is_(None),
            )
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def personal_token_with_user(
        self, token_hash: str
    ) -> tuple[PersonalAccessToken, User] | None:
        statement = (
            select(PersonalAccessToken, User)
            .join(User, User.id == PersonalAccessToken.user_id)
            .where(PersonalAccessToken.token_hash == token_hash)
        )
        row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def touch_personal_token(self, token_id: int, now: datetime) -> None:
        await self.session.execute(
            update(PersonalAccessToken)
            .where(PersonalAccessToken.id == token_id)
            .values(last_used_at=now)
        )

    async def add_session(self, user_id: int, user_agent: str | None) -> AuthSession:
        auth_session = AuthSession(user_id=user_id, user_agent=user_agent)
        self.session.add(auth_session)
        await self.session.flush()
        return auth_session

    async def add_refresh_token(
        self, session_id: int, token_hash: str, expires_at: datetime
    ) -> None:
        self.session.add(
            RefreshToken(session_id=session_id, token_hash=token_hash, expires_at=expires_at)
        )
        await self.session.flush()

    async def spend_refresh_token(self, token_hash: str, now: datetime) -> int | None:
        """Mark an unspent, unexpired token spent; its session id, or None if it was not.

        One conditional UPDATE, so of two concurrent refreshes exactly one wins.
        """
        statement = (
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == token_hash,
                RefreshToken.spent_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(spent_at=now)
            .returning(RefreshToken.session_id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def refresh_token_session(self, token_hash: str, user_id: int) -> AuthSession | None:
        statement = (
            select(AuthSession)
            .join(RefreshToken, RefreshToken.session_id == AuthSession.id)
            .where(RefreshToken.token_hash == token_hash, AuthSession.user_id == user_id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def live_session_user(self, session_id: int) -> User | None:
        statement = (
            select(User)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                AuthSession.id == session_id,
                AuthSession.revoked_at.is_(None),
                User.is_active.is_(True),
            )
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def revoke_session(self, session_id: int, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_all_sessions(self, user_id: int, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
