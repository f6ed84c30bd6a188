"""Hand-worked examples: each expected number below was worked out by hand in the comments."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from habitual.habitmath.periods import DayRecord, HabitHistory, Outcome, PeriodResult, judge
from habitual.habitmath.schedule import Frequency, GoalType, Rule, Status
from habitual.habitmath.score import score_on
from habitual.habitmath.stats import habit_stats
from habitual.habitmath.streaks import Streak, current_streak, longest_streak, success_rate
from habitual.kit.timezones import local_date

met, missed, skipped, pending = Outcome.met, Outcome.missed, Outcome.skipped, Outcome.pending


def done(value: float | None = None) -> DayRecord:
    return DayRecord(Status.done, value)


SKIP = DayRecord(Status.skipped, None)


# 1. "3 times a week", weeks from Monday, started Monday 2026-06-01; today is Wed 2026-07-01.
#
#   week              check-ins                          met  skipped  outcome
#   Jun  1 - Jun  7   done Mon 1, Wed 3, Fri 5             3      0    met (3 >= 3)
#   Jun  8 - Jun 14   all 7 days skipped                   0      7    skipped (7 - 7 = 0 < 3)
#   Jun 15 - Jun 21   done Tue 16, Thu 18, Sat 20          3      0    met
#   Jun 22 - Jun 28   skipped Mon-Thu, done Sat 27         1      4    missed (7 - 4 = 3 >= 3:
#                                                                      3 days were left to do it)
#   Jun 29 - Jul  5   done Mon 29, Tue 30, Wed Jul 1       3      0    met, though unfinished
#
# Success rate: met 3 / (met 3 + missed 1) = 0.75 (the skipped week is left out).
# Current streak: Jun 29 week met, Jun 22 week missed -> 1 week, Jun 29 - Jul 5.
# Longest streak: Jun 1 week, (Jun 8 skipped: passed over), Jun 15 week -> 2 weeks, Jun 1 - 21;
#   the Jun 22 miss ends it.
# June as a range: periods that began in June are all five (Jun 29 is in June): due 4, met 3;
#   done check-ins in June: 3 + 0 + 3 + 1 + 2 (Jun 29, 30) = 9.
THREE_A_WEEK = HabitHistory(
    rules=[Rule(date(2026, 6, 1), Frequency.weekly, times_per_period=3)],
    start_date=date(2026, 6, 1),
    end_date=None,
    checkins={
        **{date(2026, 6, day): done() for day in (1, 3, 5, 16, 18, 20, 27, 29, 30)},
        **{date(2026, 6, day): SKIP for day in (8, 9, 10, 11, 12, 13, 14, 22, 23, 24, 25)},
        date(2026, 7, 1): done(),
    },
)
JULY_FIRST = date(2026, 7, 1)


def test_a_three_times_a_week_habit_judges_each_week_by_hand():
    periods = judge(THREE_A_WEEK, date(2026, 6, 1), JULY_FIRST, JULY_FIRST)
    assert periods == [
        PeriodResult(date(2026, 6, 1), date(2026, 6, 7), met, 3, 3),
        PeriodResult(date(2026, 6, 8), date(2026, 6, 14), skipped, 0, 3),
        PeriodResult(date(2026, 6, 15), date(2026, 6, 21), met, 3, 3),
        PeriodResult(date(2026, 6, 22), date(2026, 6, 28), missed, 1, 3),
        PeriodResult(date(2026, 6, 29), date(2026, 7, 5), met, 3, 3),
    ]
    assert success_rate(periods) == 0.75
    assert current_streak(periods) == Streak(1, date(2026, 6, 29), date(2026, 7, 5))
    assert longest_streak(periods) == Streak(2, date(2026, 6, 1), date(2026, 6, 21))


def test_a_three_times_a_week_habit_over_june_by_hand():
    stats = habit_stats(THREE_A_WEEK, date(2026, 6, 1), date(2026, 6, 30), JULY_FIRST)
    assert (stats.completed, stats.due, stats.met, stats.success_rate) == (9, 4, 3, 0.75)
    assert stats.streak_unit == "weeks"
    assert [(bucket.start, bucket.due, bucket.met) for bucket in stats.by_month] == [
        (date(2026, 6, 1), 4, 3)
    ]


def test_a_week_not_yet_met_is_pending_until_it_ends():
    # On Mon Jun 29 only one of the three check-ins is in: the week is pending, not missed.
    periods = judge(THREE_A_WEEK, date(2026, 6, 29), date(2026, 6, 29), date(2026, 6, 29))
    assert periods == [PeriodResult(date(2026, 6, 29), date(2026, 7, 5), pending, 1, 3)]


# 2. Mon/Wed/Fri, in Europe/Berlin, across the switch to summer time on Sun 2026-03-29 (02:00
# CET -> 03:00 CEST, a 23-hour day). Each check-in is made at 07:30 local time, which is 06:30 UTC
# before the switch and 05:30 UTC after it. The math sees only local dates:
#
#   Mon 23  Wed 25  Fri 27 | Sat 28  Sun 29 (23 h) | Mon 30  Wed Apr 1  Fri Apr 3
#   met     met     met    | not due not due       | met     met        pending (today, nothing)
#
# The week after the switch is judged exactly as the week before it; 5 met in a row.
BERLIN = "Europe/Berlin"


def test_a_mon_wed_fri_habit_is_judged_by_local_date_across_the_dst_switch():
    morning_check_ins_at = [
        datetime(2026, 3, 23, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 25, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 27, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 5, 30, tzinfo=UTC),
        datetime(2026, 4, 1, 5, 30, tzinfo=UTC),
    ]
    local_dates = [local_date(instant, BERLIN, day_start=0) for instant in morning_check_ins_at]
    assert local_dates == [date(2026, 3, day) for day in (23, 25, 27, 30)] + [date(2026, 4, 1)]
    history = HabitHistory(
        rules=[Rule(date(2026, 3, 23), Frequency.daily, target_days=frozenset({0, 2, 4}))],
        start_date=date(2026, 3, 23),
        end_date=None,
        checkins={day: done() for day in local_dates},
    )
    today = date(2026, 4, 3)
    periods = judge(history, date(2026, 3, 23), today, today)
    assert [(period.start, period.outcome) for period in periods] == [
        (date(2026, 3, 23), met),
        (date(2026, 3, 25), met),
        (date(2026, 3, 27), met),
        (date(2026, 3, 30), met),
        (date(2026, 4, 1), met),
        (date(2026, 4, 3), pending),
    ]
    weekdays_and_outcomes = [(period.start.weekday(), period.outcome) for period in periods]
    assert weekdays_and_outcomes[3:5] == weekdays_and_outcomes[:2]  # Mon, Wed: both weeks alike
    assert current_streak(periods) == Streak(5, date(2026, 3, 23), date(2026, 4, 1))


# 3. "At most 2 coffees" a day (measurable, at_most 2), from Mon 2026-05-04; today is Fri May 8.
#
#   Mon 4: 1 coffee  -> 1 <= 2: met
#   Tue 5: 2 coffees -> 2 <= 2: met (the limit itself is within it)
#   Wed 6: 3 coffees -> 3 > 2: missed
#   Thu 7: nothing recorded -> not met (no record is no proof): missed
#
# Success rate 2 / 4 = 0.5; current streak 0 (Thu missed); longest 2 (May 4 - 5).
def test_an_at_most_habit_is_met_only_by_a_recorded_value_within_the_limit():
    history = HabitHistory(
        rules=[Rule(date(2026, 5, 4), Frequency.daily, goal_value=2.0, goal_type=GoalType.at_most)],
        start_date=date(2026, 5, 4),
        end_date=None,
        checkins={
            date(2026, 5, 4): done(1.0),
            date(2026, 5, 5): done(2.0),
            date(2026, 5, 6): done(3),
        },
    )
    periods = judge(history, date(2026, 5, 4), date(2026, 5, 7), today=date(2026, 5, 8))
    assert [period.outcome for period in periods] == [met, met, missed, missed]
    assert success_rate(periods) == 0.5
    assert current_streak(periods) == Streak(0, None, None)
    assert longest_streak(periods) == Streak(2, date(2026, 5, 4), date(2026, 5, 5))


# 4. Steps, at least 10,000 a day from 2026-04-01, raised to 12,000 from Wed 2026-04-15.
#
#   Mon 13: 11,000 -> old goal 10,000: met
#   Tue 14: 10,000 -> old goal, exactly: met
#   Wed 15: 11,000 -> new goal 12,000: missed (it would have met the old one)
#   Thu 16: 12,500 -> new goal: met
#
# Success rate over Apr 13 - 16: 3 / 4 = 0.75.
def test_a_raised_goal_judges_only_the_days_from_its_change():
    history = HabitHistory(
        rules=[
            Rule(date(2026, 4, 1), Frequency.daily, goal_value=10_000.0),
            Rule(date(2026, 4, 15), Frequency.daily, goal_value=12_000.0),
        ],
        start_date=date(2026, 4, 1),
        end_date=None,
        checkins={
            date(2026, 4, 13): done(11_000),
            date(2026, 4, 14): done(10_000),
            date(2026, 4, 15): done(11_000),
            date(2026, 4, 16): done(12_500),
        },
    )
    periods = judge(history, date(2026, 4, 13), date(2026, 4, 16), today=date(2026, 4, 17))
    assert [period.outcome for period in periods] == [met, met, missed, met]
    assert success_rate(periods) == 0.75


# 5. The score of an every-day habit: times 1 in 1 day, so m = 0.5 ** (sqrt(1) / 13) and each met
# day does score = score * m + 1 * (1 - m). From 0: 1 - score_n+1 = m * (1 - score_n), so after
# N met days 1 - score = m ** N, that is score = 1 - m ** N. After 13 days m ** 13 = 0.5: 0.5.
EVERY_DAY_M = 0.5 ** (1 / 13)


@pytest.mark.parametrize("met_days", [1, 2, 7, 13, 26, 100, 365])
def test_after_n_met_days_the_score_is_one_minus_m_to_the_n(met_days: int):
    start = date(2024, 2, 20)
    history = HabitHistory(
        rules=[Rule(start, Frequency.daily)],
        start_date=start,
        end_date=None,
        checkins={start + timedelta(days=n): done() for n in range(met_days)},
    )
    score = score_on(history, start + timedelta(days=met_days - 1))
    assert math.isclose(score, 1 - EVERY_DAY_M**met_days, rel_tol=1e-9, abs_tol=1e-12)


def test_thirteen_met_days_make_half_strength():
    start = date(2026, 1, 1)
    history = HabitHistory(
        rules=[Rule(start, Frequency.daily)],
        start_date=start,
        end_date=None,
        checkins={start + timedelta(days=n): done() for n in range(13)},
    )
    assert math.isclose(score_on(history, date(2026, 1, 13)), 0.5, rel_tol=1e-9)


# 6. The open period on its last day. "3 times a week", weeks from Monday, from Mon 2026-06-01.
#
#   Jun  1 - Jun  7   done Mon 1, Tue 2, Wed 3      3 of 3   met
#   Jun  8 - Jun 14   done Mon 8                    1 of 3   today is Sun 14, the week's last
#                                                            day: still pending, not missed
#
# Success rate: 1 / 1 (the open week is not due yet); current streak: the Jun 1 week, 1 week.
# On Mon 15 the week has ended and is missed: rate 1 / 2, current streak 0.
ONE_OF_THREE_ON_SUNDAY = HabitHistory(
    rules=[Rule(date(2026, 6, 1), Frequency.weekly, times_per_period=3)],
    start_date=date(2026, 6, 1),
    end_date=None,
    checkins={date(2026, 6, day): done() for day in (1, 2, 3, 8)},
)


def test_the_open_week_is_pending_on_its_last_day():
    sunday = date(2026, 6, 14)
    periods = judge(ONE_OF_THREE_ON_SUNDAY, date(2026, 6, 1), sunday, sunday)
    assert periods == [
        PeriodResult(date(2026, 6, 1), date(2026, 6, 7), met, 3, 3),
        PeriodResult(date(2026, 6, 8), sunday, pending, 1, 3),
    ]
    stats = habit_stats(ONE_OF_THREE_ON_SUNDAY, date(2026, 6, 1), sunday, sunday)
    assert (stats.due, stats.met, stats.success_rate) == (1, 1, 1.0)
    assert stats.current_streak == Streak(1, date(2026, 6, 1), date(2026, 6, 7))


def test_the_week_is_missed_the_day_after_its_last_day():
    monday = date(2026, 6, 15)
    stats = habit_stats(ONE_OF_THREE_ON_SUNDAY, date(2026, 6, 1), monday, monday)
    assert (stats.due, stats.met, stats.success_rate) == (2, 1, 0.5)
    assert stats.current_streak == Streak(0, None, None)


# 7. "5 times a month" from the month before: done on its first 5 days (met); then done twice
# by the last day of this month (Tue Jun 30, a 30-day month; Fri Jul 31, a 31-day one): this
# month is pending, so the rate is 1 / 1 and the current streak the month before.
@pytest.mark.parametrize("month_end", [date(2026, 6, 30), date(2026, 7, 31)])
def test_the_open_month_is_pending_on_its_last_day(month_end: date):
    month_start = month_end.replace(day=1)
    previous_start = (month_start - timedelta(days=1)).replace(day=1)
    history = HabitHistory(
        rules=[Rule(previous_start, Frequency.monthly, times_per_period=5)],
        start_date=previous_start,
        end_date=None,
        checkins={
            **{previous_start + timedelta(days=n): done() for n in range(5)},
            month_start: done(),
            month_start + timedelta(days=9): done(),
        },
    )
    stats = habit_stats(history, previous_start, month_end, month_end)
    assert (stats.due, stats.met, stats.success_rate) == (1, 1, 1.0)
    assert stats.current_streak.length == 1
    assert judge(history, month_start, month_end, month_end) == [
        PeriodResult(month_start, month_end, pending, 2, 5)
    ]
