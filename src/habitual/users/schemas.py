from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, ClassVar

import phonenumbers
from pydantic import AfterValidator, EmailStr, Field, StringConstraints, field_validator

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

# What a phone number may be written with: `+`, the country code and the number, grouped by
# spaces, dots, hyphens or parentheses. Letters (`+1 800 FLOWERS`) are refused, not dialled.
PHONE_TEXT = re.compile(r"\+[0-9 ().\-]+")
PHONE_EXAMPLE = "must be a phone number with its country code, e.g. +49 30 123456"


def _e164(text: str) -> str:
    """The number in E.164 (`+4930123456`), if phonenumbers knows it as a valid one."""
    if not PHONE_TEXT.fullmatch(text.strip()):
        raise ValueError(PHONE_EXAMPLE)
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise ValueError(PHONE_EXAMPLE) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number for its country code")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PhoneNumber = Annotated[
    str,
    StringConstraints(max_length=32),
    AfterValidator(_e164),
    Field(
        description="International, with the country code (`+49 30 123456`); answered in E.164 "
        "(`+4930123456`)",
        examples=["+49 30 901820"],
    ),
]


def _shown_name(text: str) -> str:
    """Trimmed, 1..50 characters, none of them a control character or a line break."""
    name = unicodedata.normalize("NFC", text.strip())
    if not 1 <= len(name) <= 50:
        raise ValueError("must be 1 to 50 characters, leading and trailing spaces left out")
    if any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} for char in name):
        raise ValueError("must not contain control characters or line breaks")
    return name


DisplayName = Annotated[
    str,
    StringConstraints(max_length=200),
    AfterValidator(_shown_name),
    Field(
        description="What other people see of you (challenges, leaderboards): 1..50 characters, "
        "trimmed; null: your username",
        examples=["Ada L."],
    ),
]


class AccountRead(OutputModel):
    """An account as its owner and admins see it."""

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
    display_name: str | None = Field(
        description="What other people see of you; null: your username"
    )
    created_at: datetime
    updated_at: datetime

    @field_validator("week_start", mode="before")
    @classmethod
    def _weekday_name(cls, value: object) -> object:
        return WEEKDAYS[value] if isinstance(value, int) else value


class UserRead(AccountRead):
    """Your own account: with the phone number that nobody else, admins included, is shown."""

    phone: str | None = Field(description="E.164; shown to you only")
    leaderboard_opt_in: bool = Field(
        description="Listed on the global leaderboards (by display name and value only)"
    )


class UserUpdate(InputModel):
    """Change preferences; a new email needs the current password."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"phone", "display_name"})

    email: EmailStr | None = None
    phone: PhoneNumber | None = Field(default=None, description="null removes it")
    display_name: DisplayName | None = None
    timezone: TimezoneName | None = None
    week_start: Weekday | None = None
    day_start: DayStart | None = None
    leaderboard_opt_in: bool | None = Field(
        default=None, description="true lists you on the global leaderboards; default false"
    )
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
