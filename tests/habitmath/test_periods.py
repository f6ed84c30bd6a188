"""Judging periods, against the day-by-day reference and a few properties of time."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from habitual.habitmath.periods import (
    DayRecord,
    HabitHistory,
    Outcome,
    PeriodResult,
    PeriodStanding,
    judge,
    period_standing,
)
from habitual.habitmath.schedule import Frequency, Rule, Status, rule_on
from tests.habitmath import reference
from tests.habitmath.strategies import Case, cases

FAST = settings(max_examples=120, deadline=None)
THOROUGH = settings(max_examples=250, deadline=None)


@THOROUGH
@given(cases())
def test_judge_matches_the_day_by_day_reference(case: Case):
    expected = reference.judge(case.history, case.first, case.last, case.today)
    assert judge(case.history, case.first, case.last, case.today) == expected


@THOROUGH
@given(cases())
def test_judging_a_range_is_judging_everything_then_keeping_the_range(case: Case):
    history, today = case.history, case.today
    everything = judge(history, history.start_date, today, today)
    in_range = [period for period in everything if case.first <= period.start <= case.last]
    assert judge(history, case.first, case.last, today) == in_range


@FAST
@given(cases())
def test_periods_are_in_order_apart_and_inside_the_habits_life(case: Case):
    history = case.history
    periods = judge(history, case.first, case.last, case.today)
    for earlier, later in pairwise(periods):
        assert earlier.end < later.start
    for period in periods:
        assert max(case.first, history.start_date) <= period.start <= min(case.last, case.today)
        assert history.end_date is None or period.end <= history.end_date
        assert (period.outcome is Outcome.met) == (period.met_days >= period.required)
        if period.outcome is Outcome.pending:
            assert period.end >= case.today


@FAST
@given(cases())
def test_the_period_holding_today_is_never_missed_even_on_its_last_day(case: Case):
    history, today = case.history, case.today
    for period in judge(history, history.start_date, today, today):
        if period.start <= today <= period.end:
            assert period.outcome is not Outcome.missed


@FAST
@given(cases(), st.integers(min_value=1, max_value=400))
def test_the_past_is_judged_the_same_on_any_later_day(case: Case, days_later: int):
    history, today = case.history, case.today
    later_today = today + timedelta(days=days_later)
    then = judge(history, history.start_date, today, today)
    now = judge(history, history.start_date, later_today, later_today)
    finished_then = [period for period in then if period.end < today]
    assert [period for period in now if period.end < today] == finished_then


@FAST
@given(cases())
def test_check_ins_after_today_change_nothing(case: Case):
    history, today = case.history, case.today
    up_to_today = {day: record for day, record in history.checkins.items() if day <= today}
    trimmed = history._replace(checkins=up_to_today)
    assert judge(history, case.first, case.last, today) == judge(
        trimmed, case.first, case.last, today
    )


@THOROUGH
@given(cases())
def test_the_standing_of_a_judged_period_agrees_with_its_judgement(case: Case):
    history, today = case.history, case.today
    up_to_today = history._replace(
        checkins={day: record for day, record in history.checkins.items() if day <= today}
    )
    for period in judge(history, history.start_date, today, today):
        standing = period_standing(up_to_today, period.start)
        assert (standing.start, standing.end) == (period.start, period.end)
        assert (standing.met_days, standing.required) == (period.met_days, period.required)
        assert standing.met == (period.outcome is Outcome.met)
        assert standing.due


@FAST
@given(cases())
def test_a_day_is_due_exactly_when_judge_judges_it(case: Case):
    history, today = case.history, case.today
    judged = {period.start for period in judge(history, history.start_date, today, today)}
    day = history.start_date - timedelta(days=3)
    while day <= today:
        if not rule_on(history.rules, day).is_per_period:
            assert period_standing(history, day).due == (day in judged), day
        day += timedelta(days=1)


def weekly(times: int, effective_from: date) -> Rule:
    return Rule(effective_from=effective_from, frequency=Frequency.weekly, times_per_period=times)


def done_on(*days: date) -> dict[date, DayRecord]:
    return {day: DayRecord(Status.done, None) for day in days}


MONDAY = date(2026, 3, 2)


def test_a_week_that_begins_in_the_range_is_judged_when_the_range_ends_mid_week():
    history = HabitHistory(
        rules=[weekly(1, MONDAY)],
        start_date=MONDAY,
        end_date=None,
        checkins=done_on(MONDAY + timedelta(days=5)),
    )
    wednesday = MONDAY + timedelta(days=2)
    assert judge(history, MONDAY, wednesday, today=date(2026, 4, 1)) == [
        PeriodResult(MONDAY, MONDAY + timedelta(days=6), Outcome.met, 1, 1)
    ]


def test_the_current_week_is_judged_while_a_rule_change_waits_weeks_ahead():
    history = HabitHistory(
        rules=[weekly(1, MONDAY), weekly(2, MONDAY + timedelta(days=28))],
        start_date=MONDAY,
        end_date=None,
        checkins=done_on(MONDAY + timedelta(days=7)),
    )
    tuesday_of_week_two = MONDAY + timedelta(days=8)
    assert judge(history, MONDAY, tuesday_of_week_two, tuesday_of_week_two) == [
        PeriodResult(MONDAY, MONDAY + timedelta(days=6), Outcome.missed, 0, 1),
        PeriodResult(MONDAY + timedelta(days=7), MONDAY + timedelta(days=13), Outcome.met, 1, 1),
    ]


def test_a_week_the_habit_ends_in_is_never_judged_even_before_the_end_comes():
    history = HabitHistory(
        rules=[weekly(1, MONDAY)],
        start_date=MONDAY,
        end_date=MONDAY + timedelta(days=3),
        checkins=done_on(MONDAY),
    )
    assert judge(history, MONDAY, MONDAY, today=MONDAY) == []
    assert judge(history, MONDAY, MONDAY, today=MONDAY + timedelta(days=30)) == []


def test_a_goal_raised_mid_week_leaves_the_earlier_days_met_by_the_old_goal():
    # 2 a week, at least 5 until Wednesday, 10 from then: Mon 6 meets 5; Wed 6 misses 10; Thu 11.
    wednesday = MONDAY + timedelta(days=2)
    thursday = MONDAY + timedelta(days=3)
    history = HabitHistory(
        rules=[
            Rule(MONDAY - timedelta(days=7), Frequency.weekly, times_per_period=2, goal_value=5),
            Rule(wednesday, Frequency.weekly, times_per_period=2, goal_value=10),
        ],
        start_date=MONDAY - timedelta(days=7),
        end_date=None,
        checkins={
            MONDAY: DayRecord(Status.done, 6),
            wednesday: DayRecord(Status.done, 6),
            thursday: DayRecord(Status.done, 11),
        },
    )
    sunday = MONDAY + timedelta(days=6)
    assert period_standing(history, wednesday) == PeriodStanding(MONDAY, sunday, 2, 1, 2, True)
    standing = period_standing(history, thursday)
    assert standing == PeriodStanding(MONDAY, sunday, 2, 1, 2, True)
    assert (standing.met, standing.still_due) == (True, True)
    friday = period_standing(history, MONDAY + timedelta(days=4))
    assert (friday.met, friday.still_due) == (True, False)  # met before Friday: nothing to do


def test_a_week_the_habit_started_in_midway_is_not_due():
    wednesday = MONDAY + timedelta(days=2)
    history = HabitHistory(
        rules=[weekly(1, wednesday)], start_date=wednesday, end_date=None, checkins={}
    )
    assert not period_standing(history, MONDAY + timedelta(days=4)).due
    assert period_standing(history, MONDAY + timedelta(days=7)).due


def test_a_day_period_is_due_on_the_days_the_rule_asks_for_within_the_habits_life():
    every_third = Rule(MONDAY, Frequency.every_n_days, every_n_days=3)
    history = HabitHistory(
        rules=[every_third],
        start_date=MONDAY,
        end_date=MONDAY + timedelta(days=9),
        checkins={MONDAY + timedelta(days=3): DayRecord(Status.done, None)},
    )
    due_days = [
        offset
        for offset in range(-3, 14)
        if period_standing(history, MONDAY + timedelta(offset)).due
    ]
    assert due_days == [0, 3, 6, 9]  # not before the start, nor after the end (day 12)
    assert period_standing(history, MONDAY + timedelta(days=3)) == PeriodStanding(
        MONDAY + timedelta(days=3), MONDAY + timedelta(days=3), 1, 0, 1, True
    )
