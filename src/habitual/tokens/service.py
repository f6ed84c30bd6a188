"""Creating and revoking personal access tokens."""

from __future__ import annotations

from collections.abc import Sequence

from habitual.auth.repository import AuthRepository
from habitual.auth.usage import UsageLimiter, allows_no_more_than, plan_of
from habitual.config import rate_limit_text
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
        self, uow: UnitOfWork, user: User, request: TokenCreate, limiter: UsageLimiter
    ) -> tuple[PersonalAccessToken, str]:
        """Store a new token's digest; the secret itself goes back to the caller only."""
        if request.expires_at is not None and request.expires_at <= utcnow():
            raise Unprocessable("expires_at must be in the future.", field=("body", "expires_at"))
        user_limit = limiter.user_limit(user.rate_limit)
        token_limit = None if request.rate_limit is None else plan_of(request.rate_limit)
        if token_limit and user_limit and not allows_no_more_than(token_limit, user_limit):
            raise Unprocessable(
                f"rate_limit must allow no more than your own {rate_limit_text(user_limit)}.",
                field=("body", "rate_limit"),
            )
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
            rate_limit=request.rate_limit,
        )
        return await repository.add_personal_token(token), secret

    async def delete(self, uow: UnitOfWork, user: User, token_id: int) -> None:
        if not await AuthRepository(uow).delete_personal_token(user.id, token_id):
            raise NotFound("No such token.")


token_service = TokenService()
