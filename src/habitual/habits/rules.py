"""What makes a habit's schedule and goal coherent, checked the same for create, replace, patch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

from habitual.habitmath.schedule import ALL_WEEKDAYS, Frequency, GoalType, Rule


class Kind(StrEnum):
    boolean = "boolean"
    measurable = "measurable"


KINDS = {kind.value: kind for kind in Kind}  # by text, without the cost of `Kind(text)`


MAX_TIMES = {Frequency.weekly: 7, Frequency.monthly: 31}


@dataclass(frozen=True)
class Definition:
    """A habit's schedule and goal as the client gave them (None: not given)."""

    frequency: Frequency
    kind: Kind
    times_per_period: int | None = None
    target_days: frozenset[int] | None = None
    every_n_days: int | None = None
    goal_value: float | None = None
    goal_type: GoalType | None = None
    unit: str | None = None


class DefinitionError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_definition(definition: Definition) -> None:
    """Raise DefinitionError naming the field to change when the combination contradicts."""
    frequency, kind = definition.frequency, definition.kind
    if definition.target_days is not None and frequency is not Frequency.daily:
        raise DefinitionError(
            "target_days",
            f"only daily habits have target days; remove target_days or use frequency 'daily' "
            f"(a {frequency} habit counts times per period)",
        )
    if definition.target_days is not None and not definition.target_days:
        raise DefinitionError("target_days", "give at least one weekday")
    if definition.times_per_period is not None:
        if frequency not in MAX_TIMES:
            raise DefinitionError(
                "times_per_period",
                "only weekly and monthly habits have times_per_period; remove it or use "
                "frequency 'weekly' or 'monthly'",
            )
        if definition.times_per_period > MAX_TIMES[frequency]:
            raise DefinitionError(
                "times_per_period",
                f"a {frequency} habit can be done at most {MAX_TIMES[frequency]} times per period",
            )
    if frequency is Frequency.every_n_days and definition.every_n_days is None:
        raise DefinitionError("every_n_days", "an every_n_days habit needs every_n_days (2..365)")
    if frequency is not Frequency.every_n_days and definition.every_n_days is not None:
        raise DefinitionError(
            "every_n_days", "only applies to frequency 'every_n_days'; remove it or use that"
        )
    if kind is Kind.boolean:
        for field in ("goal_value", "goal_type", "unit"):
            if getattr(definition, field) is not None:
                raise DefinitionError(
                    field,
                    "a yes/no (boolean) habit has no goal; remove it or use kind 'measurable'",
                )
    elif definition.goal_value is None:
        raise DefinitionError("goal_value", "a measurable habit needs goal_value (> 0)")


def rule_columns(definition: Definition) -> dict[str, Any]:
    """The column values of the rule a checked definition describes, defaults filled in."""
    target_days = definition.target_days if definition.target_days is not None else ALL_WEEKDAYS
    return {
        "frequency": definition.frequency.value,
        "times_per_period": definition.times_per_period or 1,
        "target_days": days_to_mask(target_days),
        "every_n_days": definition.every_n_days or 1,
        "goal_value": definition.goal_value,
        "goal_type": (definition.goal_type or GoalType.at_least).value,
    }


def days_to_mask(days: frozenset[int]) -> int:
    return sum(1 << day for day in days)


def mask_to_days(mask: int) -> frozenset[int]:
    return frozenset(day for day in range(7) if mask & (1 << day))


class RuleColumns(Protocol):
    """The schedule and goal columns that `habits` and `habit_rules` rows both have."""

    @property
    def frequency(self) -> str: ...
    @property
    def times_per_period(self) -> int: ...
    @property
    def target_days(self) -> int: ...
    @property
    def every_n_days(self) -> int: ...
    @property
    def goal_value(self) -> float | None: ...
    @property
    def goal_type(self) -> str: ...


class RuleVersion(RuleColumns, Protocol):
    @property
    def effective_from(self) -> date: ...


class RuledHabit(RuleColumns, Protocol):
    @property
    def start_date(self) -> date: ...


def rules_of(habit: RuledHabit, versions: Sequence[RuleVersion]) -> list[Rule]:
    """A habit's rules, oldest first: its stored versions, or its own columns from its start."""
    return [as_rule(version, version.effective_from) for version in versions] or [
        as_rule(habit, habit.start_date)
    ]


def as_rule(row: RuleColumns, effective_from: date) -> Rule:
    """A row's schedule and goal as the pure `Rule` the habit math works with."""
    return _rule(
        effective_from,
        row.frequency,
        row.times_per_period,
        row.target_days,
        row.every_n_days,
        row.goal_value,
        row.goal_type,
    )


# Rules are immutable values and a hot path builds one per habit per request: building them
# (two enums, a frozenset of weekdays) was ~6% of a `GET /today` (py-spy), a cache hit is a
# tuple hash. 8,192 rules of ~200 bytes each: well under 2 MB.
@lru_cache(maxsize=8192)
def _rule(
    effective_from: date,
    frequency: str,
    times_per_period: int,
    target_days: int,
    every_n_days: int,
    goal_value: float | None,
    goal_type: str,
) -> Rule:
    return Rule(
        effective_from=effective_from,
        frequency=Frequency(frequency),
        times_per_period=times_per_period,
        target_days=mask_to_days(target_days),
        every_n_days=every_n_days,
        goal_value=goal_value,
        goal_type=GoalType(goal_type),
    )
