"""Challenges in and out: the habit template is given as top-level fields of the body."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from habitual.habitmath.schedule import Frequency, GoalType
from habitual.habits.rules import Definition, Kind
from habitual.habits.schemas import (
    Description,
    EveryNDays,
    GoalValue,
    TargetDays,
    TimesPerPeriod,
    Unit,
    weekday_numbers,
)
from habitual.kit.schemas import ID, Flag, HabitDate, InputModel, Integer, OutputModel
from habitual.kit.timezones import Weekday
from habitual.models.habit_rule import RULE_COLUMNS


class Metric(StrEnum):
    completion_rate = "completion_rate"
    total_value = "total_value"  # measurable challenges only
    longest_streak = "longest_streak"


class Visibility(StrEnum):
    public = "public"
    private = "private"


class Status(StrEnum):
    upcoming = "upcoming"
    active = "active"
    finished = "finished"


ChallengeName = Annotated[str, Field(min_length=1, max_length=100)]
MaxParticipants = Annotated[
    Integer, Field(ge=1, le=1_000_000, description="Joins past this many are 409; none: no limit")
]
InviteCode = Annotated[str, Field(min_length=1, max_length=100)]


class ChallengeCreate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "description",
            "times_per_period",
            "target_days",
            "every_n_days",
            "goal_value",
            "goal_type",
            "unit",
            "max_participants",
        }
    )

    name: ChallengeName
    description: Description | None = None
    start_date: HabitDate = Field(description="Today or later, in your time zone")
    end_date: HabitDate = Field(description="On or after start_date, at most 366 days after it")
    frequency: Frequency = Field(default=Frequency.daily, description="Default: daily")
    times_per_period: TimesPerPeriod | None = None
    target_days: TargetDays | None = None
    every_n_days: EveryNDays | None = None
    kind: Kind = Kind.boolean
    goal_value: GoalValue | None = None
    goal_type: GoalType | None = Field(
        default=None, description="Measurable: at_least (default) or at_most"
    )
    unit: Unit | None = None
    metric: Metric = Field(
        default=Metric.completion_rate,
        description="What ranks the standings; total_value needs kind 'measurable'",
    )
    visibility: Visibility = Field(
        default=Visibility.public,
        description="private: only its owner, admins and participants see it; others join "
        "with its invite_code",
    )
    max_participants: MaxParticipants | None = None

    def definition(self) -> Definition:
        """The habit template as a habit's definition, checked like a habit's."""
        rule = {column: getattr(self, column) for column in RULE_COLUMNS}
        rule["target_days"] = weekday_numbers(self.target_days)
        return Definition(kind=self.kind, rule=rule, unit=self.unit)


class ChallengeUpdate(InputModel):
    """Change what does not change how anyone is judged: the dates, the template and the metric
    are fixed once a challenge exists."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"description", "max_participants"})

    name: ChallengeName | None = None
    description: Description | None = None
    visibility: Visibility | None = None
    max_participants: MaxParticipants | None = None
    new_invite_code: Flag | None = Field(
        default=None,
        description="true: a private challenge gets a new invite_code (answered once, here); "
        "the old one stops working",
    )


class JoinRequest(InputModel):
    habit_id: ID | None = Field(
        default=None,
        description="One of your habits with the same frequency and kind; none: a new habit "
        "is made from the challenge's template",
    )
    invite_code: InviteCode | None = Field(
        default=None, description="A private challenge's code, from its owner"
    )


class ChallengeRead(OutputModel):
    id: int
    owner_id: int
    name: str
    description: str | None
    start_date: date
    end_date: date
    frequency: Frequency
    times_per_period: int | None
    target_days: list[Weekday] | None
    every_n_days: int | None
    kind: Kind
    goal_value: float | None
    goal_type: GoalType | None
    unit: str | None
    metric: Metric
    visibility: Visibility
    max_participants: int | None
    participants: int = Field(description="How many take part now")
    joined: bool = Field(description="Whether you take part")
    status: Status
    invite_code: str | None = Field(
        description="Only in the answer that creates a private challenge's code (its owner's "
        "POST, or a PATCH that makes it private or asks for a new one); null otherwise"
    )
    created_at: datetime
    updated_at: datetime


class ParticipationRead(OutputModel):
    challenge_id: int
    user_id: int
    habit_id: int
    joined_at: datetime


class StandingRead(OutputModel):
    rank: int = Field(description="1 is best; equal values of the metric share a rank (1, 1, 3)")
    user_id: int
    display_name: str
    met: int
    due: int
    completion_rate: float | None
    total_value: float | None
    longest_streak: int


class StandingsRead(OutputModel):
    items: list[StandingRead]
    total: int
    page: int
    page_size: int
    final: bool = Field(description="Whether the challenge is over and these are kept as they are")
