"""Every query on accounts, their profiles, their one-time tokens and their Idempotency-Keys."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select, update

from habitual.db import Repository
from habitual.kit.clock import utcnow
from habitual.kit.idempotency import RETENTION
from habitual.models import (
    IdempotencyKey,
    OneTimeToken,
    PasswordResetRequest,
    Profile,
    TokenPurpose,
    User,
)


class UserRepository(Repository):
    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def by_login(self, identifier: str) -> User | None:
        """The account whose username or email is `identifier`, ignoring case."""
        key = identifier.strip().lower()
        if "\x00" in key:
            return None  # no account has one, and PostgreSQL refuses NUL in text
        column = User.email_key if "@" in key else User.username_key
        return (await self.session.execute(select(User).where(column == key))).scalar_one_or_none()

    async def by_email(self, email: str) -> User | None:
        """The account with this email, ignoring case."""
        key = email.strip().lower()
        if "\x00" in key:
            return None
        return (
            await self.session.execute(select(User).where(User.email_key == key))
        ).scalar_one_or_none()

    async def taken(
        self,
        *,
        username_key: str | None = None,
        email_key: str | None = None,
        except_user_id: int | None = None,
    ) -> str | None:
        """Which of username/email already belongs to another account, if any."""
        for field, column, key in (
            ("username", User.username_key, username_key),
            ("email", User.email_key, email_key),
        ):
            if key is None:
                continue
            statement = select(User.id).where(column == key)
            if except_user_id is not None:
                statement = statement.where(User.id != except_user_id)
            if (await self.session.execute(statement.limit(1))).first() is not None:
                return field
        return None

    async def add(self, user: User) -> User:
        """Insert the account with its (empty) profile."""
        self.session.add(user)
        await self.session.flush()
        self.session.add(Profile(user_id=user.id))
        await self.session.flush()
        return user

    async def delete(self, user: User) -> None:
        await self.session.execute(delete(User).where(User.id == user.id))

    async def profile(self, user_id: int) -> Profile | None:
        return await self.session.get(Profile, user_id)

    async def purge_expired_idempotency_keys(self) -> int:
        """Delete Idempotency-Keys past their retention (the worker calls this now and then).

        The keys are the user's answers to replay, deleted with the account; kit/idempotency.py
        writes and reads them on the driver, inside the request's transaction.
        """
        result = await self.session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - RETENTION)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SpentToken(NamedTuple):
    user_id: int
    email: str


class OneTimeTokenRepository(Repository):
    """The tokens mailed to an account (password resets, email verification), by digest."""

    async def add(
        self,
        token_hash: str,
        purpose: TokenPurpose,
        user_id: int,
        email: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> None:
        self.session.add(
            OneTimeToken(
                token_hash=token_hash,
                purpose=purpose,
                user_id=user_id,
                email=email,
                created_at=created_at,
                expires_at=expires_at,
            )
        )
        await self.session.flush()

    async def spend(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> SpentToken | None:
        """Mark an unused, unexpired token of this purpose used; whose it was and the address it
        went to, or None. One conditional UPDATE: of two concurrent uses exactly one wins."""
        statement = (
            update(OneTimeToken)
            .where(
                OneTimeToken.token_hash == token_hash,
                OneTimeToken.purpose == purpose,
                OneTimeToken.used_at.is_(None),
                OneTimeToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(OneTimeToken.user_id, OneTimeToken.email)
        )
        row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else SpentToken(*row)

    async def spend_outstanding(
        self, user_id: int, now: datetime, purpose: TokenPurpose | None = None
    ) -> None:
        """Make every unused token of the account (of one purpose, if given) unusable."""
        statement = update(OneTimeToken).where(
            OneTimeToken.user_id == user_id, OneTimeToken.used_at.is_(None)
        )
        if purpose is not None:
            statement = statement.where(OneTimeToken.purpose == purpose)
        await self.session.execute(statement.values(used_at=now))

    async def purge_expired(self, before: datetime) -> int:
        """Delete tokens that expired before `before` (the worker's housekeeping)."""
        result = await self.session.execute(
            delete(OneTimeToken).where(OneTimeToken.expires_at < before)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class PasswordResetRequestRepository(Repository):
    """The addresses a reset was asked for, waiting for the worker."""

    async def add(self, email_key: str) -> None:
        self.session.add(PasswordResetRequest(email_key=email_key))
        await self.session.flush()

    async def take(self, limit: int) -> list[tuple[str, datetime]]:
        """Remove up to `limit` requests, oldest first; their addresses and times. Rows another
        worker has locked meanwhile are skipped (PostgreSQL; SQLite serialises writers)."""
        statement = (
            select(
                PasswordResetRequest.id,
                PasswordResetRequest.email_key,
                PasswordResetRequest.created_at,
            )
            .order_by(PasswordResetRequest.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await self.session.execute(statement)).all()
        if rows:
            await self.session.execute(
                delete(PasswordResetRequest).where(
                    PasswordResetRequest.id.in_([row.id for row in rows])
                )
            )
        return [(row.email_key, row.created_at) for row in rows]
