"""A habit's rule (schedule and goal), which rule judges a day, and whether a day is met."""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

ALL_WEEKDAYS = frozenset(range(7))  # 0 = Monday, as date.weekday()


class Frequency(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    every_n_days = "every_n_days"


class GoalType(StrEnum):
    at_least = "at_least"
    at_most = "at_most"


class Status(StrEnum):
    done = "done"
    skipped = "skipped"


STATUSES = {status.value: status for status in Status}  # by text: `Status(text)` costs ~1 µs


@dataclass(frozen=True, slots=True)
class Rule:
    """A habit's schedule and goal from `effective_from` until the next rule takes over."""

    effective_from: date
    frequency: Frequency
    times_per_period: int = 1  # weekly and monthly: met days needed per period
    target_days: frozenset[int] = ALL_WEEKDAYS  # daily: the weekdays that count
    every_n_days: int = 1  # every_n_days: the interval, anchored at the habit's start
    goal_value: float | None = None  # None: a yes/no habit
    goal_type: GoalType = GoalType.at_least

    @property
    def is_per_period(self) -> bool:
        return self.frequency in (Frequency.weekly, Frequency.monthly)


def rule_on(rules: Sequence[Rule], day: date) -> Rule:
    """The rule in force on `day`: the latest that took effect by then, else the first.

    `rules` must be sorted by `effective_from`.
    """
    if len(rules) == 1:  # almost every habit: its rule never changed
        return rules[0]
    index = bisect_right([rule.effective_from for rule in rules], day) - 1
    return rules[max(index, 0)]


def period_bounds(day: date, frequency: Frequency, week_start: int) -> tuple[date, date]:
    """First and last day of the period holding `day`: the day, its week or its month."""
    if frequency is Frequency.weekly:
        start = day - timedelta(days=(day.weekday() - week_start) % 7)
        return start, start + timedelta(days=6)
    if frequency is Frequency.monthly:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    return day, day


def first_due_period_start(rule: Rule, start_date: date, week_start: int) -> date:
    """When a habit is first due: its start, or for weekly/monthly the next whole period."""
    if not rule.is_per_period:
        return start_date
    period_start, period_end = period_bounds(start_date, rule.frequency, week_start)
    return start_date if period_start == start_date else period_end + timedelta(days=1)


def is_scheduled_day(rule: Rule, day: date, anchor: date) -> bool:
    """Whether `day` is one the rule asks for (weekly/monthly habits may be done any day)."""
    if rule.frequency is Frequency.daily:
        return day.weekday() in rule.target_days
    if rule.frequency is Frequency.every_n_days:
        return day >= anchor and (day - anchor).days % rule.every_n_days == 0
    return True


def day_met(rule: Rule, status: Status | None, value: float | None) -> bool:
    """A done day meets a yes/no habit; a measurable one needs its recorded value within goal."""
    if status is not Status.done:
        return False
    if rule.goal_value is None:
        return True
    if value is None:
        return False
    if rule.goal_type is GoalType.at_most:
        return value <= rule.goal_value
    return value >= rule.goal_value


def day_progress(rule: Rule, status: Status | None, value: float | None) -> float:
    """How far the day is towards its goal, 0..1 (an `at_most` day is all or nothing)."""
    if rule.goal_value is None or rule.goal_type is GoalType.at_most or value is None:
        return 1.0 if day_met(rule, status, value) else 0.0
    if status is not Status.done:
        return 0.0
    return min(value / rule.goal_value, 1.0)
