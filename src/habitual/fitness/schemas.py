from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from habitual.errors import ValidationIssue
from habitual.habitmath.fitness import Metric
from habitual.kit.schemas import (
    ISO_INSTANT,
    NO_NUL,
    InputModel,
    Integer,
    Number,
    OutputModel,
    in_utc_and_range,
)

MAX_BATCH = 10_000
# Put in place of a start or end that is not text, for AwareDatetime to refuse at that field.
NOT_AN_INSTANT = "not an instant"
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


class SampleIn(BaseModel):
    """One measurement. Checked on its own: a bad sample is rejected, the others are stored.

    Not an `InputModel`: its per-field hooks cost half the time of a batch of 10,000. The
    text fields refuse NUL by their pattern, and `null` for `end` or `external_id` means none.
    """

    model_config = ConfigDict(extra="forbid")

    metric: Metric
    value: MetricValue = Field(description="In the metric's unit (steps, m, kcal, min, kg, bpm)")
    start: AwareDatetime = Field(description="When the measurement began, with an offset")
    end: AwareDatetime | None = Field(default=None, description="When it ended, with an offset")
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

    # `Instant`'s checks, once per sample rather than once per field (a third of a batch's time).
    @model_validator(mode="before")
    @classmethod
    def _instants_as_text(cls, data: Any) -> Any:
        """An instant is ISO 8601 text: a number would pass as a Unix timestamp."""
        if not isinstance(data, dict):
            return data
        for name in ("start", "end"):
            value = data.get(name)
            if isinstance(value, str) and ISO_INSTANT.fullmatch(value):
                continue
            if value is not None and not isinstance(value, datetime):
                data = {**data, name: NOT_AN_INSTANT}
        return data

    @model_validator(mode="after")
    def _in_utc_and_in_order(self) -> SampleIn:
        try:
            self.start = in_utc_and_range(self.start)
            if self.end is not None:
                self.end = in_utc_and_range(self.end)
        except ValueError as error:
            raise ValueError(f"start and end {error}") from None
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
