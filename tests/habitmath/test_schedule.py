"""The pure schedule arithmetic, against slow references written the obvious way."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from habitual.habitmath.schedule import (
    Frequency,
    GoalType,
    Rule,
    Status,
    day_met,
    day_progress,
    first_due_period_start,
    is_scheduled_day,
    period_bounds,
    rule_on,
)

days = st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 12, 31))
week_starts = st.integers(min_value=0, max_value=6)
frequencies = st.sampled_from(list(Frequency))
statuses = st.sampled_from([None, *Status])
goal_types = st.sampled_from(list(GoalType))
amounts = st.floats(min_value=0, max_value=1e12, allow_nan=False)
goals = st.floats(min_value=1e-3, max_value=1e12, allow_nan=False)


def rule(**fields: Any) -> Rule:
    values: dict[str, Any] = {"effective_from": date(2026, 1, 1), "frequency": Frequency.daily}
    return Rule(**(values | fields))


def reference_period_bounds(day: date, frequency: Frequency, week_start: int) -> tuple[date, date]:
    """Walk back to the period's first day and forward to its last."""
    if frequency is Frequency.weekly:
        start = day
        while start.weekday() != week_start:
            start -= timedelta(days=1)
        end = day
        while (end + timedelta(days=1)).weekday() != week_start:
            end += timedelta(days=1)
        return start, end
    if frequency is Frequency.monthly:
        start = day
        while (start - timedelta(days=1)).month == day.month:
            start -= timedelta(days=1)
        end = day
        while (end + timedelta(days=1)).month == day.month:
            end += timedelta(days=1)
        return start, end
    return day, day


def reference_rule_on(rules: list[Rule], day: date) -> Rule:
    in_force = [candidate for candidate in rules if candidate.effective_from <= day]
    return in_force[-1] if in_force else rules[0]


def reference_day_met(
    goal_value: float | None, goal_type: GoalType, status: Status | None, value: float | None
) -> bool:
    if status != Status.done:
        return False
    if goal_value is None:
        return True
    if value is None:
        return False
    return value <= goal_value if goal_type == GoalType.at_most else value >= goal_value


def reference_day_progress(
    goal_value: float | None, goal_type: GoalType, status: Status | None, value: float | None
) -> float:
    met = reference_day_met(goal_value, goal_type, status, value)
    if goal_value is None or goal_type == GoalType.at_most:
        return 1.0 if met else 0.0
    if status != Status.done or value is None:
        return 0.0
    return 1.0 if value >= goal_value else value / goal_value


@given(days, frequencies, week_starts)
def test_period_bounds_match_the_walking_reference(day, frequency, week_start):
    assert period_bounds(day, frequency, week_start) == reference_period_bounds(
        day, frequency, week_start
    )


@given(days, st.sampled_from([Frequency.weekly, Frequency.monthly]), week_starts)
def test_every_day_of_a_period_has_the_same_bounds(day, frequency, week_start):
    start, end = period_bounds(day, frequency, week_start)
    assert start <= day <= end
    for offset in range((end - start).days + 1):
        assert period_bounds(start + timedelta(days=offset), frequency, week_start) == (start, end)


@given(days, week_starts)
def test_a_week_starts_on_week_start_and_lasts_seven_days(day, week_start):
    start, end = period_bounds(day, Frequency.weekly, week_start)
    assert start.weekday() == week_start
    assert (end - start).days == 6


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2028, 2, 29), (date(2028, 2, 1), date(2028, 2, 29))),
        (date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
    ],
)
def test_a_month_runs_from_its_first_to_its_last_day(day, expected):
    assert period_bounds(day, Frequency.monthly, 0) == expected


rule_lists = st.lists(days, min_size=1, max_size=6).map(
    lambda starts: [
        rule(effective_from=start, every_n_days=number + 2)
        for number, start in enumerate(sorted(starts))
    ]
)


@given(rule_lists, days)
def test_rule_on_picks_the_latest_rule_in_force_else_the_first(rules, day):
    assert rule_on(rules, day) is reference_rule_on(rules, day)


def test_rule_on_the_day_a_rule_takes_effect_is_that_rule():
    first, second = rule(effective_from=date(2026, 1, 1)), rule(effective_from=date(2026, 3, 1))
    assert rule_on([first, second], date(2026, 2, 28)) is first
    assert rule_on([first, second], date(2026, 3, 1)) is second
    assert rule_on([first, second], date(2025, 12, 31)) is first


@given(st.none() | goals, goal_types, statuses, st.none() | amounts)
def test_day_met_matches_the_reference(goal_value, goal_type, status, value):
    judged = rule(goal_value=goal_value, goal_type=goal_type)
    assert day_met(judged, status, value) == reference_day_met(goal_value, goal_type, status, value)


@given(st.none() | goals, goal_types, statuses, st.none() | amounts)
def test_day_progress_matches_the_reference(goal_value, goal_type, status, value):
    judged = rule(goal_value=goal_value, goal_type=goal_type)
    progress = day_progress(judged, status, value)
    assert progress == reference_day_progress(goal_value, goal_type, status, value)
    assert 0.0 <= progress <= 1.0
    if day_met(judged, status, value):
        assert progress == 1.0


@given(goals, goal_types, st.none() | amounts)
def test_a_skipped_day_is_never_met_and_makes_no_progress(goal_value, goal_type, value):
    judged = rule(goal_value=goal_value, goal_type=goal_type)
    assert day_met(judged, Status.skipped, value) is False
    assert day_progress(judged, Status.skipped, value) == 0.0


def test_an_at_most_day_with_nothing_recorded_is_not_met():
    judged = rule(goal_value=2, goal_type=GoalType.at_most)
    assert day_met(judged, None, None) is False
    assert day_met(judged, Status.done, None) is False


@given(days, st.frozensets(st.integers(min_value=0, max_value=6), min_size=1), days)
def test_a_daily_rule_asks_for_exactly_its_target_weekdays(day, target_days, anchor):
    judged = rule(target_days=target_days)
    assert is_scheduled_day(judged, day, anchor) == (day.weekday() in target_days)


@given(days, st.integers(min_value=2, max_value=365), days)
def test_an_every_n_days_rule_asks_for_every_nth_day_from_the_anchor(day, every, anchor):
    judged = rule(frequency=Frequency.every_n_days, every_n_days=every)
    scheduled, step = set(), anchor
    while step <= day:
        scheduled.add(step)
        step += timedelta(days=every)
    assert is_scheduled_day(judged, day, anchor) == (day in scheduled)


@given(days, st.sampled_from([Frequency.weekly, Frequency.monthly]), week_starts)
def test_a_per_period_habit_is_first_due_at_the_first_whole_period(start_date, frequency, ws):
    judged = rule(frequency=frequency)
    first = start_date
    while period_bounds(first, frequency, ws)[0] != first:
        first += timedelta(days=1)
    assert first_due_period_start(judged, start_date, ws) == first


@given(days, st.sampled_from([Frequency.daily, Frequency.every_n_days]), week_starts)
def test_a_per_day_habit_is_first_due_on_its_start(start_date, frequency, week_start):
    assert first_due_period_start(rule(frequency=frequency), start_date, week_start) == start_date
