"""A habit's rule: what makes its schedule and goal coherent (checked the same for create,
replace and patch), and the pure `Rule` that its columns make.

The rule's columns are listed once, in models/habit_rule.py (`RULE_COLUMNS`); everything here
goes by those names. A `Rule` field is named like its column and holds its value, but for the
few converted by name below. Only the cross-field rules name the fields they are about.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import Any

from habitual.habitmath.schedule import Frequency, GoalType, Rule
from habitual.models import Habit, HabitRule
from habitual.models.habit_rule import RULE_COLUMNS, RULE_DEFAULTS, RuleColumns


class Kind(StrEnum):
    boolean = "boolean"
    measurable = "measurable"


KINDS = {kind.value: kind for kind in Kind}  # by text, without the cost of `Kind(text)`


MAX_TIMES = {Frequency.weekly: 7, Frequency.monthly: 31}
# The fields that belong to a frequency: null under the others, dropped when a habit leaves it.
FREQUENCY_FIELDS = {
    Frequency.daily: frozenset({"target_days"}),
    Frequency.weekly: frozenset({"times_per_period"}),
    Frequency.monthly: frozenset({"times_per_period"}),
    Frequency.every_n_days: frozenset({"every_n_days"}),
}
GOAL_FIELDS = ("goal_value", "goal_type")  # a yes/no habit has none
# What a rule shows as null under each frequency, for a measurable habit or not: the other
# frequencies' fields, and for a yes/no habit the goal.
_NOT_APPLICABLE = {
    (frequency, measurable): dict.fromkeys(
        [
            *(field for fields in FREQUENCY_FIELDS.values() for field in fields - own),
            *([] if measurable else GOAL_FIELDS),
        ]
    )
    for frequency, own in FREQUENCY_FIELDS.items()
    for measurable in (False, True)
}


def days_to_mask(days: frozenset[int]) -> int:
    return sum(1 << day for day in days)


def mask_to_days(mask: int) -> frozenset[int]:
    return frozenset(day for day in range(7) if mask & (1 << day))


# The fields that `Rule` holds in another form than their column, converted by name.
FIELD_OF_COLUMN: dict[str, Callable[[Any], object]] = {
    "frequency": Frequency,
    "target_days": mask_to_days,
    "goal_type": GoalType,
}
COLUMN_OF_FIELD: dict[str, Callable[[Any], object]] = {
    "frequency": str,  # a StrEnum's text
    "target_days": days_to_mask,
    "goal_type": str,
}


@dataclass(frozen=True)
class Definition:
    """A habit's rule as the client gave it, with the habit's kind and unit. `rule` holds the
    rule's fields by their column's name, in the form `Rule` holds them; None: not given."""

    kind: Kind
    rule: Mapping[str, Any]
    unit: str | None = None

    @property
    def frequency(self) -> Frequency:
        frequency: Frequency = self.rule["frequency"]
        return frequency


class DefinitionError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_definition(definition: Definition) -> None:
    """Raise DefinitionError naming the field to change when the combination contradicts."""
    frequency, kind, rule = definition.frequency, definition.kind, definition.rule
    target_days = rule.get("target_days")
    if target_days is not None and frequency is not Frequency.daily:
        raise DefinitionError(
            "target_days",
            f"only daily habits have target days; remove target_days or use frequency 'daily' "
            f"(a {frequency} habit counts times per period)",
        )
    if target_days is not None and not target_days:
        raise DefinitionError("target_days", "give at least one weekday")
    times_per_period = rule.get("times_per_period")
    if times_per_period is not None:
        if frequency not in MAX_TIMES:
            raise DefinitionError(
                "times_per_period",
                "only weekly and monthly habits have times_per_period; remove it or use "
                "frequency 'weekly' or 'monthly'",
            )
        if times_per_period > MAX_TIMES[frequency]:
            raise DefinitionError(
                "times_per_period",
                f"a {frequency} habit can be done at most {MAX_TIMES[frequency]} times per period",
            )
    every_n_days = rule.get("every_n_days")
    if frequency is Frequency.every_n_days and every_n_days is None:
        raise DefinitionError("every_n_days", "an every_n_days habit needs every_n_days (2..365)")
    if frequency is not Frequency.every_n_days and every_n_days is not None:
        raise DefinitionError(
            "every_n_days", "only applies to frequency 'every_n_days'; remove it or use that"
        )
    if kind is Kind.boolean:
        goal = {field: rule.get(field) for field in GOAL_FIELDS} | {"unit": definition.unit}
        for field, value in goal.items():
            if value is not None:
                raise DefinitionError(
                    field,
                    "a yes/no (boolean) habit has no goal; remove it or use kind 'measurable'",
                )
    elif rule.get("goal_value") is None:
        raise DefinitionError("goal_value", "a measurable habit needs goal_value (> 0)")


def rule_columns(definition: Definition) -> dict[str, object]:
    """The column values of the rule a checked definition describes, defaults filled in."""
    columns: dict[str, object] = {}
    for column in RULE_COLUMNS:
        value = definition.rule.get(column)
        if value is None:
            columns[column] = RULE_DEFAULTS.get(column)
        elif column in COLUMN_OF_FIELD:
            columns[column] = COLUMN_OF_FIELD[column](value)
        else:
            columns[column] = value
    return columns


def applicable_fields(rule: Rule, kind: Kind) -> dict[str, Any]:
    """The rule's fields by name, None where they do not apply to its frequency or kind."""
    # One value a column by construction; `strict=` would parse a keyword per habit listed.
    fields = dict(zip(RULE_COLUMNS, _rule_values(rule)))  # noqa: B905
    fields.update(_NOT_APPLICABLE[rule.frequency, kind is Kind.measurable])
    return fields


def rules_of(habit: Habit, versions: Sequence[HabitRule]) -> list[Rule]:
    """A habit's rules, oldest first: its stored versions, or its own columns from its start."""
    return [as_rule(version, version.effective_from) for version in versions] or [
        as_rule(habit, habit.start_date)
    ]


_rule_values = attrgetter(*RULE_COLUMNS)  # a row's (or a Rule's) values, in column order


def as_rule(row: RuleColumns, effective_from: date) -> Rule:
    """A row's schedule and goal as the pure `Rule` the habit math works with."""
    return rule_from_values(effective_from, *_rule_values(row))


# Rules are immutable values and a hot path builds one per habit per request: building them
# (two enums, a frozenset of weekdays) was ~6% of a `GET /today` (py-spy), a cache hit is a
# tuple hash. 8,192 rules of ~200 bytes each: well under 2 MB.
@lru_cache(maxsize=8192)
def rule_from_values(effective_from: date, *values: object) -> Rule:
    """The `Rule` of the rule columns' values, in `RULE_COLUMNS` order (as a query selects
    them), in force from `effective_from`."""
    fields: dict[str, Any] = dict(zip(RULE_COLUMNS, values, strict=True))
    for field, convert in FIELD_OF_COLUMN.items():
        fields[field] = convert(fields[field])
    return Rule(effective_from=effective_from, **fields)
