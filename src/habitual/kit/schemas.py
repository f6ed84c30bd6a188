"""Base classes and field types shared by request and response models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from habitual.config import parse_rate_limit, rate_limit_text
from habitual.kit.timezones import check_timezone


def _null_only_where_allowed(schema: dict[str, Any], model: type[Any]) -> None:
    """Document `null` only for the `nullable_fields`, as the validator below enforces."""
    nullable: frozenset[str] = getattr(model, "nullable_fields", frozenset())
    for name, field_schema in schema.get("properties", {}).items():
        options = field_schema.get("anyOf")
        if name in nullable or not options or {"type": "null"} not in options:
            continue
        del field_schema["anyOf"]
        others = [option for option in options if option != {"type": "null"}]
        if len(others) == 1:
            field_schema.update(others[0])
        else:
            field_schema["anyOf"] = others
        if "default" in field_schema and field_schema["default"] is None:
            del field_schema["default"]


# PostgreSQL cannot store NUL in text; refused as input, it is a 422 rather than a driver error.
NO_NUL = r"^[^\x00]*$"


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


class InputModel(BaseModel):
    """A request body: unknown fields are rejected, so `role` or `id` can never slip in.

    Fields typed `X | None` only to be optional are listed in no `nullable_fields`, so an explicit
    `null` for them is refused instead of being taken as "unset".
    """

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=False, json_schema_extra=_null_only_where_allowed
    )
    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_characters(cls, value: object) -> object:
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value

    @model_validator(mode="after")
    def _no_null_for_required_values(self) -> InputModel:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self.nullable_fields:
                raise ValueError(f"{name} cannot be null; leave it out to keep it unchanged")
        return self


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


TimezoneName = Annotated[
    str,
    AfterValidator(check_timezone),
    Field(description="IANA time zone name", examples=["Europe/Berlin"], max_length=64),
]
DayStart = Annotated[
    int, Field(ge=0, le=23, description="Local hour at which a new day begins (0..23)")
]


def _not_in_future_or_ancient(value: date) -> date:
    if value > date.today() or value.year < 1900:
        raise ValueError("must be a past date after 1900")
    return value


def _iso_text(value: object) -> object:
    # Without this a number would pass as a Unix timestamp: `"dob": 0` would be 1970-01-01.
    if not isinstance(value, str | date):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


BirthDate = Annotated[date, BeforeValidator(_iso_text), AfterValidator(_not_in_future_or_ancient)]


# Dates a habit can live on; far outside these, date arithmetic overflows and ranges explode.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2200, 12, 31)
HabitDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]


def _canonical_rate_limit(text: str) -> str:
    return rate_limit_text(parse_rate_limit(text))


RateLimitText = Annotated[
    str,
    Field(
        max_length=64,
        examples=["6000/minute"],
        description="Requests per window, as `6000/minute`, `100 per second` or `5000/2 hours`: "
        "one limit, 1 to a billion requests, a window of a second to a day",
    ),
    AfterValidator(_canonical_rate_limit),
]
