"""Judge a habit's periods: which were due, and whether each was met, missed or skipped.

A period is a day (daily, target-day and every-n-days habits), a calendar week (from the
user's week_start) or a calendar month. Each rule version governs its own stretch of time:
day periods are judged by the rule of their day; a week or month is judged only when it lies
wholly inside one rule's stretch (so a weekly habit that starts, or changes its rule, in the
middle of a week is due from the next whole week).

`period_standing` answers for the one period holding a given day (today, mostly): what /today
shows, whether a reminder is sent, whether a target is told met. It counts each day by the rule
in force that day, so it answers in a week whose rule changed too; on the periods `judge`
judges the two agree (tests/habitmath/test_periods.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from habitual.habitmath.schedule import (
    Frequency,
    Rule,
    Status,
    day_met,
    first_due_period_start,
    is_scheduled_day,
    period_bounds,
    rule_on,
)

ONE_DAY = timedelta(days=1)


class Outcome(StrEnum):
    met = "met"
    missed = "missed"
    skipped = "skipped"  # excused: neither met nor missed
    pending = "pending"  # the current period, not met yet: not counted either way


class DayRecord(NamedTuple):  # tuples: /today and the stats make one per check-in they read
    """A check-in as the math sees it."""

    status: Status
    value: float | None


class PeriodResult(NamedTuple):  # a tuple: thousands are made per habit, and fast
    start: date
    end: date
    outcome: Outcome
    met_days: int  # days of the period that met their goal
    required: int  # met days needed (1 for a day period)

    @property
    def counts(self) -> bool:
        """Whether the period is in the expected count of the success rate."""
        return self.outcome in (Outcome.met, Outcome.missed)


class HabitHistory(NamedTuple):
    """Everything the math needs to know about one habit."""

    rules: Sequence[Rule]  # sorted by effective_from; the first governs from start_date on
    start_date: date
    end_date: date | None
    checkins: Mapping[date, DayRecord]
    week_start: int = 0


def _stretches(history: HabitHistory, last: date) -> Iterator[tuple[Rule, date, date | None]]:
    """(rule, first day, last day or None while it has no end) for each stretch up to `last`."""
    rules = history.rules
    for index, rule in enumerate(rules):
        begin = history.start_date if index == 0 else max(rule.effective_from, history.start_date)
        finish = rules[index + 1].effective_from - ONE_DAY if index + 1 < len(rules) else None
        if history.end_date is not None and (finish is None or history.end_date < finish):
            finish = history.end_date
        if begin <= min(finish or last, last):
            yield rule, begin, finish


def judge(history: HabitHistory, first: date, last: date, today: date) -> list[PeriodResult]:
    """The due periods that begin between `first` and `last` (not after today), in order."""
    last = min(last, today)
    results: list[PeriodResult] = []
    for rule, begin, finish in _stretches(history, last):
        if rule.is_per_period:
            results.extend(_judge_whole_periods(history, rule, begin, finish, first, last, today))
        else:
            end = min(finish or last, last)
            results.extend(_judge_days(history, rule, max(begin, first), end, today))
    # In order, so only a head of whole periods can begin before `first`.
    head = 0
    while head < len(results) and results[head].start < first:
        head += 1
    return results[head:] if head else results


def _judge_days(
    history: HabitHistory, rule: Rule, begin: date, finish: date, today: date
) -> list[PeriodResult]:
    """One period per scheduled day. Two years of a daily habit is ~730 of them, so the loop
    steps from scheduled day to scheduled day and builds each result as a bare tuple
    (bench/README.md: this was a quarter of `GET /habits/{id}/stats`)."""
    checkins = history.checkins
    met, skipped, missed, pending = Outcome.met, Outcome.skipped, Outcome.missed, Outcome.pending
    weekdays: frozenset[int] | None = None
    step = ONE_DAY
    day = begin
    if rule.frequency is Frequency.every_n_days:
        step = timedelta(days=rule.every_n_days)
        behind = (begin - history.start_date).days % rule.every_n_days
        if behind:
            day += step - timedelta(days=behind)
    elif len(rule.target_days) < 7:
        weekdays = rule.target_days
    make = tuple.__new__
    results: list[PeriodResult] = []
    append = results.append
    while day <= finish:
        if weekdays is None or day.weekday() in weekdays:
            record = checkins.get(day)
            if record is not None and day_met(rule, record.status, record.value):
                append(make(PeriodResult, (day, day, met, 1, 1)))
            elif record is not None and record.status is Status.skipped:
                append(make(PeriodResult, (day, day, skipped, 0, 1)))
            else:
                append(make(PeriodResult, (day, day, pending if day == today else missed, 0, 1)))
        day += step
    return results


def _judge_whole_periods(
    history: HabitHistory,
    rule: Rule,
    begin: date,
    finish: date | None,
    first: date,
    last: date,
    today: date,
) -> Iterator[PeriodResult]:
    period_start, period_end = period_bounds(begin, rule.frequency, history.week_start)
    if period_start != begin:  # a partial first period is not judged
        period_start = period_end + ONE_DAY
    if period_start < first:  # whole periods follow each other: go straight to `first`'s
        period_start, period_end = period_bounds(first, rule.frequency, history.week_start)
        if period_start < first:
            period_start = period_end + ONE_DAY
    checkins = history.checkins
    while period_start <= last:
        period_end = period_bounds(period_start, rule.frequency, history.week_start)[1]
        unfinished = period_end >= today  # the period holding today is open on its last day too
        if finish is not None and period_end > finish:
            return  # cut short by the next rule or the habit's end: not judged
        met_days = skipped_days = 0
        day = period_start
        while day <= min(period_end, today):
            record = checkins.get(day)
            if record is not None:
                if day_met(rule, record.status, record.value):
                    met_days += 1
                elif record.status is Status.skipped:
                    skipped_days += 1
            day += ONE_DAY
        required = rule.times_per_period
        period_days = (period_end - period_start).days + 1
        if met_days >= required:
            outcome = Outcome.met
        elif unfinished:
            outcome = Outcome.pending
        elif period_days - skipped_days < required:
            outcome = Outcome.skipped  # the skips left too few days to make it
        else:
            outcome = Outcome.missed
        yield PeriodResult(period_start, period_end, outcome, met_days, required)
        period_start = period_end + ONE_DAY


class PeriodStanding(NamedTuple):
    """Where the period holding a day stands: what /today shows of it, and what decides whether
    a reminder is sent and whether a target_met event is told."""

    start: date
    end: date
    met_days: int  # days of the period met, each by the rule in force on that day
    met_before: int  # of those, the days before the day asked about
    required: int  # met days needed (by the rule in force on the day asked about; 1 for a day)
    due: bool  # whether the habit is due in this period at all (see `period_standing`)

    @property
    def met(self) -> bool:
        return self.met_days >= self.required

    @property
    def still_due(self) -> bool:
        """Whether the day asked about has something to do: due, and not met before it."""
        return self.due and self.met_before < self.required


def period_standing(history: HabitHistory, day: date) -> PeriodStanding:
    """The period holding `day` under the rule in force that day, and how far it has come.

    Each day of the period counts as met by the rule in force on that day, so a goal raised
    mid-week leaves the days before the change met by the old goal; only days of the habit's
    life count. Pass the check-ins up to today: every one given inside the period is counted.

    The period is due when `day` lies in the habit's life and, for a day period, the rule asks
    for that day; for a week or month, when it is whole from the habit's start on (a weekly
    habit started on a Wednesday is due from the next week).
    """
    rules = history.rules
    rule = rule_on(rules, day)
    end_date = history.end_date
    in_life = history.start_date <= day and (end_date is None or day <= end_date)
    checkins = history.checkins
    if not rule.is_per_period:  # the day alone: /today asks this of most habits, keep it short
        record = checkins.get(day)
        met = in_life and record is not None and day_met(rule, record.status, record.value)
        due = in_life and is_scheduled_day(rule, day, history.start_date)
        return PeriodStanding(day, day, int(met), 0, 1, due)
    start, end = period_bounds(day, rule.frequency, history.week_start)
    required = rule.times_per_period
    due = in_life and start >= first_due_period_start(rule, history.start_date, history.week_start)
    first = max(start, history.start_date)
    last = end if end_date is None else min(end, end_date)
    met_days = met_before = 0
    if len(checkins) <= (last - first).days + 1:  # /today reads only the period's check-ins
        for local, record in checkins.items():
            if first <= local <= last and day_met(rule_on(rules, local), *record):
                met_days += 1
                met_before += local < day
    else:  # the events pass a longer history: walk the period's days instead
        local = first
        while local <= last:
            record = checkins.get(local)
            if record is not None and day_met(rule_on(rules, local), *record):
                met_days += 1
                met_before += local < day
            local += ONE_DAY
    return PeriodStanding(start, end, met_days, met_before, required, due)
