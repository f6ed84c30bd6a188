"""A challenge's figures and ranking rule, against the reference and written the obvious way."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habitual.habitmath.challenge import competition_ranks, window_figures
from habitual.habitmath.schedule import Status
from tests.habitmath import reference
from tests.habitmath.strategies import Case, cases

JUDGED = settings(max_examples=150, deadline=None)


def reference_ranks(scores: list[float]) -> list[int]:
    """One more than the number of scores strictly better."""
    return [1 + sum(other > score for other in scores) for score in scores]


def test_equal_scores_share_a_rank_and_the_next_skips():
    assert competition_ranks([10, 10, 7]) == [1, 1, 3]
    assert competition_ranks([5, 4, 4, 4, 1]) == [1, 2, 2, 2, 5]
    assert competition_ranks([]) == []


@given(st.lists(st.integers(min_value=0, max_value=5).map(float), max_size=30))
@settings(max_examples=400, deadline=None)
def test_ranks_match_the_reference(scores):
    best_first = sorted(scores, reverse=True)

    assert competition_ranks(best_first) == reference_ranks(best_first)


def window_only(case: Case) -> dict[date, object]:
    return {day: r for day, r in case.history.checkins.items() if case.first <= day <= case.last}


@given(cases())
@JUDGED
def test_window_figures_match_the_reference_over_the_clipped_history(case):
    history = case.history._replace(checkins=window_only(case))
    end = case.last if history.end_date is None else min(history.end_date, case.last)
    periods = (
        reference.judge(history._replace(end_date=end), case.first, case.last, case.today)
        if case.first <= end
        else []
    )

    figures = window_figures(history, case.first, case.last, case.today)

    met = sum(period.outcome == "met" for period in periods)
    assert figures.met == met
    assert figures.due == met + sum(period.outcome == "missed" for period in periods)
    assert figures.completion_rate == reference.success_rate(periods)
    assert figures.longest_streak == reference.longest_streak(periods).length
    assert all(period.start >= case.first and period.end <= case.last for period in periods)


@given(cases())
@JUDGED
def test_days_outside_the_window_never_count(case):
    inside = case.history._replace(checkins=window_only(case))

    assert window_figures(case.history, case.first, case.last, case.today) == window_figures(
        inside, case.first, case.last, case.today
    )


@given(cases())
@JUDGED
def test_total_value_sums_the_done_values_inside_the_window_up_to_today(case):
    figures = window_figures(case.history, case.first, case.last, case.today)
    expected = sum(
        record.value
        for day, record in case.history.checkins.items()
        if record.status is Status.done
        and record.value is not None
        and case.first <= day <= min(case.last, case.today)
    )

    if any(rule.goal_value is not None for rule in case.history.rules):
        assert figures.total_value == pytest.approx(expected)
    else:
        assert figures.total_value is None
