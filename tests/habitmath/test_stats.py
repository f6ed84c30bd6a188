"""One habit's statistics, against the reference composed from the reference pieces."""

from __future__ import annotations

import math
from datetime import date
from itertools import pairwise

from hypothesis import given, settings

from habitual.habitmath.periods import DayRecord, HabitHistory
from habitual.habitmath.schedule import Frequency, Rule, Status
from habitual.habitmath.stats import Bucket, HabitStats, habit_stats
from tests.habitmath import reference
from tests.habitmath.strategies import Case, cases

STATS = settings(max_examples=150, deadline=None)


def close(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is expected
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)


def as_counts(buckets: list[Bucket]) -> list[reference.BucketCounts]:
    return [reference.BucketCounts(b.start, b.completions, b.due, b.met) for b in buckets]


def assert_matches(stats: HabitStats, expected: reference.Stats) -> None:
    assert (stats.first, stats.last) == (expected.first, expected.last)
    assert (stats.completed, stats.due, stats.met) == (
        expected.completed,
        expected.due,
        expected.met,
    )
    assert stats.success_rate == expected.success_rate
    streaks = (stats.current_streak, stats.longest_streak)
    assert [reference.Run(s.length, s.start, s.end) for s in streaks] == [
        expected.current_streak,
        expected.longest_streak,
    ]
    assert stats.streak_unit == expected.streak_unit
    assert close(stats.score, expected.score)
    assert close(stats.total_value, expected.total_value)
    assert close(stats.average_value, expected.average_value)
    assert as_counts(stats.by_week) == expected.by_week
    assert as_counts(stats.by_month) == expected.by_month


@STATS
@given(cases())
def test_habit_stats_match_the_reference(case: Case):
    stats = habit_stats(case.history, case.first, case.last, case.today)
    assert_matches(stats, reference.habit_stats(case.history, case.first, case.last, case.today))


@STATS
@given(cases())
def test_the_buckets_add_up_to_the_totals(case: Case):
    stats = habit_stats(case.history, case.first, case.last, case.today)
    for buckets in (stats.by_week, stats.by_month):
        assert sum(bucket.completions for bucket in buckets) == stats.completed
        assert sum(bucket.due for bucket in buckets) == stats.due
        assert sum(bucket.met for bucket in buckets) == stats.met
    if stats.due:
        assert stats.success_rate == stats.met / stats.due


@STATS
@given(cases())
def test_the_buckets_are_consecutive_weeks_and_months(case: Case):
    stats = habit_stats(case.history, case.first, case.last, case.today)
    weeks = [bucket.start for bucket in stats.by_week]
    assert all((later - earlier).days == 7 for earlier, later in pairwise(weeks))
    assert all(week.weekday() == case.history.week_start for week in weeks)
    months = [bucket.start for bucket in stats.by_month]
    assert all(month.day == 1 for month in months)
    assert all(
        (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 1
        for earlier, later in pairwise(months)
    )


def test_a_range_before_the_start_has_no_buckets_and_no_score():
    history = HabitHistory(
        rules=[Rule(effective_from=date(2026, 5, 1), frequency=Frequency.daily)],
        start_date=date(2026, 5, 1),
        end_date=None,
        checkins={date(2026, 5, 1): DayRecord(Status.done, None)},
    )
    stats = habit_stats(history, date(2026, 4, 1), date(2026, 4, 20), today=date(2026, 5, 2))
    assert (stats.first, stats.last) == (date(2026, 5, 1), date(2026, 4, 20))
    assert (stats.completed, stats.due, stats.met, stats.success_rate) == (0, 0, 0, None)
    assert (stats.by_week, stats.by_month, stats.score) == ([], [], 0.0)
    assert stats.current_streak.length == stats.longest_streak.length == 1
