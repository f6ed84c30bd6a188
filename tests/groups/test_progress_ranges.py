"""The default and asked ranges of a group's progress: pure date arithmetic, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from habitual.errors import Unprocessable
from habitual.groups.progress import asked_range, week_of
from habitual.stats.service import MAX_PROGRESS_DAYS

days = st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31))
week_starts = st.integers(min_value=0, max_value=6)


@given(days, week_starts)
def test_the_week_holds_today_and_begins_on_the_week_start(today, week_start):
    first, last = week_of(today, week_start)

    # The obvious way: walk back from today to the last day that is a week start.
    walked = today
    while walked.weekday() != week_start:
        walked -= timedelta(days=1)
    assert (first, last) == (walked, walked + timedelta(days=6))


def test_neither_end_means_each_members_own_week():
    assert asked_range(None, None) is None


@given(days)
def test_one_end_alone_makes_a_week_with_it(day):
    assert asked_range(day, None) == (day, day + timedelta(days=6))
    assert asked_range(None, day) == (day - timedelta(days=6), day)


@given(days, st.integers(min_value=0, max_value=400))
def test_a_range_is_taken_up_to_its_limit_and_refused_past_it(first, length):
    last = first + timedelta(days=length)
    if length + 1 <= MAX_PROGRESS_DAYS:
        assert asked_range(first, last) == (first, last)
    else:
        with pytest.raises(Unprocessable):
            asked_range(first, last)


@given(days, st.integers(min_value=1, max_value=400))
def test_from_after_to_is_refused(last, gap):
    with pytest.raises(Unprocessable):
        asked_range(last + timedelta(days=gap), last)
