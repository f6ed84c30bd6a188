"""Statistics carried forward (`habitmath/carry.py`) against computing them from the start."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from habitual.habitmath.carry import CARRY_MARGIN, Carry, carry_until, fold, stats_from
from habitual.habitmath.periods import HabitHistory, judge
from habitual.habitmath.stats import HabitStats, habit_stats
from tests.habitmath.strategies import histories

CARRIES = settings(max_examples=200, deadline=None)


def close(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is expected
    return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)


def assert_same(carried: HabitStats, computed: HabitStats) -> None:
    """Equal, but for the sum of values: added in another order, it may differ in its last bits."""
    assert carried.total_value is None or computed.total_value is not None
    assert close(carried.total_value, computed.total_value)
    assert close(carried.average_value, computed.average_value)
    exact = ("total_value", "average_value")
    for name in (field.name for field in fields(HabitStats)):
        if name not in exact:
            assert getattr(carried, name) == getattr(computed, name), name


@st.composite
def lives(draw: st.DrawFn) -> tuple[HabitHistory, list[date]]:
    """A history and the days, in order, on which its statistics are asked for."""
    history = draw(histories())
    start = history.start_date
    offsets = draw(st.lists(st.integers(min_value=-5, max_value=900), min_size=1, max_size=4))
    return history, [start + timedelta(days=n) for n in sorted(offsets)]


@CARRIES
@given(lives())
def test_statistics_finished_from_carries_equal_those_computed_from_the_start(
    life: tuple[HabitHistory, list[date]],
):
    history, days = life
    carry: Carry | None = None
    for today in days:
        until = carry_until(history, today)
        if until is not None and (carry is None or until > carry.until):
            carry = fold(history, today, carry, until)
        computed = habit_stats(history, history.start_date, today, today)
        assert_same(stats_from(history, today, carry), computed)
        assert_same(stats_from(history, today, None), computed)


@CARRIES
@given(lives())
def test_a_carry_survives_its_round_trip_through_json(life: tuple[HabitHistory, list[date]]):
    history, days = life
    today = days[-1]
    until = carry_until(history, today)
    carry = fold(history, today, None, until or history.start_date)
    assert Carry.from_json(carry.to_json()) == carry


@CARRIES
@given(lives())
def test_every_period_before_the_boundary_ended_before_it_and_before_today(
    life: tuple[HabitHistory, list[date]],
):
    history, days = life
    today = days[-1]
    until = carry_until(history, today)
    assume(until is not None)  # a habit younger than its first whole period, three days back
    assert until is not None
    assert history.start_date < until <= today - timedelta(days=CARRY_MARGIN)
    periods = judge(history, history.start_date, today, today)
    for period in periods:
        if period.start < until:
            assert period.end < until
