"""The goal maths against a direct count over the periods habitmath judges (no database)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from habitual.habitmath.goals import GoalTerms, goal_progress
from habitual.habitmath.periods import DayRecord, HabitHistory, Outcome, PeriodResult, judge
from habitual.habitmath.schedule import Frequency, GoalType, Rule, Status, rule_on
from tests.habitmath import reference
from tests.habitmath.strategies import histories

START = date(2026, 6, 1)  # a Monday
DONE = DayRecord(Status.done, None)


def daily(
    checked: list[int], frequency: Frequency = Frequency.daily, times: int = 1
) -> HabitHistory:
    rule = Rule(effective_from=START, frequency=frequency, times_per_period=times)
    checkins = {START + timedelta(days=n): DONE for n in checked}
    return HabitHistory([rule], START, None, checkins)


@st.composite
def goal_cases(draw: st.DrawFn) -> tuple[HabitHistory, GoalTerms, date]:
    history = draw(histories(longest=150))
    start_date = history.start_date + timedelta(days=draw(st.integers(0, 120)))
    length = draw(st.none() | st.integers(0, 120))
    end_date = None if length is None else start_date + timedelta(days=length)
    today = start_date + timedelta(days=draw(st.integers(-10, 160)))
    terms = GoalTerms(draw(st.integers(1, 60)), start_date, end_date, draw(st.booleans()))
    return history, terms, today


def window(history: HabitHistory, terms: GoalTerms, today: date) -> list[PeriodResult]:
    """The reference's periods ending inside the goal's dates, judged on `today`."""
    return [
        period
        for period in reference.judge(history, history.start_date, today, today)
        if terms.start_date <= period.end
        and (terms.end_date is None or period.end <= terms.end_date)
    ]


@settings(max_examples=150, deadline=None)
@given(goal_cases())
def test_met_of_a_count_goal_is_the_met_periods_inside_its_dates(case):
    history, terms, today = case
    terms = terms._replace(consecutive=False)
    expected = sum(1 for period in window(history, terms, today) if period.outcome is Outcome.met)

    progress = goal_progress(history, terms, today)

    assert progress.met == expected
    assert progress.reached == (expected >= terms.target)


@settings(max_examples=150, deadline=None)
@given(goal_cases())
def test_a_consecutive_goal_is_reached_by_a_run_of_target_met_periods(case):
    history, terms, today = case
    terms = terms._replace(consecutive=True)
    periods = window(history, terms, today)
    best = reference.longest_streak(periods).length
    current = reference.current_streak(periods).length

    progress = goal_progress(history, terms, today)

    assert progress.reached == (best >= terms.target)
    assert progress.met == (best if progress.reached else current)


@settings(max_examples=150, deadline=None)
@given(goal_cases())
def test_a_goal_judged_unreachable_stays_unreached_with_every_open_period_met(case):
    history, terms, today = case
    progress = goal_progress(history, terms, today)
    if progress.reachable or terms.end_date is None:
        return
    # Meet every day from today to the end: the goal still falls short.
    filled = dict(history.checkins)
    day = today
    while day <= terms.end_date:
        at_most = rule_on(history.rules, day).goal_type is GoalType.at_most
        filled[day] = DayRecord(Status.done, 0.0 if at_most else 1e9)
        day += timedelta(days=1)
    later = goal_progress(history._replace(checkins=filled), terms, terms.end_date)
    assert not later.reached


def test_a_weekly_goal_counts_the_week_holding_its_start_and_not_one_past_its_end():
    # Weeks from Monday 1 June; the goal runs Wednesday 3 June to Wednesday 17 June.
    history = daily([0, 1, 7, 8, 14, 15], Frequency.weekly, times=2)
    terms = GoalTerms(3, date(2026, 6, 3), date(2026, 6, 17))

    progress = goal_progress(history, terms, date(2026, 6, 30))

    assert progress.met == 2  # the weeks of 1 and 8 June; 15 June's ends after the goal
    assert not progress.reached
    assert not progress.reachable


def test_on_track_compares_met_with_the_target_share_of_the_days_passed():
    terms = GoalTerms(10, START, START + timedelta(days=9))  # ten days, ten to meet
    today = START + timedelta(days=5)  # five days over: five expected
    on_pace = goal_progress(daily([0, 1, 2, 3, 4]), terms, today)
    behind = goal_progress(daily([0, 1, 2, 3]), terms, today)

    assert on_pace.on_track
    assert not behind.on_track
    assert behind.reachable is False  # four met, five days left: nine at most


def test_an_open_ended_goal_is_off_track_after_a_missed_period_until_one_is_met():
    terms = GoalTerms(30, START, None)

    assert goal_progress(daily([0, 1]), terms, START + timedelta(days=2)).on_track
    assert not goal_progress(daily([0]), terms, START + timedelta(days=2)).on_track
    assert goal_progress(daily([0, 2]), terms, START + timedelta(days=2)).on_track
    assert goal_progress(daily([0]), terms, START + timedelta(days=2)).reachable


def test_judge_and_the_goal_agree_on_a_plain_daily_habit():
    history = daily(list(range(0, 20, 2)))
    periods = judge(history, START, START + timedelta(days=19), START + timedelta(days=19))
    terms = GoalTerms(5, START, START + timedelta(days=19))

    assert goal_progress(history, terms, START + timedelta(days=19)).met == sum(
        period.outcome is Outcome.met for period in periods
    )
