"""/users/me/tokens: personal access tokens."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, status

from habitual.deps import CurrentUser, RuntimeDep, UoW
from habitual.errors import problem_responses
from habitual.kit.schemas import PathID
from habitual.models import PersonalAccessToken
from habitual.tokens.schemas import TokenCreate, TokenCreated, TokenRead
from habitual.tokens.service import token_service

router = APIRouter(prefix="/users/me/tokens", tags=["personal access tokens"])

# Bounded so that an id too big for the column is a 422, not an overflow in the driver (500).
TokenID = PathID


@router.get(
    "",
    response_model=list[TokenRead],
    summary="Your personal access tokens",
    responses=problem_responses(401, 403),
)
async def list_tokens(user: CurrentUser, uow: UoW) -> Sequence[PersonalAccessToken]:
    """Every token of yours, newest first, without its secret."""
    return await token_service.list(uow, user)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    summary="Create a personal access token",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def create_token(
    body: TokenCreate, user: CurrentUser, uow: UoW, runtime: RuntimeDep
) -> TokenCreated:
    """Create a scoped token for a script or device. The response holds the secret (it starts
    with `hab_pat_`) this once; only its SHA-256 digest is stored. Tokens cannot manage accounts
    or other tokens, whatever their scopes. `rate_limit` gives the token a lower limit than
    yours, for a script you want kept in check; it counts against yours as well."""
    token, secret = await token_service.create(uow, user, body, runtime.usage_limiter)
    return TokenCreated.model_validate(
        {**TokenRead.model_validate(token).model_dump(), "token": secret}
    )


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a personal access token",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_token(token_id: TokenID, user: CurrentUser, uow: UoW) -> None:
    """Revoke the token at once."""
    await token_service.delete(uow, user, token_id)
