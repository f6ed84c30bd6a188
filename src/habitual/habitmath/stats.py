"""One habit's statistics over a date range, composed from periods, streaks and score."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from habitual.habitmath.periods import HabitHistory, Outcome, PeriodResult, judge
from habitual.habitmath.schedule import Frequency, Status, rule_on
from habitual.habitmath.score import score_on
from habitual.habitmath.streaks import Streak, current_streak, longest_streak, success_rate

STREAK_UNITS = {
    Frequency.daily: "days",
    Frequency.every_n_days: "days",
    Frequency.weekly: "weeks",
    Frequency.monthly: "months",
}


@dataclass(frozen=True, slots=True)
class Bucket:
    """A calendar week or month of a range: its completions and the periods that began in it."""

    start: date
    completions: int
    due: int
    met: int

    @property
    def rate(self) -> float | None:
        return self.met / self.due if self.due else None


@dataclass(frozen=True, slots=True)
class HabitStats:
    first: date
    last: date
    completed: int  # done check-ins in the range
    due: int  # periods that counted: met or missed
    met: int
    success_rate: float | None
    current_streak: Streak
    longest_streak: Streak
    streak_unit: str
    score: float
    total_value: float | None
    average_value: float | None
    by_week: list[Bucket]
    by_month: list[Bucket]


def _week_of(week_start: int) -> Callable[[date], date]:
    return lambda day: day - timedelta(days=(day.weekday() - week_start) % 7)


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _buckets(
    first: date,
    last: date,
    bucket_of: Callable[[date], date],
    periods: Sequence[PeriodResult],
    done_dates: Sequence[date],
) -> list[Bucket]:
    starts: dict[date, list[int]] = {}
    day = bucket_of(first)
    while day <= last:
        starts[day] = [0, 0, 0]
        day = bucket_of(day + timedelta(days=32 if bucket_of is _month_of else 7))
    for done_date in done_dates:
        starts[bucket_of(done_date)][0] += 1
    for period in periods:
        counts = starts[bucket_of(period.start)]
        counts[1] += period.counts
        counts[2] += period.outcome is Outcome.met
    return [Bucket(start, *counts) for start, counts in starts.items()]


def habit_stats(history: HabitHistory, first: date, last: date, today: date) -> HabitStats:
    """Statistics from `first` to `last`; days before the start or after today never count.

    Streaks look at the whole history up to today, whatever the range.
    """
    first = max(first, history.start_date)
    last = min(last, today, history.end_date or last)
    everything = judge(history, history.start_date, today, today)
    periods = [period for period in everything if first <= period.start <= last]
    done = sorted(
        (day, record.value)
        for day, record in history.checkins.items()
        if first <= day <= last and record.status is Status.done
    )
    values = [value for _, value in done if value is not None]
    measurable = rule_on(history.rules, last).goal_value is not None
    met = sum(1 for period in periods if period.outcome is Outcome.met)
    done_dates = [day for day, _ in done]
    return HabitStats(
        first=first,
        last=last,
        completed=len(done),
        due=sum(1 for period in periods if period.counts),
        met=met,
        success_rate=success_rate(periods),
        current_streak=current_streak(everything),
        longest_streak=longest_streak(everything),
        streak_unit=STREAK_UNITS[rule_on(history.rules, today).frequency],
        score=score_on(history, last) if last >= history.start_date else 0.0,
        total_value=sum(values) if measurable else None,
        average_value=(sum(values) / len(values) if values else None) if measurable else None,
        by_week=_buckets(first, last, _week_of(history.week_start), periods, done_dates)
        if first <= last
        else [],
        by_month=_buckets(first, last, _month_of, periods, done_dates) if first <= last else [],
    )
