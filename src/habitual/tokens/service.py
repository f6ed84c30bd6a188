"""Creating and revoking personal access tokens."""

from __future__ import annotations

from collections.abc import Sequence

from habitual.auth.repository import AuthRepository
from habitual.db import UnitOfWork
from habitual.deps import PERSONAL_TOKEN_PREFIX
from habitual.errors import NotFound, Unprocessable
from habitual.kit.clock import utcnow
from habitual.kit.secrets import new_token, token_digest
from habitual.models import PersonalAccessToken, User
from habitual.tokens.schemas import TokenCreate

MAX_TOKENS_PER_USER = 100
DISPLAY_PREFIX_LENGTH = 12


class TokenService:
    async def list(self, uow: UnitOfWork, user: User) -> Sequence[PersonalAccessToken]:
        return await AuthRepository(uow).personal_tokens(user.id)

    async def create(
        self, uow: UnitOfWork, user: User, request: TokenCreate
    ) -> tuple[PersonalAccessToken, str]:
        """Store a new token's digest; the secret itself goes back to the caller only."""
        if request.expires_at is not None and request.expires_at <= utcnow():
            raise Unprocessable("expires_at must be in the future.", field=("body", "expires_at"))
        repository = AuthRepository(uow)
        if len(await repository.personal_tokens(user.id)) >= MAX_TOKENS_PER_USER:
            raise Unprocessable(f"At most {MAX_TOKENS_PER_USER} tokens per account; delete one.")
        secret = new_token(PERSONAL_TOKEN_PREFIX)
        token = PersonalAccessToken(
            user_id=user.id,
            name=request.name,
            token_prefix=secret[:DISPLAY_PREFIX_LENGTH],
            token_hash=token_digest(secret),
            scopes=[scope.value for scope in request.scopes],
            expires_at=request.expires_at,
        )
        return await repository.add_personal_token(token), secret

    async def delete(self, uow: UnitOfWork, user: User, token_id: int) -> None:
        if not await AuthRepository(uow).delete_personal_token(user.id, token_id):
            raise NotFound("No such token.")


token_service = TokenService()
