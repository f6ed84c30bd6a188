"""How far a goal has come: met periods between two dates, judged as the stats judge them.

A goal counts the habit's periods (days, weeks or months) that end inside its dates: a week or
month holding the start date counts whole, one that ends after the end date does not count.
Each period is met, missed, skipped or pending exactly as `judge` says; nothing here decides
anew whether a day or a period is met.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from habitual.habitmath.periods import HabitHistory, Outcome, PeriodResult, judge
from habitual.habitmath.streaks import current_streak, longest_streak

ONE_DAY = timedelta(days=1)
# A period is at most a month long: judging from this far before a goal's start finds the
# period that holds its start date.
LONGEST_PERIOD = timedelta(days=31)


class GoalTerms(NamedTuple):
    target: int  # met periods to reach (a run of them in a row, if `consecutive`)
    start_date: date
    end_date: date | None  # None: open-ended
    consecutive: bool = False


class GoalProgress(NamedTuple):
    met: int  # met periods in the window (consecutive: the current run; once reached, the best)
    reached: bool  # the window holds `target` met periods (in a row, if consecutive)
    reachable: bool  # reached, or every period still open could yet make it
    on_track: bool  # see `goal_progress`


def first_counted_day(terms: GoalTerms) -> date:
    """The earliest day whose check-in can count towards the goal."""
    return terms.start_date - LONGEST_PERIOD


def counts_towards(terms: GoalTerms, day: date) -> bool:
    """Whether a check-in of `day` can change the goal's progress."""
    return first_counted_day(terms) <= day and (terms.end_date is None or day <= terms.end_date)


def _inside(periods: Sequence[PeriodResult], terms: GoalTerms) -> list[PeriodResult]:
    end_date = terms.end_date
    return [
        period
        for period in periods
        if period.end >= terms.start_date and (end_date is None or period.end <= end_date)
    ]


def window_periods(history: HabitHistory, terms: GoalTerms, today: date) -> list[PeriodResult]:
    """The habit's judged periods that end inside the goal's dates, up to today, in order."""
    last = today if terms.end_date is None else min(terms.end_date, today)
    if last < terms.start_date - LONGEST_PERIOD:
        return []
    return _inside(judge(history, first_counted_day(terms), last, today), terms)


def periods_to_come(history: HabitHistory, terms: GoalTerms, today: date) -> int:
    """How many periods of the window begin after today (by the rule in force now)."""
    end_date = terms.end_date
    if end_date is None or end_date <= today:
        return 0
    first = max(today + ONE_DAY, first_counted_day(terms))
    future = judge(history._replace(checkins={}), first, end_date, end_date)
    return len(_inside(future, terms))


def goal_progress(history: HabitHistory, terms: GoalTerms, today: date) -> GoalProgress:
    """Where the goal stands today.

    `reachable`: even if every period still open (the one holding today, and those to come
    before the end date) were met, would the target be reached? An open-ended goal always can.

    `on_track`: reached, or reachable and, with an end date, `met` is at least the target's
    share of the window's days that have passed (today not yet), rounded down; an open-ended
    goal is on track unless the latest period judged (met or missed) was missed.
    """
    periods = window_periods(history, terms, today)
    finished = [period for period in periods if period.end < today]
    still_open = len(periods) - len(finished) + periods_to_come(history, terms, today)
    target = terms.target
    if terms.consecutive:
        best = longest_streak(periods).length
        reached = best >= target
        met = best if reached else current_streak(periods).length
        possible = current_streak(finished).length + still_open
    else:
        met = sum(1 for period in periods if period.outcome is Outcome.met)
        reached = met >= target
        possible = sum(1 for period in finished if period.outcome is Outcome.met) + still_open
    reachable = reached or terms.end_date is None or possible >= target
    if reached:
        on_track = True
    elif not reachable:
        on_track = False
    elif terms.end_date is None:
        judged = [period.outcome for period in periods if period.counts]
        on_track = not judged or judged[-1] is Outcome.met
    else:
        window_days = (terms.end_date - terms.start_date).days + 1
        passed_days = min(max((today - terms.start_date).days, 0), window_days)
        on_track = met >= target * passed_days // window_days
    return GoalProgress(met, reached, reachable, on_track)
