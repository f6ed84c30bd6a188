from __future__ import annotations

from typing import ClassVar

from pydantic import EmailStr, Field, StrictBool

from habitual.kit.schemas import InputModel, RateLimitText, TimezoneName
from habitual.models import Role
from habitual.users.schemas import AccountRead, Password, Username


class AdminUserCreate(InputModel):
    username: Username
    email: EmailStr
    password: Password
    role: Role = Role.user
    is_active: StrictBool = True
    timezone: TimezoneName = "UTC"
    rate_limit: RateLimitText | None = Field(
        default=None, description="The account's usage plan; null: the server's default"
    )


class AdminUserUpdate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"rate_limit"})

    role: Role | None = None
    is_active: StrictBool | None = None
    rate_limit: RateLimitText | None = Field(
        default=None, description="The account's usage plan; null returns it to the default"
    )


class AdminUserRead(AccountRead):
    """An account as admins see it: with its usage plan, without its phone number."""

    rate_limit: str | None = Field(
        description="The account's usage plan; null: the server's default "
        "(`HABITUAL_RATE_LIMIT_USER`)"
    )
