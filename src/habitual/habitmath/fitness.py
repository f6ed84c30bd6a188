"""Fitness days: a source's figure for a day, sources merged, and runs of goal days."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum


class Metric(StrEnum):
    """What a fitness sample measures."""

    steps = "steps"
    distance_m = "distance_m"
    active_energy_kcal = "active_energy_kcal"
    exercise_minutes = "exercise_minutes"
    weight_kg = "weight_kg"
    sleep_minutes = "sleep_minutes"
    resting_heart_rate = "resting_heart_rate"


class Aggregate(StrEnum):
    """How one source's samples of a day make the day's figure."""

    sum = "sum"
    last = "last"  # the value of the sample that starts latest
    average = "average"


AGGREGATES: dict[Metric, Aggregate] = {
    Metric.steps: Aggregate.sum,
    Metric.distance_m: Aggregate.sum,
    Metric.active_energy_kcal: Aggregate.sum,
    Metric.exercise_minutes: Aggregate.sum,
    Metric.weight_kg: Aggregate.last,
    Metric.sleep_minutes: Aggregate.sum,
    Metric.resting_heart_rate: Aggregate.average,
}

# Sleep is counted on the day one wakes up: by the sample's end; every other metric by its start.
BY_END = frozenset({Metric.sleep_minutes})


def source_value(metric: Metric, total: float, count: int, last_value: float | None) -> float:
    """One source's figure of a day from what is kept of its samples: their sum and count, and
    the value of the one that starts latest."""
    aggregate = AGGREGATES[metric]
    if aggregate is Aggregate.last:
        return last_value if last_value is not None else 0.0
    if aggregate is Aggregate.average:
        return total / count if count else 0.0
    return total


def merge_sources(by_source: Mapping[str, float], priority: Sequence[str]) -> float | None:
    """The day's value from each source's figure: the first source of `priority` that has data
    that day, else (no priority, or none of it has data) the largest. None: no data at all."""
    for source in priority:
        if source in by_source:
            return by_source[source]
    return max(by_source.values(), default=None)


def goal_runs(met_days: Collection[date], first: date, last: date, today: date) -> tuple[int, int]:
    """The current and the longest run of consecutive goal days within [first, last].

    The current run ends at `last` when `last` is past; when the range reaches today, it ends
    yesterday, plus today if today is already met (an unfinished day breaks no run).
    """
    met = {day for day in met_days if first <= day <= last}
    longest = 0
    for day in met:
        if day - timedelta(days=1) in met:
            continue
        length = 1
        while day + timedelta(days=length) in met:
            length += 1
        longest = max(longest, length)
    end = min(last, today)
    if end == today and today not in met:
        end -= timedelta(days=1)
    current = 0
    while end >= first and end in met:
        current += 1
        end -= timedelta(days=1)
    return current, longest
