from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from habitual.errors import ValidationIssue
from habitual.habitmath.fitness import Metric
from habitual.kit.schemas import NO_NUL, InputModel, Instant, Integer, Number, OutputModel

MAX_BATCH = 10_000
SourceName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=NO_NUL,
        description="Where the sample comes from, as the app names it (`watch`, `phone`, ...)",
        examples=["watch"],
    ),
]
MetricValue = Annotated[Number, Field(ge=0, le=1e9, allow_inf_nan=False)]


class SampleIn(InputModel):
    """One measurement. Checked on its own: a bad sample is rejected, the others are stored."""

    metric: Metric
    value: MetricValue = Field(description="In the metric's unit (steps, m, kcal, min, kg, bpm)")
    start: Instant = Field(description="When the measurement began, with an offset")
    end: Instant | None = Field(default=None, description="When it ended, with an offset")
    source: SourceName
    external_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=NO_NUL,
        description="The source's own id of the sample: with it, (source, external_id) is the "
        "sample; without it, (source, metric, start, end)",
    )
    version: Integer = Field(
        default=0, ge=0, le=2**53, description="A higher version replaces the stored sample"
    )

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> SampleIn:
        if self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class SampleBatch(BaseModel):
    """Up to 10,000 samples; each is checked on its own (see `SampleIn`)."""

    model_config = ConfigDict(extra="forbid")

    samples: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Samples, each an object as `SampleIn` describes",
    )


class Rejected(OutputModel):
    index: int = Field(description="The sample's position in `samples`, from 0")
    errors: list[ValidationIssue]


class IngestResult(OutputModel):
    accepted: int = Field(description="Samples stored for the first time")
    updated: int = Field(description="Stored samples replaced by a higher version")
    duplicates: int = Field(description="Samples already stored at this version or a higher one")
    rejected: list[Rejected]


class StepsIn(InputModel):
    steps: Integer = Field(ge=0, le=1_000_000, description="Steps to add to today, source `api`")


class DayRead(OutputModel):
    date: date
    value: float = Field(description="The day's value, the sources merged")
    by_source: dict[str, float] = Field(description="Each source's figure of the day")
    goal: float | None = Field(description="The daily target; null: no goal for this metric")
    met: bool | None = Field(description="value >= goal; null: no goal")


class DailyRead(OutputModel):
    metric: Metric
    items: list[DayRead]


class BestDay(OutputModel):
    date: date
    value: float


class SummaryRead(OutputModel):
    metric: Metric
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    days: int = Field(description="Days with data in the range")
    total: float
    daily_average: float | None = Field(description="total / days; null: no days with data")
    best_day: BestDay | None
    goal: float | None
    days_met: int
    current_run: int = Field(description="Goal days in a row up to the range's end (or today)")
    longest_run: int


class GoalWrite(InputModel):
    daily_target: MetricValue = Field(gt=0)


class GoalRead(OutputModel):
    metric: Metric
    daily_target: float


class SourcesWrite(InputModel):
    priority: list[SourceName] = Field(
        max_length=20, description="Sources, first preferred; [] merges by the largest"
    )

    @model_validator(mode="after")
    def _distinct(self) -> SourcesWrite:
        if len(set(self.priority)) != len(self.priority):
            raise ValueError("priority names a source twice")
        return self


class SourcesRead(OutputModel):
    priority: list[str] = Field(description="[]: each day takes its largest source")
    merge: str = Field(description="`priority` or `largest`")
    known: list[str] = Field(description="Sources that sent samples, by name")


GoalMap = dict[Metric, Annotated[Number, Field(gt=0, le=1e9, allow_inf_nan=False)]]
