from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import Field, field_validator

from habitual.auth.scopes import Scope
from habitual.kit.schemas import InputModel, Instant, OutputModel, RateLimitText

SCOPES_DESCRIPTION = "What the token may do: " + "; ".join(
    f"`{scope.value}`: {scope.description}" for scope in Scope
)


class TokenCreate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"expires_at", "rate_limit"})

    name: Annotated[str, Field(min_length=1, max_length=100)]
    scopes: Annotated[list[Scope], Field(min_length=1, description=SCOPES_DESCRIPTION)]
    expires_at: Instant | None = Field(
        default=None, description="When the token stops working; never if left out"
    )
    rate_limit: RateLimitText | None = Field(
        default=None,
        description="A rate limit of the token's own, no higher than yours (422 if it is); "
        "the token counts against yours as well. Left out: only yours applies",
    )

    @field_validator("scopes")
    @classmethod
    def _unique(cls, scopes: list[Scope]) -> list[Scope]:
        if len(set(scopes)) != len(scopes):
            raise ValueError("scopes must not repeat")
        return scopes


class TokenRead(OutputModel):
    id: int
    name: str
    token_prefix: str = Field(description="The first characters of the token, to recognise it")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    rate_limit: str | None = Field(description="The token's own rate limit; null: only yours")


class TokenCreated(TokenRead):
    token: str = Field(description="The secret itself; shown this once and never again")
