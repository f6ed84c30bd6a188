from __future__ import annotations

from datetime import date

from pydantic import Field

from habitual.habitmath.schedule import Frequency, GoalType, Status
from habitual.habits.rules import Kind
from habitual.kit.schemas import OutputModel
from habitual.kit.timezones import Weekday


class PeriodProgress(OutputModel):
    """For weekly and monthly habits: "2 of 3 this week"."""

    start: date
    end: date
    done: int = Field(description="Met days in this period so far")
    target: int
    remaining: int


class TodayHabit(OutputModel):
    id: int
    name: str
    kind: Kind
    frequency: Frequency
    unit: str | None
    color: str | None
    icon: str | None
    due: bool = Field(description="Whether the schedule asks for it today")
    status: Status | None = Field(description="Today's check-in, if any")
    value: float | None
    goal_value: float | None
    goal_type: GoalType | None
    met: bool = Field(description="Whether today meets the goal")
    progress: float = Field(ge=0, le=1, description="Today's (or this period's) progress, 0..1")
    period: PeriodProgress | None


class Today(OutputModel):
    date: date
    timezone: str
    week_start: Weekday
    day_start: int
    habits: list[TodayHabit]
