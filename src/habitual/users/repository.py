"""Every query on accounts, their profiles and their Idempotency-Keys."""

from __future__ import annotations

from sqlalchemy import delete, select

from habitual.db import Repository
from habitual.kit.clock import utcnow
from habitual.kit.idempotency import RETENTION
from habitual.models import IdempotencyKey, Profile, User


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
