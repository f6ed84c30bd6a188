"""Habit strength, against a reference that rebuilds every day's window from scratch."""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from habitual.habitmath.periods import DayRecord
from habitual.habitmath.schedule import Status
from habitual.habitmath.score import multiplier, score_on, times_in_days
from tests.habitmath import reference
from tests.habitmath.strategies import Case, cases, rules_from, start_dates

SCORES = settings(max_examples=100, deadline=None)


def close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=300, deadline=None)
@given(start_dates.flatmap(rules_from))
def test_times_in_days_matches_the_reference(rule):
    assert times_in_days(rule) == reference.times_in_days(rule)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=31), st.integers(min_value=1, max_value=30))
def test_multiplier_is_half_to_the_root_of_the_frequency_over_13(times, days):
    assert close(multiplier(times, days), 0.5 ** (math.sqrt(times / days) / 13))


@SCORES
@given(cases(), st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12))
def test_the_score_on_any_day_matches_the_reference(case: Case, picks: list[int]):
    expected = reference.daily_scores(case.history, case.last)
    for pick in picks if expected else []:
        day, expected_score = expected[pick % len(expected)]
        assert close(score_on(case.history, day), expected_score), day


@SCORES
@given(cases())
def test_score_on_a_day_matches_the_reference(case: Case):
    assert close(score_on(case.history, case.today), reference.score_on(case.history, case.today))


@SCORES
@given(cases())
def test_the_score_stays_between_0_and_1(case: Case):
    assert 0.0 <= score_on(case.history, case.today) <= 1.0


@SCORES
@given(cases())
def test_before_the_start_the_score_is_0(case: Case):
    assert score_on(case.history, case.history.start_date - timedelta(days=1)) == 0.0


@SCORES
@given(cases(), st.integers(min_value=0, max_value=200))
def test_a_skipped_day_leaves_the_score_as_it_was(case: Case, offset: int):
    history = case.history
    day = history.start_date + timedelta(days=offset)
    skipped = history._replace(checkins={**history.checkins, day: DayRecord(Status.skipped, None)})
    before = score_on(skipped, day - timedelta(days=1))
    assert score_on(skipped, day) == before
