"""Streaks and success rate over judged periods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from habitual.habitmath.periods import Outcome, PeriodResult


@dataclass(frozen=True, slots=True)
class Streak:
    length: int
    start: date | None
    end: date | None


NO_STREAK = Streak(0, None, None)


def current_streak(periods: Sequence[PeriodResult]) -> Streak:
    """Met periods in a row ending at the latest finished period (the open one counts if met).

    Skipped periods neither break a streak nor add to it.
    """
    length, start, end = 0, None, None
    for period in reversed(periods):
        if period.outcome is Outcome.met:
            length += 1
            start = period.start
            end = end or period.end
        elif period.outcome is Outcome.missed:
            break
    return Streak(length, start, end) if length else NO_STREAK


def longest_streak(periods: Sequence[PeriodResult]) -> Streak:
    """The longest run of met periods (skips are transparent); the latest of equal runs."""
    best = NO_STREAK
    length, start = 0, None
    for period in periods:
        if period.outcome is Outcome.met:
            if length == 0:
                start = period.start
            length += 1
            if length >= best.length:
                best = Streak(length, start, period.end)
        elif period.outcome is Outcome.missed:
            length = 0
    return best


def success_rate(periods: Sequence[PeriodResult]) -> float | None:
    """Met periods over due periods; skipped and unfinished-unmet periods are left out."""
    outcomes = [period.outcome for period in periods]
    met = outcomes.count(Outcome.met)
    due = met + outcomes.count(Outcome.missed)
    return met / due if due else None
