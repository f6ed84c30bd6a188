"""Fitness day maths against the obvious slow versions."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from habitual.habitmath.fitness import (
    AGGREGATES,
    Aggregate,
    Metric,
    goal_runs,
    merge_sources,
    source_value,
)

BASE = date(2026, 1, 1)
offsets = st.integers(min_value=0, max_value=60)
sources = st.dictionaries(
    st.sampled_from(["watch", "phone", "ring", "scale"]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    max_size=4,
)


def slow_runs(met: set[date], first: date, last: date, today: date) -> tuple[int, int]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    longest = run = 0
    for day in days:
        run = run + 1 if day in met else 0
        longest = max(longest, run)
    finished = [day for day in days if day < today or (day == today and day in met)]
    current = 0
    for day in reversed(finished):
        if day not in met:
            break
        current += 1
    return current, longest


@given(st.sets(offsets), offsets, offsets, offsets)
def test_goal_runs_match_counting_day_by_day(met_offsets, a, b, today_offset):
    first, last = BASE + timedelta(days=min(a, b)), BASE + timedelta(days=max(a, b))
    met = {BASE + timedelta(days=n) for n in met_offsets}
    today = BASE + timedelta(days=today_offset)

    assert goal_runs(met, first, last, today) == slow_runs(met, first, last, today)


@given(sources, st.lists(st.sampled_from(["watch", "phone", "ring", "scale"]), unique=True))
def test_merge_takes_the_first_source_with_data_else_the_largest(by_source, priority):
    merged = merge_sources(by_source, priority)

    preferred = [by_source[source] for source in priority if source in by_source]
    if preferred:
        assert merged == preferred[0]
    elif by_source:
        assert merged == max(by_source.values())
    else:
        assert merged is None


@given(
    st.sampled_from(list(Metric)),
    st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=20),
)
def test_a_sources_day_is_its_sum_average_or_last(metric, values):
    # values in order of their start: the last one starts latest
    figure = source_value(metric, sum(values), len(values), values[-1])

    expected = {
        Aggregate.sum: sum(values),
        Aggregate.average: sum(values) / len(values),
        Aggregate.last: values[-1],
    }[AGGREGATES[metric]]
    assert figure == expected
