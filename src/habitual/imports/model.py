"""What a parser of another app's file makes: habits, their days and reminders in Habitual's
terms, with the warnings of what did not map exactly. The importer applies it; a parser
never touches the database.

A parser is `parse(data: bytes, limits: Limits) -> ImportedAccount`; it raises `BadFile`
with a reason a person can read when the file is not what its format says (the endpoint
answers 422 with that reason and writes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from habitual.habitmath.schedule import Frequency, GoalType, Status
from habitual.habits.rules import Kind
from habitual.kit.timezones import Weekday


class BadFile(Exception):
    """The file is not a readable file of its format; `str(error)` says why."""


@dataclass(frozen=True)
class Limits:
    """Bounds a hostile file cannot exceed (each breach is a `BadFile`)."""

    max_bytes: int = (
        50 * 1024 * 1024
    )  # HABITUAL_IMPORT_MAX_BYTES: the upload, and any member unpacked
    max_unpacked_bytes: int = 200 * 1024 * 1024  # all of a zip's members together
    max_members: int = 10_000  # entries in a zip
    max_columns: int = 1_000  # fields in a CSV row
    max_field_chars: int = 100_000  # characters in one CSV field
    max_habits: int = 5_000
    max_checkins: int = 5_000_000


@dataclass(frozen=True)
class ImportedCheckin:
    day: date
    status: Status = Status.done
    value: float | None = None  # measurable habits: the day's amount (in the habit's unit)
    note: str | None = None
    origin: str = "manual"  # "device": a day a fitness metric fed (our own export only)


@dataclass(frozen=True)
class ImportedReminder:
    at: time  # local time of day
    days: tuple[Weekday, ...] = tuple(Weekday)
    message: str | None = None
    channels: tuple[str, ...] | None = None  # None: the default (the in-app inbox)
    active: bool = True


@dataclass(frozen=True)
class ImportedRule:
    """An earlier version of a habit's schedule and goal (our own export keeps them): the
    rule columns' values as stored (models/habit_rule.py), in force from `effective_from`."""

    effective_from: date
    columns: dict[str, Any]


@dataclass
class ImportedHabit:
    """One habit. `source_id` is the source's own id (e.g. Loop's habit uuid or id), by which a
    second import of the same file finds the habit the first one made; None: matched by name."""

    source_id: str | None
    name: str
    description: str | None = None
    kind: Kind = Kind.boolean
    frequency: Frequency = Frequency.daily
    times_per_period: int | None = None  # weekly / monthly
    target_days: tuple[Weekday, ...] | None = None  # daily on chosen weekdays
    every_n_days: int | None = None
    goal_value: float | None = None  # measurable
    goal_type: GoalType | None = None  # measurable
    unit: str | None = None
    start_date: date | None = None  # None: the first check-in's day, or today
    color: str | None = None  # "#rrggbb"
    position: int | None = None
    archived: bool = False
    end_date: date | None = None
    icon: str | None = None
    category_names: tuple[str, ...] = ()  # matched by name with the server's categories
    data_source_metric: str | None = None  # fed by a fitness metric (our own export only)
    # Every version of the rule, oldest first, when the source keeps them (the last one is
    # the habit's rule above); empty: the habit's rule from its start.
    rule_history: list[ImportedRule] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)  # goals' fields, as exported
    checkins: list[ImportedCheckin] = field(default_factory=list)
    reminders: list[ImportedReminder] = field(default_factory=list)


@dataclass
class ImportedAccount:
    habits: list[ImportedHabit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # each names the habit it is about
    # Our own export only: the person's preferences and profile, and their fitness data.
    preferences: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    fitness_samples: list[dict[str, Any]] = field(default_factory=list)  # as SampleIn takes
    fitness_goals: dict[str, float] = field(default_factory=dict)  # metric -> daily target
    source_priority: list[str] = field(default_factory=list)
