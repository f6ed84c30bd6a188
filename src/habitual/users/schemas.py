from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import EmailStr, Field, StringConstraints, field_validator

from habitual.kit.schemas import BirthDate, DayStart, InputModel, OutputModel, TimezoneName
from habitual.kit.timezones import Weekday
from habitual.models import Role

WEEKDAYS = list(Weekday)

Username = Annotated[
    str,
    StringConstraints(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
    Field(description="3..32 letters, digits, `_`, `.` or `-`; unique regardless of case"),
]
Password = Annotated[str, Field(min_length=8, max_length=128, description="8..128 characters")]
CurrentPassword = Annotated[str, Field(min_length=1, max_length=128)]


class UserRead(OutputModel):
    id: int
    username: str
    email: str
    email_verified: bool = Field(
        description="A link mailed to `email` was opened; email notifications go only to a "
        "verified address."
    )
    role: Role
    is_active: bool
    timezone: str
    week_start: Weekday
    day_start: int
    created_at: datetime
    updated_at: datetime

    @field_validator("week_start", mode="before")
    @classmethod
    def _weekday_name(cls, value: object) -> object:
        return WEEKDAYS[value] if isinstance(value, int) else value


class UserUpdate(InputModel):
    """Change preferences; a new email needs the current password."""

    email: EmailStr | None = None
    timezone: TimezoneName | None = None
    week_start: Weekday | None = None
    day_start: DayStart | None = None
    current_password: CurrentPassword | None = None


class Accepted(OutputModel):
    """A request taken on: what it leads to happens shortly, by email."""

    detail: str


class PasswordChange(InputModel):
    current_password: CurrentPassword
    new_password: Password


class AccountDelete(InputModel):
    password: CurrentPassword


class ProfileRead(OutputModel):
    first_name: str | None
    last_name: str | None
    dob: date | None
    bio: str | None


class ProfileWrite(InputModel):
    """The whole profile; a field left out is cleared."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"first_name", "last_name", "dob", "bio"})

    first_name: Annotated[str, Field(max_length=100)] | None = None
    last_name: Annotated[str, Field(max_length=100)] | None = None
    dob: BirthDate | None = Field(default=None, description="Date of birth")
    bio: Annotated[str, Field(max_length=2000)] | None = None
