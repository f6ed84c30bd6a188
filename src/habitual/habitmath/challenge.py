"""A habit's figures over a challenge's days, and the ranking rule of standings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from habitual.habitmath.periods import HabitHistory, Outcome, judge
from habitual.habitmath.schedule import Status
from habitual.habitmath.streaks import longest_streak, success_rate


class WindowFigures(NamedTuple):
    met: int  # periods met
    due: int  # periods that counted: met or missed
    completion_rate: float | None  # met / due; None while nothing was due
    total_value: float | None  # measurable: the values of done days; None for yes/no habits
    longest_streak: int  # the longest run of met periods inside the window


def window_figures(history: HabitHistory, first: date, last: date, today: date) -> WindowFigures:
    """The figures of the periods lying wholly between `first` and `last` (not after today).

    Periods are judged by `judge`, exactly as the stats judge them; a week or month that begins
    before `first` or ends after `last` is not judged (as a habit's partial first week is not).
    Pass the check-ins of the window only: days outside it never count.
    """
    end_date = last if history.end_date is None else min(history.end_date, last)
    clipped = history._replace(end_date=end_date)
    periods = judge(clipped, first, last, today) if first <= end_date else []
    outcomes = [period.outcome for period in periods]
    met = outcomes.count(Outcome.met)
    measurable = any(rule.goal_value is not None for rule in history.rules)
    done = Status.done
    values = [
        record.value
        for day, record in history.checkins.items()
        if record.status is done and record.value is not None and first <= day <= min(last, today)
    ]
    return WindowFigures(
        met=met,
        due=met + outcomes.count(Outcome.missed),
        completion_rate=success_rate(periods),
        total_value=sum(values) if measurable else None,
        longest_streak=longest_streak(periods).length,
    )


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """Ranks of scores given best first: equal scores share a rank, and the next rank skips as
    many places as shared it ("1224" ranking: 10, 10, 7 rank 1, 1, 3)."""
    ranks: list[int] = []
    for place, score in enumerate(scores, start=1):
        if ranks and score == scores[place - 2]:
            ranks.append(ranks[-1])
        else:
            ranks.append(place)
    return ranks
