"""Hypothesis strategies for habit histories: rule changes, check-ins, ranges and `today`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from hypothesis import strategies as st

from habitual.habitmath.periods import DayRecord, HabitHistory
from habitual.habitmath.schedule import Frequency, GoalType, Rule, Status

# Leap days and the long ISO years (2020 and 2026 have a week 53) are where calendars slip.
AWKWARD_STARTS = [
    date(2024, 2, 29),
    date(2024, 2, 26),
    date(2023, 2, 28),
    date(2020, 12, 28),
    date(2020, 12, 31),
    date(2026, 12, 28),
    date(2026, 12, 31),
    date(2027, 1, 1),
    date(2026, 3, 29),
]
SPAN_DAYS = 800

start_dates = st.sampled_from(AWKWARD_STARTS) | st.dates(
    min_value=date(2019, 1, 1), max_value=date(2028, 12, 31)
)
week_starts = st.integers(min_value=0, max_value=6)


@st.composite
def rules_from(draw: st.DrawFn, effective_from: date) -> Rule:
    frequency = draw(st.sampled_from(list(Frequency)))
    fields: dict[str, object] = {}
    if frequency is Frequency.daily:
        fields["target_days"] = draw(
            st.frozensets(st.integers(min_value=0, max_value=6), min_size=1)
        )
    elif frequency is Frequency.weekly:
        fields["times_per_period"] = draw(st.integers(min_value=1, max_value=7))
    elif frequency is Frequency.monthly:
        fields["times_per_period"] = draw(st.integers(min_value=1, max_value=31))
    else:
        fields["every_n_days"] = draw(st.integers(min_value=2, max_value=30))
    if draw(st.booleans()):
        fields["goal_value"] = float(draw(st.integers(min_value=1, max_value=10)))
        fields["goal_type"] = draw(st.sampled_from(list(GoalType)))
    return Rule(effective_from=effective_from, frequency=frequency, **fields)  # type: ignore[arg-type]


@st.composite
def rule_lists(draw: st.DrawFn, start_date: date, span: int = SPAN_DAYS) -> list[Rule]:
    """One to four rule versions, the first near the start (a start may be moved later)."""
    first_offset = draw(st.sampled_from([0, 0, 0, -40, 15]))
    later_offsets = draw(
        st.lists(st.integers(min_value=-60, max_value=span), max_size=3, unique=True)
    )
    offsets = sorted({first_offset, *later_offsets})
    return [draw(rules_from(start_date + timedelta(days=offset))) for offset in offsets]


@st.composite
def checkin_maps(draw: st.DrawFn, start_date: date, span: int = SPAN_DAYS) -> dict[date, DayRecord]:
    """Check-ins from the start on: sparse or dense, done with or without values, skipped."""
    density = draw(st.sampled_from([0.0, 0.3, 0.6, 0.85, 0.97, 1.0]))
    skip_share = draw(st.sampled_from([0.0, 0.1, 0.5]))
    # A seeded generator rather than st.randoms(): hundreds of draws per history are too slow.
    randomness = Random(draw(st.integers(min_value=0, max_value=2**32)))
    checkins: dict[date, DayRecord] = {}
    for offset in range(span + 1):
        if randomness.random() >= density:
            continue
        if randomness.random() < skip_share:
            checkins[start_date + timedelta(days=offset)] = DayRecord(Status.skipped, None)
            continue
        value = randomness.choice([None, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 12.0])
        checkins[start_date + timedelta(days=offset)] = DayRecord(Status.done, value)
    extra = draw(
        st.dictionaries(
            st.integers(min_value=0, max_value=span),
            st.builds(
                DayRecord,
                st.sampled_from(list(Status)),
                st.none() | st.floats(min_value=0, max_value=20, allow_nan=False),
            ),
            max_size=5,
        )
    )
    checkins.update({start_date + timedelta(days=offset): rec for offset, rec in extra.items()})
    return checkins


@st.composite
def histories(draw: st.DrawFn, longest: int = SPAN_DAYS) -> HabitHistory:
    span = draw(st.sampled_from([40, 150, longest]))
    start_date = draw(start_dates)
    end_date = draw(
        st.sampled_from([None, None])
        | st.integers(min_value=0, max_value=span).map(lambda n: start_date + timedelta(n))
    )
    return HabitHistory(
        rules=draw(rule_lists(start_date, span)),
        start_date=start_date,
        end_date=end_date,
        checkins=draw(checkin_maps(start_date, span)),
        week_start=draw(week_starts),
    )


@dataclass(frozen=True)
class Case:
    """A history and the question asked of it: the range [first, last] as seen on `today`."""

    history: HabitHistory
    first: date
    last: date
    today: date


@st.composite
def cases(draw: st.DrawFn, longest: int = SPAN_DAYS) -> Case:
    history = draw(histories(longest))
    start = history.start_date
    span = draw(
        st.sampled_from([longest, max([60, *((day - start).days for day in history.checkins)])])
    )

    def around_history() -> st.SearchStrategy[date]:
        return st.integers(min_value=-40, max_value=span + 60).map(
            lambda n: start + timedelta(days=n)
        )

    # Counted back from the end, so that the simplest `today` sees the whole history.
    today = start + timedelta(days=span - draw(st.integers(min_value=-60, max_value=span + 40)))
    whole = st.sampled_from([start, start - timedelta(days=10)])
    first = draw(whole | whole | around_history())
    up_to_today = st.sampled_from([today, today + timedelta(days=30)])
    last = draw(up_to_today | up_to_today | around_history())
    return Case(history, first, last, today)
