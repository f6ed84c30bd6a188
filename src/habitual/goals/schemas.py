from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from habitual.kit.schemas import Flag, HabitDate, InputModel, Integer, OutputModel

# Ten years of days: more than any habit's unit could sensibly ask for.
MAX_TARGET = 3660


class GoalStatus(StrEnum):
    active = "active"
    achieved = "achieved"
    failed = "failed"
    abandoned = "abandoned"


class GoalCreate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"end_date"})

    target: Annotated[
        Integer,
        Field(
            ge=1,
            le=MAX_TARGET,
            description="Met periods to reach, in the habit's unit (days, weeks or months)",
        ),
    ]
    start_date: HabitDate | None = Field(
        default=None,
        description="First day of the goal (default: today in your time zone); not before the "
        "habit's start, at most a year ahead",
    )
    end_date: HabitDate | None = Field(
        default=None, description="Last day of the goal, today or later; null or left out: no end"
    )
    consecutive: Flag = Field(
        default=False, description="true: `target` met periods in a row (a streak)"
    )


class GoalRead(OutputModel):
    id: int
    habit_id: int
    target: int
    consecutive: bool
    start_date: date
    end_date: date | None
    unit: str = Field(description="What a period is: days, weeks or months")
    met: int = Field(
        description="Met periods inside the goal's dates (consecutive: the current run, once "
        "achieved the longest), as the check-ins are now"
    )
    remaining: int = Field(description="target - met, never below 0")
    percent: int = Field(description="met as a share of target, 0..100, rounded down")
    status: GoalStatus
    achieved_on: date | None = Field(description="Your local date the goal was reached")
    on_track: bool
    created_at: datetime
