"""Our own JSON export (`GET /export?format=json`, `schema_version` 1) read back: every habit
with its rule versions, categories, check-ins, reminders and goals, the person's preferences
and profile, and their fitness data, so that export -> import -> export loses nothing."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from habitual.exports.service import SCHEMA_VERSION
from habitual.habitmath.schedule import Frequency, GoalType, Status
from habitual.habits.rules import Kind, days_to_mask
from habitual.imports.files import text_of
from habitual.imports.model import (
    BadFile,
    ImportedAccount,
    ImportedCheckin,
    ImportedHabit,
    ImportedReminder,
    ImportedRule,
    Limits,
)
from habitual.kit.timezones import Weekday

WEEKDAYS = list(Weekday)


class _Read(BaseModel):
    # Fields a later version may add are passed over; what is read is checked.
    model_config = ConfigDict(extra="ignore")


class _Rule(_Read):
    effective_from: date
    frequency: Frequency
    times_per_period: int = Field(ge=1, le=31)
    target_days: list[Weekday] = Field(min_length=1, max_length=7)
    every_n_days: int = Field(ge=1, le=365)
    goal_value: float | None = None
    goal_type: GoalType


class _Checkin(_Read):
    date: date
    status: Status
    value: float | None = None
    note: str | None = None
    origin: str = Field(default="manual", pattern="^(manual|device)$")


class _Reminder(_Read):
    time: time
    days: list[Weekday] = Field(min_length=1, max_length=7)
    message: str | None = None
    channels: list[str] = Field(default_factory=list)
    active: bool = True


class _Habit(_Read):
    id: int | str | None = None
    name: str = Field(min_length=1, max_length=100)
    description: str | None = None
    kind: Kind = Kind.boolean
    unit: str | None = None
    color: str | None = None
    icon: str | None = None
    position: int | None = None
    archived_at: datetime | None = None
    start_date: date
    end_date: date | None = None
    data_source_metric: str | None = None
    category_names: list[str] = Field(default_factory=list)
    rules: list[_Rule] = Field(min_length=1)
    checkins: list[_Checkin] = Field(default_factory=list)
    reminders: list[_Reminder] = Field(default_factory=list)
    goals: list[dict[str, Any]] = Field(default_factory=list)


class _FitnessGoal(_Read):
    metric: str
    daily_target: float


class _Fitness(_Read):
    samples: list[dict[str, Any]] = Field(default_factory=list)
    goals: list[_FitnessGoal] = Field(default_factory=list)
    source_priority: list[str] = Field(default_factory=list)


class _Document(_Read):
    schema_version: int
    user: dict[str, Any] = Field(default_factory=dict)
    habits: list[_Habit] = Field(default_factory=list)
    fitness: _Fitness = Field(default_factory=_Fitness)


PREFERENCES = ("display_name", "timezone", "week_start", "day_start", "leaderboard_opt_in")
PROFILE = ("first_name", "last_name", "dob", "bio")


def _rule_columns(rule: _Rule) -> dict[str, Any]:
    return {
        "frequency": rule.frequency.value,
        "times_per_period": rule.times_per_period,
        "target_days": days_to_mask(frozenset(WEEKDAYS.index(day) for day in rule.target_days)),
        "every_n_days": rule.every_n_days,
        "goal_value": rule.goal_value,
        "goal_type": rule.goal_type.value,
    }


def _habit(habit: _Habit) -> ImportedHabit:
    rules = sorted(habit.rules, key=lambda rule: rule.effective_from)
    newest = rules[-1]
    measurable = habit.kind is Kind.measurable
    imported = ImportedHabit(
        source_id=None if habit.id is None else str(habit.id),
        name=habit.name,
        description=habit.description,
        kind=habit.kind,
        frequency=newest.frequency,
        times_per_period=newest.times_per_period
        if newest.frequency in (Frequency.weekly, Frequency.monthly)
        else None,
        target_days=tuple(sorted(set(newest.target_days), key=WEEKDAYS.index))
        if newest.frequency is Frequency.daily and len(set(newest.target_days)) < 7
        else None,
        every_n_days=newest.every_n_days if newest.frequency is Frequency.every_n_days else None,
        goal_value=newest.goal_value if measurable else None,
        goal_type=newest.goal_type if measurable else None,
        unit=habit.unit,
        start_date=habit.start_date,
        end_date=habit.end_date,
        color=habit.color,
        icon=habit.icon,
        position=habit.position,
        archived=habit.archived_at is not None,
        category_names=tuple(habit.category_names),
        data_source_metric=habit.data_source_metric,
        rule_history=[ImportedRule(rule.effective_from, _rule_columns(rule)) for rule in rules],
        goals=habit.goals,
    )
    imported.checkins = [
        ImportedCheckin(checkin.date, checkin.status, checkin.value, checkin.note, checkin.origin)
        for checkin in habit.checkins
    ]
    imported.reminders = [
        ImportedReminder(
            reminder.time,
            tuple(sorted(set(reminder.days), key=WEEKDAYS.index)),
            reminder.message,
            tuple(reminder.channels) or None,
            reminder.active,
        )
        for reminder in habit.reminders
    ]
    return imported


def parse_habitual_json(data: bytes, limits: Limits) -> ImportedAccount:
    """Our `GET /export?format=json` document."""
    text = text_of(data, "The file").lstrip()
    if not text.startswith("{"):
        raise BadFile("The file is not a JSON object (Habitual's export is one).")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BadFile(f"The file is not valid JSON ({error}).") from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if not isinstance(version, int):
        raise BadFile("The file has no schema_version: it is not Habitual's export.")
    if version > SCHEMA_VERSION:
        raise BadFile(
            f"The file is of schema version {version}, made by a newer Habitual; this server "
            f"reads up to {SCHEMA_VERSION}."
        )
    try:
        document = _Document.model_validate(raw)
    except ValidationError as error:
        issue = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in issue["loc"])
        raise BadFile(f"The export cannot be read at {where}: {issue['msg']}.") from None
    if len(document.habits) > limits.max_habits:
        raise BadFile(f"The export has more than {limits.max_habits} habits.")
    if sum(len(habit.checkins) for habit in document.habits) > limits.max_checkins:
        raise BadFile(f"The export has more than {limits.max_checkins} check-ins.")
    account = ImportedAccount(habits=[_habit(habit) for habit in document.habits])
    user = document.user
    account.preferences = {name: user[name] for name in PREFERENCES if name in user}
    account.profile = {name: user[name] for name in PROFILE if name in user}
    account.fitness_samples = document.fitness.samples
    account.fitness_goals = {goal.metric: goal.daily_target for goal in document.fitness.goals}
    account.source_priority = document.fitness.source_priority
    return account
