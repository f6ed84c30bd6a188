"""Slow references for the habit math, written the obvious way: one day at a time.

Written from DESIGN.md section 5 and the module docstrings, not from the production code: only
the data types are shared. Each function walks the calendar day by day, so that it is easy to
check by eye and unlikely to share a bug with the fast code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from habitual.habitmath.periods import DayRecord, HabitHistory, Outcome, PeriodResult
from habitual.habitmath.schedule import Frequency, GoalType, Rule, Status

ONE_DAY = timedelta(days=1)


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included (none when `first` is later)."""
    days = []
    day = first
    while day <= last:
        days.append(day)
        day += ONE_DAY
    return days


def rule_index_in_force(rules: list[Rule], day: date) -> int:
    """The index of the latest rule that took effect by `day`, else the first's (0)."""
    found = 0
    for index, rule in enumerate(rules):
        if rule.effective_from <= day:
            found = index
    return found


def governing_rule_index(history: HabitHistory, day: date) -> int | None:
    """Which rule's stretch `day` lies in; None before the start or after the end."""
    if day < history.start_date:
        return None
    if history.end_date is not None and day > history.end_date:
        return None
    return rule_index_in_force(list(history.rules), day)


def is_met(rule: Rule, record: DayRecord | None) -> bool:
    if record is None or record.status != Status.done:
        return False
    if rule.goal_value is None:
        return True
    if record.value is None:
        return False
    if rule.goal_type == GoalType.at_most:
        return record.value <= rule.goal_value
    return record.value >= rule.goal_value


def is_skipped(record: DayRecord | None) -> bool:
    return record is not None and record.status == Status.skipped


def progress(rule: Rule, record: DayRecord | None) -> float:
    """A day's fraction of its goal: 1 or 0, or value/goal capped at 1 for at_least goals."""
    if is_met(rule, record):
        return 1.0
    if record is None or record.status != Status.done or record.value is None:
        return 0.0
    if rule.goal_value is None or rule.goal_type == GoalType.at_most:
        return 0.0
    return record.value / rule.goal_value


def asks_for(rule: Rule, day: date, start_date: date) -> bool:
    """Whether a day rule asks for `day` (every-n-days counted in steps from the start)."""
    if rule.frequency == Frequency.daily:
        return day.weekday() in rule.target_days
    step = start_date
    while step < day:
        step += timedelta(days=rule.every_n_days)
    return step == day


def period_of(day: date, frequency: Frequency, week_start: int) -> tuple[date, date]:
    """The calendar week (from `week_start`) or month holding `day`, by walking."""
    if frequency == Frequency.weekly:

        def same(other: date) -> bool:
            return abs((other - day).days) < 7 and not any(
                between.weekday() == week_start
                for between in days_between(min(day, other) + ONE_DAY, max(day, other))
            )

    else:

        def same(other: date) -> bool:
            return (other.year, other.month) == (day.year, day.month)

    start = day
    while same(start - ONE_DAY):
        start -= ONE_DAY
    end = day
    while same(end + ONE_DAY):
        end += ONE_DAY
    return start, end


def judge(history: HabitHistory, first: date, last: date, today: date) -> list[PeriodResult]:
    """Every due period that begins between `first` and `last`, and not after today.

    A day is a period of a daily or every-n-days rule when its rule asks for it. A week or
    month is a period of a weekly or monthly rule when every one of its days lies in that
    rule's stretch (a stretch that has no end yet reaches past today, so the current week
    of the last rule is due while it runs). A week or month not met is pending while today lies
    in it, on its last day too; missed only once that day has passed.
    """
    rules = list(history.rules)
    results = []
    for day in days_between(history.start_date, min(last, today)):
        index = governing_rule_index(history, day)
        if index is None:
            continue
        rule = rules[index]
        record = history.checkins.get(day)
        if rule.frequency in (Frequency.daily, Frequency.every_n_days):
            if not asks_for(rule, day, history.start_date):
                continue
            if is_met(rule, record):
                outcome = Outcome.met
            elif is_skipped(record):
                outcome = Outcome.skipped
            elif day == today:
                outcome = Outcome.pending
            else:
                outcome = Outcome.missed
            results.append(PeriodResult(day, day, outcome, int(outcome == Outcome.met), 1))
            continue
        start, end = period_of(day, rule.frequency, history.week_start)
        if start != day:
            continue
        if any(governing_rule_index(history, other) != index for other in days_between(start, end)):
            continue
        seen = days_between(start, min(end, today))
        met_days = sum(1 for other in seen if is_met(rule, history.checkins.get(other)))
        skipped_days = sum(1 for other in seen if is_skipped(history.checkins.get(other)))
        required = rule.times_per_period
        if met_days >= required:
            outcome = Outcome.met
        elif today <= end:  # today is in it, its last day included: still open
            outcome = Outcome.pending
        elif len(days_between(start, end)) - skipped_days < required:
            outcome = Outcome.skipped
        else:
            outcome = Outcome.missed
        results.append(PeriodResult(start, end, outcome, met_days, required))
    return [result for result in results if result.start >= first]


@dataclass(frozen=True)
class Run:
    length: int
    start: date | None
    end: date | None


def met_runs(periods: list[PeriodResult]) -> list[Run]:
    """The runs of met periods: a missed period ends one; skipped and pending are passed over."""
    runs: list[list[PeriodResult]] = [[]]
    for period in periods:
        if period.outcome == Outcome.missed:
            runs.append([])
        elif period.outcome == Outcome.met:
            runs[-1].append(period)
    return [Run(len(run), run[0].start, run[-1].end) for run in runs if run]


def current_streak(periods: list[PeriodResult]) -> Run:
    counted = [period for period in periods if period.outcome in (Outcome.met, Outcome.missed)]
    if not counted or counted[-1].outcome == Outcome.missed:
        return Run(0, None, None)
    return met_runs(periods)[-1]


def longest_streak(periods: list[PeriodResult]) -> Run:
    best = Run(0, None, None)
    for run in met_runs(periods):
        if run.length >= best.length:
            best = run
    return best


def success_rate(periods: list[PeriodResult]) -> float | None:
    met = len([period for period in periods if period.outcome == Outcome.met])
    missed = len([period for period in periods if period.outcome == Outcome.missed])
    return met / (met + missed) if met + missed else None


def times_in_days(rule: Rule) -> tuple[int, int]:
    if rule.frequency == Frequency.daily:
        if len(rule.target_days) == 7:
            return 1, 1
        return len(rule.target_days), 7
    if rule.frequency == Frequency.weekly:
        return rule.times_per_period, 7
    if rule.frequency == Frequency.monthly:
        return rule.times_per_period, 30
    return 1, rule.every_n_days


def daily_scores(history: HabitHistory, last: date) -> list[tuple[date, float]]:
    """Loop Habit Tracker's strength, recomputed from scratch for every day."""
    rules = list(history.rules)
    scores = []
    score = 0.0
    for day in days_between(history.start_date, last):
        rule = rules[rule_index_in_force(rules, day)]
        times, days = times_in_days(rule)
        window = 0.0
        for back in range(days):
            earlier = day - timedelta(days=back)
            if earlier >= history.start_date:
                earlier_rule = rules[rule_index_in_force(rules, earlier)]
                window += progress(earlier_rule, history.checkins.get(earlier))
        if not is_skipped(history.checkins.get(day)):
            m = 0.5 ** (math.sqrt(times / days) / 13)
            score = score * m + min(window / times, 1.0) * (1 - m)
        scores.append((day, score))
    return scores


def score_on(history: HabitHistory, day: date) -> float:
    scores = daily_scores(history, day)
    return scores[-1][1] if scores else 0.0


@dataclass(frozen=True)
class BucketCounts:
    start: date
    completions: int
    due: int
    met: int


@dataclass(frozen=True)
class Stats:
    first: date
    last: date
    completed: int
    due: int
    met: int
    success_rate: float | None
    current_streak: Run
    longest_streak: Run
    streak_unit: str
    score: float
    total_value: float | None
    average_value: float | None
    by_week: list[BucketCounts]
    by_month: list[BucketCounts]


def buckets(
    history: HabitHistory,
    first: date,
    last: date,
    periods: list[PeriodResult],
    frequency: Frequency,
) -> list[BucketCounts]:
    """Each calendar week or month touching [first, last], with what happened in it."""
    starts: list[date] = []
    for day in days_between(first, last):
        start = period_of(day, frequency, history.week_start)[0]
        if start not in starts:
            starts.append(start)
    found = []
    for start in starts:
        end = period_of(start, frequency, history.week_start)[1]
        inside = [day for day in days_between(start, end) if first <= day <= last]
        completions = sum(
            1
            for day in inside
            if day in history.checkins and history.checkins[day].status == Status.done
        )
        begun = [period for period in periods if start <= period.start <= end]
        due = sum(1 for period in begun if period.outcome in (Outcome.met, Outcome.missed))
        met = sum(1 for period in begun if period.outcome == Outcome.met)
        found.append(BucketCounts(start, completions, due, met))
    return found


def habit_stats(history: HabitHistory, first: date, last: date, today: date) -> Stats:
    rules = list(history.rules)
    first = max(first, history.start_date)
    last = min(last, today)
    if history.end_date is not None:
        last = min(last, history.end_date)
    whole_history = judge(history, history.start_date, today, today)
    periods = [period for period in whole_history if first <= period.start <= last]
    done = [
        (day, record)
        for day, record in history.checkins.items()
        if first <= day <= last and record.status == Status.done
    ]
    values = [record.value for _, record in done if record.value is not None]
    measurable = rules[rule_index_in_force(rules, last)].goal_value is not None
    unit = {
        Frequency.daily: "days",
        Frequency.every_n_days: "days",
        Frequency.weekly: "weeks",
        Frequency.monthly: "months",
    }[rules[rule_index_in_force(rules, today)].frequency]
    return Stats(
        first=first,
        last=last,
        completed=len(done),
        due=len([period for period in periods if period.outcome in (Outcome.met, Outcome.missed)]),
        met=len([period for period in periods if period.outcome == Outcome.met]),
        success_rate=success_rate(periods),
        current_streak=current_streak(whole_history),
        longest_streak=longest_streak(whole_history),
        streak_unit=unit,
        score=score_on(history, last),
        total_value=sum(values) if measurable else None,
        average_value=(sum(values) / len(values) if values else None) if measurable else None,
        by_week=buckets(history, first, last, periods, Frequency.weekly),
        by_month=buckets(history, first, last, periods, Frequency.monthly),
    )
