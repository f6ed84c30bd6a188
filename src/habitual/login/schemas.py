from __future__ import annotations

from typing import Annotated, Literal

from pydantic import EmailStr, Field, model_validator

from habitual.fitness.schemas import GoalMap
from habitual.kit.schemas import InputModel, OutputModel, TimezoneName
from habitual.users.schemas import CurrentPassword, Password, Username

OpaqueToken = Annotated[str, Field(min_length=1, max_length=200)]


class Registration(InputModel):
    username: Username
    email: EmailStr
    password: Password
    timezone: TimezoneName = "UTC"
    fitness_goals: GoalMap = Field(
        default_factory=dict,
        description='Daily fitness goals to start with, by metric: `{"steps": 10000}`',
    )


class Login(InputModel):
    """Log in with `username` (which may also hold the email) or `email`, and the password."""

    username: Annotated[str, Field(min_length=1, max_length=254)] | None = None
    email: Annotated[str, Field(min_length=1, max_length=254)] | None = None
    password: CurrentPassword
    device_token: OpaqueToken | None = Field(
        default=None,
        description="The `device_token` of an earlier login of this account on this client: "
        "it keeps the client able to log in while the account is held for failed logins.",
    )

    @model_validator(mode="after")
    def _one_identifier(self) -> Login:
        if (self.username is None) == (self.email is None):
            raise ValueError("give either username or email")
        return self

    @property
    def identifier(self) -> str:
        return self.username or self.email or ""


class TokenPair(OutputModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a type name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")


class LoginTokens(TokenPair):
    device_token: str = Field(
        description="Keep it on this client and send it with the next login (see `Login`)."
    )


class PasswordResetRequest(InputModel):
    email: EmailStr = Field(description="The email address of the account")


MailedToken = Annotated[
    str, Field(min_length=1, max_length=200, description="The `token` of the link in the email")
]


class PasswordResetConfirm(InputModel):
    token: MailedToken
    new_password: Password


class EmailVerification(InputModel):
    token: MailedToken


class RefreshRequest(InputModel):
    refresh_token: OpaqueToken


class LogoutRequest(InputModel):
    refresh_token: OpaqueToken
