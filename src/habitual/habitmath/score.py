"""Habit strength, as Loop Habit Tracker computes it.

Every day: `m = 0.5 ** (sqrt(f) / 13)` and `score = score * m + value * (1 - m)`, where `f` is
the habit's frequency in times per day and `value` is how much of the recent target was met:
for "`times` in `days`", the goal fractions of the last `days` days summed, over `times`, capped
at 1 (a yes/no day counts 1 when met; a measurable day its fraction of the goal). Skipped days
leave the score as it was. The rule of each day decides its `times` and `days`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

from habitual.habitmath.periods import HabitHistory
from habitual.habitmath.schedule import Frequency, Rule, Status, day_progress

ONE_DAY = timedelta(days=1)
DAYS_PER_MONTH = 30  # as Loop counts "N times a month"


def times_in_days(rule: Rule) -> tuple[int, int]:
    """The rule as "`times` in `days`"."""
    if rule.frequency is Frequency.daily:
        count = len(rule.target_days)
        return (1, 1) if count == 7 else (count, 7)
    if rule.frequency is Frequency.weekly:
        return rule.times_per_period, 7
    if rule.frequency is Frequency.monthly:
        return rule.times_per_period, DAYS_PER_MONTH
    return 1, rule.every_n_days


@cache
def multiplier(times: int, days: int) -> float:
    return float(0.5 ** (math.sqrt(times / days) / 13))


def daily_scores(history: HabitHistory, last: date) -> Iterator[tuple[date, float]]:
    """The score at the end of each day from the habit's start to `last`."""
    rules = history.rules
    checkins = history.checkins
    score = 0.0
    prefix = [0.0]  # prefix[i]: the goal fractions of the first i days, summed
    index = -1
    next_change = history.start_date  # when the next rule takes over
    rule, times, days, m = rules[0], 1, 1, 1.0
    day = history.start_date
    while day <= last:
        if day >= next_change:
            while index + 1 < len(rules) and rules[index + 1].effective_from <= day:
                index += 1
            rule = rules[max(index, 0)]
            times, days = times_in_days(rule)
            m = multiplier(times, days)
            following = index + 1
            next_change = rules[following].effective_from if following < len(rules) else date.max
        record = checkins.get(day)
        fraction = 0.0 if record is None else day_progress(rule, record.status, record.value)
        prefix.append(prefix[-1] + fraction)
        if record is None or record.status is not Status.skipped:
            window = prefix[-1] - prefix[max(0, len(prefix) - 1 - days)]
            score = score * m + min(window / times, 1.0) * (1 - m)
        yield day, score
        day += ONE_DAY


def score_on(history: HabitHistory, day: date) -> float:
    """The habit's strength at the end of `day` (0 before it started), 0..1."""
    last = deque(daily_scores(history, day), maxlen=1)
    return last[0][1] if last else 0.0
