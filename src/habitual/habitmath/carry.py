"""A habit's all-time statistics carried forward, so that reading them costs the recent days.

`habit_stats` over a habit's whole life judges every period and scores every day since its
start: two years of a daily habit is ~730 of each, about 3 ms of pure Python and most of
`GET /habits/{id}/stats` (bench/README.md). Everything those statistics add up is a fold over
days and periods in order, so the fold's state at a boundary (`Carry`) can be kept and the
statistics finished from it with only the days since. `until` is chosen so that every period
beginning before it ended before it, days enough ago that no later answer can judge it again.

`stats_from` gives what `habit_stats(history, history.start_date, today, today)` gives (a
property test holds the two equal); only the sum of measurable values may differ in its last
bits, being added in another order.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from habitual.habitmath.periods import HabitHistory, Outcome, PeriodResult, judge
from habitual.habitmath.schedule import Status, period_bounds, rule_on
from habitual.habitmath.score import score_fold, window_days
from habitual.habitmath.stats import STREAK_UNITS, Bucket, HabitStats
from habitual.habitmath.streaks import NO_STREAK, Streak

# Days between a carry's boundary and the day it was made: it counts days up to four days ago.
# A change of time zone moves "today" back by at most two days, so a check-in for today or
# yesterday never falls on a day a carry counts; such writes (nearly all) leave carries alone,
# and only older back-fills outdate them (`outdates_carry`).
CARRY_MARGIN = 3


def outdates_carry(day: date, today: date) -> bool:
    """Whether a check-in written for `day` may change what a carry counts."""
    return day < today - timedelta(days=1)


@dataclass(slots=True)
class Carry:
    """The statistics' running totals over the days and periods before `until`."""

    until: date  # the first day not counted
    completed: int = 0  # done check-ins
    due: int = 0  # met or missed periods
    met: int = 0
    value_total: float = 0.0  # the values of done check-ins
    value_count: int = 0
    run: int = 0  # met periods since the last missed one: the current streak
    run_start: date | None = None
    run_end: date | None = None
    best: Streak = NO_STREAK
    score: float = 0.0  # the strength at the end of the day before `until`
    counted: int = 0  # days since the start that the score has seen
    prefix: list[float] = field(default_factory=lambda: [0.0])  # the score's last window sums
    weeks: list[list[int]] = field(default_factory=list)  # [completions, due, met] per week
    months: list[list[int]] = field(default_factory=list)  # ... per month, from the start's

    def to_json(self) -> dict[str, Any]:
        return {
            "until": self.until.isoformat(),
            "counts": [self.completed, self.due, self.met, self.value_count, self.counted],
            "value_total": self.value_total,
            "run": [self.run, _iso(self.run_start), _iso(self.run_end)],
            "best": [self.best.length, _iso(self.best.start), _iso(self.best.end)],
            "score": self.score,
            "prefix": self.prefix,
            "weeks": self.weeks,
            "months": self.months,
        }

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> Carry:
        completed, due, met, value_count, counted = state["counts"]
        run, run_start, run_end = state["run"]
        best, best_start, best_end = state["best"]
        return cls(
            until=date.fromisoformat(state["until"]),
            completed=completed,
            due=due,
            met=met,
            value_total=state["value_total"],
            value_count=value_count,
            run=run,
            run_start=_date(run_start),
            run_end=_date(run_end),
            best=Streak(best, _date(best_start), _date(best_end)) if best else NO_STREAK,
            score=state["score"],
            counted=counted,
            prefix=state["prefix"],
            weeks=state["weeks"],
            months=state["months"],
        )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def carry_until(history: HabitHistory, today: date) -> date | None:
    """The latest boundary a carry made `today` may have, or None while the habit is too young.

    It is the start of the period (under the rule in force then) holding the day
    `CARRY_MARGIN` days ago, or that rule's first day if it began later: every period before it
    ended before it, and before today.
    """
    day = today - timedelta(days=CARRY_MARGIN)
    rules = history.rules
    index = max(bisect_right([rule.effective_from for rule in rules], day) - 1, 0)
    rule = rules[index]
    begin = history.start_date if index == 0 else max(rule.effective_from, history.start_date)
    until = max(period_bounds(day, rule.frequency, history.week_start)[0], begin)
    return until if until > history.start_date else None


def fold(history: HabitHistory, today: date, carry: Carry | None, until: date) -> Carry:
    """`carry` (or nothing) moved on to `until`: the days and periods between counted in.

    Periods judged as of `today`; the last day counted is the day before `until`, today or the
    habit's end, whichever comes first.
    """
    start = history.start_date
    carry = replace(carry) if carry is not None else Carry(until=start)
    first = carry.until
    last = min(until - timedelta(days=1), today, history.end_date or today)
    if first > last:
        return replace(carry, until=max(until, first))
    first_week, first_month = _origin(history)
    # Only weeks and months from `first` on change: those are copied, the rest shared.
    week_from = (first.toordinal() - first_week) // 7
    month_from = first.year * 12 + first.month - 1 - first_month
    weeks = carry.weeks[:week_from] + [list(counts) for counts in carry.weeks[week_from:]]
    months = carry.months[:month_from] + [list(counts) for counts in carry.months[month_from:]]
    carry.weeks, carry.months = weeks, months
    week_count = (last.toordinal() - first_week) // 7 + 1
    month_count = last.year * 12 + last.month - first_month
    weeks.extend([0, 0, 0] for _ in range(week_count - len(weeks)))
    months.extend([0, 0, 0] for _ in range(month_count - len(months)))
    _fold_periods(carry, judge(history, first, last, today), first_week, first_month)
    done = Status.done
    for day, record in history.checkins.items():
        if record.status is done and first <= day <= last:
            carry.completed += 1
            if record.value is not None:
                carry.value_total += record.value
                carry.value_count += 1
            weeks[(day.toordinal() - first_week) // 7][0] += 1
            months[day.year * 12 + day.month - 1 - first_month][0] += 1
    carry.score, carry.prefix = score_fold(
        history, first, last, carry.score, list(carry.prefix), carry.counted
    )
    carry.counted += (last - first).days + 1
    keep = max(window_days(rule) for rule in history.rules) + 1
    carry.prefix = carry.prefix[-keep:]
    carry.until = max(until, first)
    return carry


def _origin(history: HabitHistory) -> tuple[int, int]:
    """The ordinal of the first day of the start's week, and the start's month as a number:
    where the weekly and monthly counts begin."""
    start = history.start_date
    first_week = start.toordinal()
    first_week -= (first_week - 1 - history.week_start) % 7  # date.fromordinal(1) is a Monday
    return first_week, start.year * 12 + start.month - 1


def _fold_periods(
    carry: Carry, periods: list[PeriodResult], first_week: int, first_month: int
) -> None:
    met, missed = Outcome.met, Outcome.missed
    for start, end, outcome, _, _ in periods:
        if outcome is met:
            carry.due += 1
            carry.met += 1
            if carry.run == 0:
                carry.run_start = start
            carry.run += 1
            carry.run_end = end
            if carry.run >= carry.best.length:
                carry.best = Streak(carry.run, carry.run_start, end)
        elif outcome is missed:
            carry.due += 1
            carry.run, carry.run_start, carry.run_end = 0, None, None
        else:
            continue
        week = carry.weeks[(start.toordinal() - first_week) // 7]
        month = carry.months[start.year * 12 + start.month - 1 - first_month]
        week[1] += 1
        month[1] += 1
        if outcome is met:
            week[2] += 1
            month[2] += 1


def stats_from(history: HabitHistory, today: date, carry: Carry | None) -> HabitStats:
    """The habit's statistics from its start to today (or its end), finished from `carry`."""
    last = min(today, history.end_date or today)
    final = fold(history, today, carry, last + timedelta(days=1))
    start = history.start_date
    first_week, first_month = _origin(history)
    measurable = rule_on(history.rules, last).goal_value is not None
    current = Streak(final.run, final.run_start, final.run_end) if final.run else NO_STREAK
    in_range = start <= last
    return HabitStats(
        first=start,
        last=last,
        completed=final.completed,
        due=final.due,
        met=final.met,
        success_rate=final.met / final.due if final.due else None,
        current_streak=current,
        longest_streak=final.best,
        streak_unit=STREAK_UNITS[rule_on(history.rules, today).frequency],
        score=final.score if in_range else 0.0,
        total_value=final.value_total if measurable else None,
        average_value=(
            (final.value_total / final.value_count if final.value_count else None)
            if measurable
            else None
        ),
        by_week=[
            Bucket(date.fromordinal(first_week + 7 * n), *counts)
            for n, counts in enumerate(final.weeks)
        ]
        if in_range
        else [],
        by_month=[
            Bucket(date((first_month + n) // 12, (first_month + n) % 12 + 1, 1), *counts)
            for n, counts in enumerate(final.months)
        ]
        if in_range
        else [],
    )
