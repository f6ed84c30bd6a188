"""Time the pure habit math: all stats of a daily habit with ten years of check-ins, and of a
user with fifty such habits. Prints the figures; the target is under 5 ms per habit-decade.

    .venv/bin/python bench/habitmath_bench.py
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from habitual.habitmath.periods import DayRecord, HabitHistory, judge
from habitual.habitmath.schedule import Frequency, GoalType, Rule, Status
from habitual.habitmath.score import score_on
from habitual.habitmath.stats import habit_stats
from habitual.habitmath.streaks import current_streak, longest_streak, success_rate

TODAY = date(2026, 11, 21)
START = TODAY - timedelta(days=3652)  # ten years


def decade_of(rule: Rule, completion: float, seed: int, measurable: bool = False) -> HabitHistory:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    checkins = {}
    day = START
    while day <= TODAY:
        draw = rng.random()
        if draw < completion:
            value = rng.uniform(6000, 14000) if measurable else None
            checkins[day] = DayRecord(Status.done, value)
        elif draw < completion + 0.03:
            checkins[day] = DayRecord(Status.skipped, None)
        day += timedelta(days=1)
    return HabitHistory(rules=[rule], start_date=START, end_date=None, checkins=checkins)


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and best wall time of `function`, in milliseconds."""
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), min(samples)


def all_stats(history: HabitHistory) -> None:
    periods = judge(history, history.start_date, TODAY, TODAY)
    current_streak(periods)
    longest_streak(periods)
    success_rate(periods)
    score_on(history, TODAY)


def main() -> None:
    daily = decade_of(Rule(START, Frequency.daily), 0.8, seed=1)
    print(f"one daily habit, {len(daily.checkins)} check-ins over ten years")
    parts: list[tuple[str, Callable[[], object]]] = [
        ("judge periods", lambda: judge(daily, START, TODAY, TODAY)),
        ("score", lambda: score_on(daily, TODAY)),
        ("periods + streaks + rate + score", lambda: all_stats(daily)),
        (
            "habit_stats (all, with weekly and monthly series)",
            lambda: habit_stats(daily, START, TODAY, TODAY),
        ),
    ]
    for label, function in parts:
        median, best = timed(function, 40)
        print(f"  {label:<52} median {median:6.2f} ms   best {best:6.2f} ms")

    rules = [
        Rule(START, Frequency.daily),
        Rule(START, Frequency.daily, target_days=frozenset({0, 2, 4})),
        Rule(START, Frequency.weekly, times_per_period=3),
        Rule(START, Frequency.monthly, times_per_period=12),
        Rule(START, Frequency.every_n_days, every_n_days=2),
        Rule(START, Frequency.daily, goal_value=10_000, goal_type=GoalType.at_least),
    ]
    user = [
        decade_of(
            rules[n % len(rules)],
            0.8,
            seed=n,
            measurable=rules[n % len(rules)].goal_value is not None,
        )
        for n in range(50)
    ]
    median, best = timed(lambda: [habit_stats(h, START, TODAY, TODAY) for h in user], 5)
    print("a user with 50 habit-decades (mixed schedules): habit_stats of all")
    print(f"  median {median:7.1f} ms   best {best:7.1f} ms   = {median / 50:.2f} ms per habit")


if __name__ == "__main__":
    main()
