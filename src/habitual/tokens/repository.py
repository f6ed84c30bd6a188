"""Every query on personal access tokens, scoped to their owner."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.models import PersonalAccessToken


class TokenRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def list_for_owner(self, user_id: int) -> Sequence[PersonalAccessToken]:
        statement = (
            select(PersonalAccessToken)
            .where(PersonalAccessToken.user_id == user_id)
            .order_by(PersonalAccessToken.created_at.desc(), PersonalAccessToken.id.desc())
        )
        return (await self.session.execute(statement)).scalars().all()

    async def add(self, token: PersonalAccessToken) -> PersonalAccessToken:
        self.session.add(token)
        await self.session.flush()
        return token

    async def delete_for_owner(self, user_id: int, token_id: int) -> bool:
        statement = delete(PersonalAccessToken).where(
            PersonalAccessToken.id == token_id, PersonalAccessToken.user_id == user_id
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]
