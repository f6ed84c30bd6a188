"""Streaks and success rate, against the reference, on made-up and on judged periods."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from habitual.habitmath.periods import Outcome, PeriodResult, judge
from habitual.habitmath.streaks import (
    NO_STREAK,
    Streak,
    current_streak,
    longest_streak,
    success_rate,
)
from tests.habitmath import reference
from tests.habitmath.strategies import Case, cases

MANY = settings(max_examples=400, deadline=None)
JUDGED = settings(max_examples=150, deadline=None)


@st.composite
def period_runs(draw: st.DrawFn) -> list[PeriodResult]:
    """Back-to-back periods of one to three days with any outcomes."""
    day = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 1, 1)))
    periods = []
    for outcome in draw(st.lists(st.sampled_from(list(Outcome)), max_size=40)):
        end = day + timedelta(days=draw(st.integers(min_value=0, max_value=2)))
        periods.append(PeriodResult(day, end, outcome, int(outcome is Outcome.met), 1))
        day = end + timedelta(days=1)
    return periods


def as_run(streak: Streak) -> reference.Run:
    return reference.Run(streak.length, streak.start, streak.end)


def judged(case: Case) -> list[PeriodResult]:
    history = case.history
    return judge(history, history.start_date, case.today, case.today)


@MANY
@given(period_runs())
def test_current_streak_matches_the_reference(periods):
    assert as_run(current_streak(periods)) == reference.current_streak(periods)


@MANY
@given(period_runs())
def test_longest_streak_matches_the_reference(periods):
    assert as_run(longest_streak(periods)) == reference.longest_streak(periods)


@MANY
@given(period_runs())
def test_success_rate_matches_the_reference(periods):
    assert success_rate(periods) == reference.success_rate(periods)


@JUDGED
@given(cases())
def test_streaks_and_rate_of_judged_histories_match_the_reference(case: Case):
    periods = judged(case)
    assert as_run(current_streak(periods)) == reference.current_streak(periods)
    assert as_run(longest_streak(periods)) == reference.longest_streak(periods)
    assert success_rate(periods) == reference.success_rate(periods)


@MANY
@given(period_runs())
def test_no_streak_is_longer_than_the_longest(periods):
    current, longest = current_streak(periods), longest_streak(periods)
    assert current.length <= longest.length
    met = sum(1 for period in periods if period.outcome is Outcome.met)
    assert longest.length <= met


@MANY
@given(period_runs())
def test_a_streak_runs_from_a_met_periods_start_to_a_met_periods_end(periods):
    met_starts = {period.start for period in periods if period.outcome is Outcome.met}
    met_ends = {period.end for period in periods if period.outcome is Outcome.met}
    for streak in (current_streak(periods), longest_streak(periods)):
        if streak.length == 0:
            assert streak == NO_STREAK
        else:
            assert streak.start in met_starts
            assert streak.end in met_ends
            assert streak.start is not None
            assert streak.end is not None
            assert streak.start <= streak.end


@MANY
@given(period_runs())
def test_skipped_and_pending_periods_change_no_streak_and_no_rate(periods):
    counted = [period for period in periods if period.counts]
    assert current_streak(periods) == current_streak(counted)
    assert longest_streak(periods) == longest_streak(counted)
    assert success_rate(periods) == success_rate(counted)


def period(day: int, outcome: Outcome) -> PeriodResult:
    start = date(2026, 6, 1) + timedelta(days=day)
    return PeriodResult(start, start, outcome, int(outcome is Outcome.met), 1)


def test_the_later_of_two_equally_long_runs_is_the_longest():
    met, missed = Outcome.met, Outcome.missed
    periods = [period(0, met), period(1, met), period(2, missed), period(3, met), period(4, met)]
    assert longest_streak(periods) == Streak(2, date(2026, 6, 4), date(2026, 6, 5))


def test_a_missed_period_after_the_last_met_one_ends_the_current_streak():
    periods = [period(0, Outcome.met), period(1, Outcome.missed), period(2, Outcome.pending)]
    assert current_streak(periods) == NO_STREAK


def test_no_period_counted_is_no_success_rate():
    assert success_rate([period(0, Outcome.skipped), period(1, Outcome.pending)]) is None
