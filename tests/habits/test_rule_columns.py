"""A rule column is declared once (models/habit_rule.py) and everything else goes by its name."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest
from pydantic import BaseModel

from habitual.habitmath.schedule import Frequency, GoalType, Rule
from habitual.habits.rules import Definition, Kind, as_rule, rule_columns, rule_from_values
from habitual.habits.schemas import HabitPatch, HabitRead, HabitWrite, RuleRead
from habitual.models import Habit, HabitRule
from habitual.models.habit_rule import RULE_COLUMNS, RULE_DEFAULTS

START = date(2026, 3, 2)


def test_every_rule_field_but_its_start_is_a_rule_column_of_the_same_name():
    assert [field.name for field in fields(Rule)] == ["effective_from", *RULE_COLUMNS]


@pytest.mark.parametrize("model", [HabitWrite, HabitPatch, HabitRead, RuleRead])
def test_the_api_names_every_rule_column(model: type[BaseModel]):
    assert set(RULE_COLUMNS) <= set(model.model_fields)


@pytest.mark.parametrize("table", [Habit, HabitRule])
def test_both_tables_hold_every_rule_column(table: type[Habit] | type[HabitRule]):
    assert set(RULE_COLUMNS) <= set(table.__table__.columns.keys())


def test_the_columns_defaults_make_the_rules_defaults():
    defaults = [RULE_DEFAULTS.get(column) for column in RULE_COLUMNS]
    assert rule_from_values(START, *defaults) == Rule(START, Frequency.daily)


def test_a_definitions_columns_read_back_as_the_rule_it_gave():
    given = {
        "frequency": Frequency.daily,
        "target_days": frozenset({0, 2, 4}),
        "goal_value": 30.0,
        "goal_type": GoalType.at_most,
    }
    columns = rule_columns(Definition(kind=Kind.measurable, rule=given, unit="min"))

    assert list(columns) == list(RULE_COLUMNS)
    assert {column: columns[column] for column in given} == {
        "frequency": "daily",
        "target_days": 0b10101,
        "goal_value": 30.0,
        "goal_type": "at_most",
    }
    assert as_rule(HabitRule(effective_from=START, **columns), START) == Rule(
        START,
        Frequency.daily,
        target_days=frozenset({0, 2, 4}),
        goal_value=30.0,
        goal_type=GoalType.at_most,
    )


def test_a_rows_rule_is_built_once_and_then_found():
    values = [RULE_DEFAULTS.get(column) for column in RULE_COLUMNS]
    assert rule_from_values(START, *values) is rule_from_values(START, *values)
