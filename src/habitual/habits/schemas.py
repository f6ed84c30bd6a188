from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import Field

from habitual.categories.schemas import CategoryIDs
from habitual.habitmath.fitness import Metric
from habitual.habitmath.schedule import Frequency, GoalType, Rule
from habitual.habits.repository import ListedHabit
from habitual.habits.rules import (
    KINDS,
    Definition,
    DefinitionError,
    Kind,
    applicable_fields,
    as_rule,
)
from habitual.kit.schemas import Flag, HabitDate, InputModel, Integer, Number, OutputModel
from habitual.kit.timezones import Weekday
from habitual.models import Habit, HabitRule
from habitual.models.habit_rule import RULE_COLUMNS

WEEKDAYS = list(Weekday)

HabitName = Annotated[
    str, Field(min_length=1, max_length=100, description="Unique among your active habits")
]
Description = Annotated[str, Field(max_length=2000)]
Unit = Annotated[str, Field(min_length=1, max_length=32, examples=["steps"])]
Color = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$", examples=["#4caf50"])]
Icon = Annotated[str, Field(min_length=1, max_length=64)]
Position = Annotated[Integer, Field(ge=0, le=100_000)]
TimesPerPeriod = Annotated[
    Integer, Field(ge=1, le=31, description="Weekly (1..7) or monthly (1..31): met days per period")
]
EveryNDays = Annotated[
    Integer, Field(ge=2, le=365, description="every_n_days: the interval in days")
]
GoalValue = Annotated[Number, Field(gt=0, le=1e12, description="Measurable: the daily goal")]
TargetDays = Annotated[
    list[Weekday],
    Field(min_length=1, max_length=7, description="Daily: the weekdays that count (default all)"),
]


class DataSource(InputModel):
    """Where a measurable habit's day value comes from instead of being typed in."""

    metric: Metric = Field(description="The fitness metric whose day value is the habit's")


class DataSourceRead(OutputModel):
    metric: Metric


DATA_SOURCE_DESCRIPTION = (
    "Measurable habits only: fill each day from your fitness data (`POST /fitness/samples`); "
    "a manual check-in that day wins and stays. null: typed in"
)


def weekday_numbers(days: list[Weekday] | None) -> frozenset[int] | None:
    if days is None:
        return None
    numbers = frozenset(WEEKDAYS.index(day) for day in days)
    if len(numbers) != len(days):
        raise DefinitionError("target_days", "weekdays must not repeat")
    return numbers


class HabitWrite(InputModel):
    """A whole habit, as created with POST or replaced with PUT."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "description",
            "times_per_period",
            "target_days",
            "every_n_days",
            "goal_value",
            "goal_type",
            "unit",
            "start_date",
            "end_date",
            "color",
            "icon",
            "position",
            "data_source",
        }
    )

    name: HabitName
    description: Description | None = None
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
    start_date: HabitDate | None = Field(
        default=None, description="Default: today, in your time zone"
    )
    end_date: HabitDate | None = None
    color: Color | None = None
    icon: Icon | None = None
    position: Position | None = Field(default=None, description="Default: after the others")
    category_ids: CategoryIDs = Field(default_factory=list)
    data_source: DataSource | None = Field(default=None, description=DATA_SOURCE_DESCRIPTION)

    def definition(self) -> Definition:
        """The schedule and goal as given; the service checks that they are coherent."""
        rule = {column: getattr(self, column) for column in RULE_COLUMNS}
        rule["target_days"] = weekday_numbers(self.target_days)
        return Definition(kind=self.kind, rule=rule, unit=self.unit)


class HabitPatch(InputModel):
    """Change some fields; `archived` archives or restores, `position` reorders."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "description",
            "unit",
            "end_date",
            "color",
            "icon",
            "times_per_period",
            "target_days",
            "every_n_days",
            "goal_type",
            "data_source",
        }
    )

    name: HabitName | None = None
    description: Description | None = None
    frequency: Frequency | None = None
    times_per_period: TimesPerPeriod | None = None
    target_days: TargetDays | None = None
    every_n_days: EveryNDays | None = None
    kind: Kind | None = None
    goal_value: GoalValue | None = None
    goal_type: GoalType | None = None
    unit: Unit | None = None
    start_date: HabitDate | None = None
    end_date: HabitDate | None = None
    color: Color | None = None
    icon: Icon | None = None
    position: Position | None = None
    archived: Flag | None = None
    category_ids: CategoryIDs | None = None
    data_source: DataSource | None = Field(default=None, description=DATA_SOURCE_DESCRIPTION)

    def rule_given(self) -> dict[str, Any]:
        """The rule's fields given, in the form `Rule` holds them (None: back to the default)."""
        given = self.model_fields_set
        rule = {column: getattr(self, column) for column in RULE_COLUMNS if column in given}
        if "target_days" in rule:
            rule["target_days"] = weekday_numbers(self.target_days)
        return rule


class HabitRead(OutputModel):
    id: int
    name: str
    description: str | None
    frequency: Frequency
    times_per_period: int | None
    target_days: list[Weekday] | None
    every_n_days: int | None
    kind: Kind
    goal_value: float | None
    goal_type: GoalType | None
    unit: str | None
    start_date: date
    end_date: date | None
    color: str | None
    icon: str | None
    position: int
    archived: bool
    archived_at: datetime | None
    category_ids: list[int] = Field(description="Its categories' ids, ascending")
    data_source: DataSourceRead | None = Field(
        description="The fitness metric that fills its days; null when typed in"
    )
    created_at: datetime
    updated_at: datetime


class AdminHabitRead(HabitRead):
    """A habit as admins see it: with whose it is."""

    user_id: int
    username: str


class HabitCategories(InputModel):
    """The habit's categories, all of them: `[]` takes it out of every one."""

    category_ids: CategoryIDs


class RuleRead(OutputModel):
    """One version of the schedule and goal, and the local date it took effect."""

    effective_from: date
    frequency: Frequency
    times_per_period: int | None
    target_days: list[Weekday] | None
    every_n_days: int | None
    goal_value: float | None
    goal_type: GoalType | None


def _schedule_fields(rule: Rule, kind: Kind) -> dict[str, Any]:
    """The schedule and goal fields of a rule, null where they do not apply."""
    fields = applicable_fields(rule, kind)
    if fields["target_days"] is not None:
        fields["target_days"] = [WEEKDAYS[day] for day in sorted(rule.target_days)]
    return fields


def habit_read(habit: Habit | ListedHabit, category_ids: list[int]) -> HabitRead:
    kind = KINDS[habit.kind]
    rule = habit.rule if isinstance(habit, ListedHabit) else as_rule(habit, habit.start_date)
    return HabitRead(
        id=habit.id,
        name=habit.name,
        description=habit.description,
        kind=kind,
        unit=habit.unit,
        start_date=habit.start_date,
        end_date=habit.end_date,
        color=habit.color,
        icon=habit.icon,
        position=habit.position,
        archived=habit.archived_at is not None,
        archived_at=habit.archived_at,
        category_ids=category_ids,
        data_source=(
            None
            if habit.data_source_metric is None
            else DataSourceRead(metric=Metric(habit.data_source_metric))
        ),
        created_at=habit.created_at,
        updated_at=habit.updated_at,
        **_schedule_fields(rule, kind),
    )


def admin_habit_read(
    habit: Habit | ListedHabit, category_ids: list[int], username: str, user_id: int
) -> AdminHabitRead:
    return AdminHabitRead(
        **habit_read(habit, category_ids).model_dump(), user_id=user_id, username=username
    )


def rule_read(version: HabitRule, kind: Kind) -> RuleRead:
    rule = as_rule(version, version.effective_from)
    return RuleRead(effective_from=version.effective_from, **_schedule_fields(rule, kind))
