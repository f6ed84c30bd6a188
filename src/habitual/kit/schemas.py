"""Base classes and field types shared by request and response models."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from fastapi import Path
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)

from habitual.config import parse_rate_limit, rate_limit_text
from habitual.kit.timezones import check_timezone
from habitual.kit.types import MAX_ID


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
# --- what a number, a date or an instant is, in every body, path and query --------------
# Pydantic's lax mode reads `true` as 1, `"5"` and `" +5"` as 5, and `0` as 1970-01-01. Every
# field and parameter of these kinds is typed with one of the types below, so that the API
# takes JSON numbers as numbers, and dates and instants as ISO 8601 text, and nothing else.

# Bodies: a JSON integer (not `true`, `"5"` or `5.0`), a JSON number, a JSON boolean.
Integer = Annotated[int, Strict()]
Number = Annotated[float, Strict()]  # an integer is a number too
Flag = Annotated[bool, Strict()]
ID = Annotated[Integer, Field(ge=1, le=MAX_ID)]

# Paths and queries are text: an integer there is plain decimal digits (no sign, space, `_`,
# `.` or other scripts' digits, all of which int() takes). 19 digits hold every id.
DECIMAL_DIGITS = re.compile(r"[0-9]{1,19}")


def _decimal_text(value: object) -> object:
    if isinstance(value, str) and not DECIMAL_DIGITS.fullmatch(value):
        raise ValueError("must be a whole number in plain decimal digits")
    return value


DecimalInteger = Annotated[int, BeforeValidator(_decimal_text)]
# A row id in a path, for every `/{thing_id}` route.
PathID = Annotated[DecimalInteger, Path(ge=1, le=MAX_ID)]

# Dates a habit can live on; far outside these, date arithmetic overflows and ranges explode.
# Ranges are widened to whole weeks and months and walked a day past `to`: far from date.min
# and date.max, that can never overflow (a 500).
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2200, 12, 31)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_text(value: object) -> object:
    # Without this a number would pass as a Unix timestamp: `from=0` would be 1970-01-01, and
    # a datetime's text as its date.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def in_calendar(value: date) -> date:
    """`value`, if a habit can live on it (1900-01-01 to 2200-12-31)."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


HabitDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(in_calendar)]


def _not_in_future_or_ancient(value: date) -> date:
    if value > date.today() or value.year < 1900:
        raise ValueError("must be a past date after 1900")
    return value


BirthDate = Annotated[
    date, BeforeValidator(_iso_date_text), AfterValidator(_not_in_future_or_ancient)
]

# Instants: ISO 8601 text with a UTC offset, answered in UTC. The range keeps a margin to
# year 1 and 9999 on both sides, so no zone shift or day's arithmetic on it overflows (a
# 500 before: `9999-12-31T23:00:00-05:00` is past the calendar in UTC).
EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
ISO_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T.+")


def _iso_instant_text(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_INSTANT.fullmatch(value):
        raise ValueError(
            "must be an instant as ISO 8601 text with an offset, e.g. 2026-01-31T07:30:00Z"
        )
    return value


# Formatted once: formatting it on every call cost ~9 µs an instant (most of a sample's check).
INSTANT_BOUNDS = f"must be between {EARLIEST_INSTANT:{ISO_UTC}} and {LATEST_INSTANT:{ISO_UTC}}"


def in_utc_and_range(value: datetime) -> datetime:
    bounds = INSTANT_BOUNDS
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(bounds) from None
    if not EARLIEST_INSTANT <= in_utc <= LATEST_INSTANT:
        raise ValueError(bounds)
    return in_utc


Instant = Annotated[
    AwareDatetime, BeforeValidator(_iso_instant_text), AfterValidator(in_utc_and_range)
]

DayStart = Annotated[
    Integer, Field(ge=0, le=23, description="Local hour at which a new day begins (0..23)")
]


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
