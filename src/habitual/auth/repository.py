"""Every query on credentials: sessions, refresh tokens, personal access tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select, update

from habitual.db import Repository
from habitual.kit.rawsql import from_json
from habitual.models import AuthSession, PersonalAccessToken, RefreshToken, User


class CallerRow(NamedTuple):
    id: int
    role: str
    timezone: str
    week_start: int
    day_start: int
    rate_limit: str | None  # the user's plan; None: the server's default


class PersonalTokenRow(NamedTuple):
    token_id: int
    scopes: list[str]
    expires_at: datetime | None
    last_used_at: datetime | None
    is_active: bool
    rate_limit: str | None  # the token's own plan, lower than its user's; None: the user's
    caller: CallerRow


class AuthRepository(Repository):
    """Credentials: login sessions, refresh tokens and personal access tokens, and the caller
    each names."""

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

    async def personal_tokens(self, user_id: int) -> Sequence[PersonalAccessToken]:
        statement = (
            select(PersonalAccessToken)
            .where(PersonalAccessToken.user_id == user_id)
            .order_by(PersonalAccessToken.created_at.desc(), PersonalAccessToken.id.desc())
        )
        return (await self.session.execute(statement)).scalars().all()

    async def add_personal_token(self, token: PersonalAccessToken) -> PersonalAccessToken:
        self.session.add(token)
        await self.session.flush()
        return token

    async def delete_personal_token(self, user_id: int, token_id: int) -> bool:
        statement = delete(PersonalAccessToken).where(
            PersonalAccessToken.id == token_id, PersonalAccessToken.user_id == user_id
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- on the driver: the look-up every request starts with, one statement; through the ORM
    # it was ~14% of a `GET /today` (bench/profile_hot_paths.py) ---

    async def caller_of_session(self, user_id: int, session_id: int) -> CallerRow | None:
        row = await (await self.connection()).fetchrow(
            "SELECT u.id, u.role, u.timezone, u.week_start, u.day_start, u.rate_limit "
            "FROM auth_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.id = $1 AND u.id = $2 AND s.revoked_at IS NULL AND u.is_active",
            session_id,
            user_id,
        )
        return None if row is None else CallerRow(*row)

    async def caller_of_personal_token(self, token_hash: str) -> PersonalTokenRow | None:
        row = await (await self.connection()).fetchrow(
            "SELECT t.id, t.scopes, t.expires_at, t.last_used_at, u.is_active, t.rate_limit, "
            "u.id, u.role, u.timezone, u.week_start, u.day_start, u.rate_limit "
            "FROM personal_access_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = $1",
            token_hash,
        )
        if row is None:
            return None
        token_id, scopes, expires_at, last_used_at, is_active, rate_limit, *caller = row
        return PersonalTokenRow(
            token_id,
            from_json(scopes),
            expires_at,
            last_used_at,
            is_active,
            rate_limit,
            CallerRow(*caller),
        )

    async def touch_personal_token(self, token_id: int, now: datetime) -> None:
        await (await self.connection()).execute(
            "UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2", now, token_id
        )
