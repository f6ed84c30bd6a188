from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from habitual.habitmath.schedule import Status
from habitual.kit.schemas import InputModel, Instant, Number, OutputModel


class Origin(StrEnum):
    """Where a check-in came from: typed in, or a habit's fitness data (`data_source`)."""

    manual = "manual"
    device = "device"


Note = Annotated[str, Field(max_length=1000)]
Value = Annotated[Number, Field(ge=0, le=1e12)]


class CheckinWrite(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"value", "note"})

    status: Status
    value: Value | None = Field(
        default=None, description="Measurable habits: required when done (>= 0)"
    )
    note: Note | None = None


class EntryCreate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"recorded_at", "note"})

    value: Annotated[Number, Field(gt=0, le=1e12, description="Amount to add to the day's total")]
    recorded_at: Instant | None = Field(
        default=None, description="When it happened (default now); decides the local day"
    )
    note: Note | None = None


class CheckinRead(OutputModel):
    date: date
    status: Status
    value: float | None
    note: str | None
    met: bool = Field(description="Whether the day meets the goal of the rule in force that day")
    origin: Origin = Field(
        description="`manual` (typed in), or `device`: the day's fitness value of a habit fed "
        "by data, kept in step until a manual check-in replaces it"
    )
    created_at: datetime
    updated_at: datetime
