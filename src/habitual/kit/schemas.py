"""Base classes and field types shared by request and response models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from habitual.kit.timezones import check_timezone


class InputModel(BaseModel):
    """A request body: unknown fields are rejected, so `role` or `id` can never slip in.

    Fields typed `X | None` only to be optional are listed in no `nullable_fields`, so an explicit
    `null` for them is refused instead of being taken as "unset".
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)
    nullable_fields: ClassVar[frozenset[str]] = frozenset()

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


BirthDate = Annotated[date, AfterValidator(_not_in_future_or_ancient)]
