from __future__ import annotations

from datetime import date

from pydantic import Field

from habitual.habitmath.periods import Outcome
from habitual.habitmath.schedule import Frequency, Status
from habitual.habits.rules import Kind
from habitual.kit.schemas import OutputModel
from habitual.kit.timezones import Weekday


class StreakRead(OutputModel):
    length: int
    start: date | None
    end: date | None


class BucketRead(OutputModel):
    start: date = Field(description="First day of the week or month")
    completions: int = Field(description="Done check-ins")
    due: int = Field(description="Periods that began in it and counted (met or missed)")
    met: int
    rate: float | None = Field(description="met / due; null when nothing was due")


class HabitStatsRead(OutputModel):
    habit_id: int
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    completed: int = Field(description="Done check-ins in the range")
    due: int = Field(description="Periods that counted: met or missed (skipped ones do not)")
    met: int
    success_rate: float | None = Field(description="met / due; null when nothing was due")
    current_streak: StreakRead
    longest_streak: StreakRead
    streak_unit: str = Field(description="days, weeks or months")
    score: float = Field(description="Habit strength at the end of the range, 0..1")
    total_value: float | None = Field(description="Measurable habits: the sum of the values")
    average_value: float | None = Field(description="Measurable habits: per done check-in")
    by_week: list[BucketRead]
    by_month: list[BucketRead]


class DayProgress(OutputModel):
    date: date
    status: Status | None
    value: float | None
    due: bool = Field(description="Whether the day falls in a period that was due")
    met: bool = Field(description="Whether the day met its goal")


class PeriodRead(OutputModel):
    start: date
    end: date
    outcome: Outcome
    met_days: int
    required: int


class HabitProgress(OutputModel):
    id: int
    name: str
    frequency: Frequency
    kind: Kind
    unit: str | None
    days: list[DayProgress]
    periods: list[PeriodRead]


class Progress(OutputModel):
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    habits: list[HabitProgress]


class HabitStreaks(OutputModel):
    habit_id: int
    name: str
    unit: str
    current: StreakRead
    longest: StreakRead


class HabitRate(OutputModel):
    habit_id: int
    name: str
    success_rate: float


class BestStreak(OutputModel):
    habit_id: int
    name: str
    length: int
    unit: str


class Summary(OutputModel):
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    habits: int = Field(description="Active habits")
    completed: int
    due: int
    met: int
    success_rate: float | None
    best_current_streak: BestStreak | None
    most_consistent: HabitRate | None
    least_consistent: HabitRate | None
    completions_by_weekday: dict[Weekday, int]
