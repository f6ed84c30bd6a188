"""When a reminder fires: a local wall time becomes a UTC instant, across DST, in every zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from habitual.reminders.firing import next_fire_after, wall_instant

ALL_ZONES = sorted(zoneinfo.available_timezones())
EVERY_DAY = frozenset(range(7))
SECOND = timedelta(seconds=1)

# Zones whose clocks change in 2020..2030, chosen for the ways they do it: the usual hour in
# either hemisphere, at midnight (Santiago, Havana, Cairo, Asuncion, Beirut), from 23:00 straight
# to the next day's 00:00 (Nuuk), by 30 minutes (Lord Howe), on a :45 offset (Chatham), on a :30
# offset (St John's), by two hours (Troll), backwards in winter (Dublin), around Ramadan
# (Casablanca), or only for part of the decade (Tehran).
CHANGING_ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "America/Nuuk",
    "America/Scoresbysund",
    "Africa/Cairo",
    "Africa/Casablanca",
    "Asia/Beirut",
    "Asia/Jerusalem",
    "Asia/Gaza",
    "Asia/Tehran",
    "Antarctica/Troll",
]

FIRINGS = settings(max_examples=300, deadline=None)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """What the zone's clock shows at `instant`, as a naive local datetime."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def reference_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant `at` is due on `day`, found the slow way: try every offset the zone used
    around then; if none shows `at`, the clock jumped over it, so walk to where it lands."""
    wanted = datetime.combine(day, at)
    around = wanted.replace(tzinfo=UTC)
    offsets = {
        (around + timedelta(hours=hours)).astimezone(zone).utcoffset() for hours in range(-48, 49)
    }
    candidates = sorted(
        (wanted - offset).replace(tzinfo=UTC) for offset in offsets if offset is not None
    )
    showing = [instant for instant in candidates if wall(instant, zone) == wanted]
    if showing:
        return showing[0]
    instant = candidates[0]
    while wall(instant, zone) < wanted:
        instant += SECOND
    return instant


def reference_next(now: datetime, zone: ZoneInfo, at: time, weekdays: Collection[int]) -> datetime:
    local_today = now.astimezone(zone).date()
    days = (local_today + timedelta(days=offset) for offset in range(-2, 10))
    return min(
        instant
        for day in days
        if day.weekday() in weekdays and (instant := reference_instant(day, at, zone)) > now
    )


def requested_days(instant: datetime, zone: ZoneInfo, at: time) -> set[date]:
    """The local dates whose `at` is due at `instant`: shown there, or jumped over just then."""
    shown, before = wall(instant, zone), wall(instant - SECOND, zone)
    if shown.time() == at:
        return {shown.date()}
    return {
        day for day in {before.date(), shown.date()} if before < datetime.combine(day, at) < shown
    }


@cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The instants in `year` at which the zone's offset changes, to the second."""
    zone = ZoneInfo(zone_name)
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        following = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            low, high = day, following
            while high - low > SECOND:
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        day = following
    return tuple(found)


weekday_sets = st.sampled_from([EVERY_DAY]) | st.frozensets(
    st.integers(min_value=0, max_value=6), min_size=1
)
wall_times = st.builds(
    time, st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59)
)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31, 23, 59, 59)
).map(lambda naive: naive.replace(tzinfo=UTC))


@st.composite
def anywhere(draw: st.DrawFn) -> tuple[datetime, ZoneInfo, time, frozenset[int]]:
    """Any zone, any instant of the decade, any time and weekdays."""
    zone = ZoneInfo(draw(st.sampled_from(ALL_ZONES)))
    return draw(instants), zone, draw(wall_times), draw(weekday_sets)


@st.composite
def near_a_clock_change(draw: st.DrawFn) -> tuple[datetime, ZoneInfo, time, frozenset[int]]:
    """A zone that changes its clocks, `now` mostly within the day before a change (sometimes
    up to a week before or a day after), a wall time in or next to the stretch that is skipped
    or repeated, and weekdays that mostly include the day of the change."""
    zone_name = draw(st.sampled_from(CHANGING_ZONES))
    changes = transitions(zone_name, draw(st.integers(min_value=2020, max_value=2030)))
    assume(changes)
    change = draw(st.sampled_from(changes))
    zone = ZoneInfo(zone_name)
    shift = (change.astimezone(zone).utcoffset() or timedelta()) - (
        (change - SECOND).astimezone(zone).utcoffset() or timedelta()
    )
    reach = abs(shift) // timedelta(minutes=1) + 30
    minutes = draw(st.integers(min_value=-reach, max_value=reach))
    at = (wall(change - SECOND, zone) + SECOND + timedelta(minutes=minutes)).time()
    at = at.replace(second=0, microsecond=0)
    before = draw(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=30))
        | st.timedeltas(min_value=-timedelta(days=1), max_value=timedelta(days=7))
    )
    weekdays = draw(weekday_sets)
    if draw(st.booleans()):
        changing_days = {wall(change - SECOND, zone).date(), wall(change, zone).date()}
        weekdays |= {day.weekday() for day in changing_days}
    return change - before, zone, at, weekdays


def check_next_fire(now: datetime, zone: ZoneInfo, at: time, weekdays: frozenset[int]) -> None:
    fire_at = next_fire_after(now, zone.key, at, weekdays)

    assert fire_at is not None
    assert fire_at > now
    # It shows `at` on a requested weekday, or `at` was skipped that day and it is the jump.
    assert any(day.weekday() in weekdays for day in requested_days(fire_at, zone, at))
    shown = wall(fire_at, zone)
    if shown.time() == at:  # and if the clock shows `at` twice that day, this is the first
        earlier = (fire_at - timedelta(minutes=minutes) for minutes in range(15, 181, 15))
        assert all(wall(instant, zone) != shown for instant in earlier)
    assert fire_at == reference_next(now, zone, at, weekdays)


@FIRINGS
@given(anywhere())
def test_next_fire_is_the_first_due_instant_after_now_in_any_zone(case):
    check_next_fire(*case)


@FIRINGS
@given(near_a_clock_change())
def test_next_fire_is_the_first_due_instant_after_now_across_clock_changes(case):
    check_next_fire(*case)


@FIRINGS
@given(near_a_clock_change())
def test_a_reminder_fires_once_per_requested_day(case):
    now, zone, at, weekdays = case
    fire_at = next_fire_after(now, zone.key, at, weekdays)
    assert fire_at is not None

    following = next_fire_after(fire_at, zone.key, at, weekdays)

    assert following is not None
    assert following > fire_at
    fired_for, next_for = requested_days(fire_at, zone, at), requested_days(following, zone, at)
    assert fired_for
    assert next_for
    assert min(next_for) > max(fired_for)


@FIRINGS
@given(
    st.sampled_from(ALL_ZONES),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    wall_times,
)
def test_wall_instant_shows_the_time_or_is_the_jump_over_it(zone_name, day, at):
    zone = ZoneInfo(zone_name)
    wanted = datetime.combine(day, at)

    instant = wall_instant(day, at, zone)

    assert instant.tzinfo is not None
    if wall(instant, zone) != wanted:
        assert wall(instant, zone) > wanted
        assert wall(instant - SECOND, zone) < wanted
    assert instant == reference_instant(day, at, zone)


@FIRINGS
@given(st.sampled_from(CHANGING_ZONES), st.integers(min_value=2020, max_value=2030), st.data())
def test_a_repeated_wall_time_is_its_first_occurrence(zone_name, year, data):
    zone = ZoneInfo(zone_name)
    changes = transitions(zone_name, year)
    assume(changes)
    change = data.draw(st.sampled_from(changes))
    before, after = (change - SECOND).astimezone(zone), change.astimezone(zone)
    assume(after.utcoffset() < before.utcoffset())  # the clock goes back: a repeated stretch
    repeated = data.draw(
        st.datetimes(
            min_value=after.replace(tzinfo=None, fold=0),
            max_value=before.replace(tzinfo=None),
        )
    ).replace(second=0, microsecond=0, fold=0)  # a reminder's time is HH:MM, never fold=1
    assume(repeated >= after.replace(tzinfo=None, fold=0))
    first = (repeated - (before.utcoffset() or timedelta())).replace(tzinfo=UTC)
    second = (repeated - (after.utcoffset() or timedelta())).replace(tzinfo=UTC)
    assert wall(first, zone) == wall(second, zone) == repeated

    assert wall_instant(repeated.date(), repeated.time(), zone) == first
    assert next_fire_after(first - SECOND, zone_name, repeated.time(), EVERY_DAY) == first
    following = next_fire_after(first, zone_name, repeated.time(), EVERY_DAY)
    assert following is not None
    assert following > second
    assert wall(following, zone).date() > repeated.date()


def test_no_weekdays_never_fire():
    assert next_fire_after(utc("2026-06-15T12:00:00"), "UTC", time(7, 30), frozenset()) is None


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # New York springs forward at 02:00 EST (07:00Z) to 03:00 EDT: 02:30 never shows.
        ("America/New_York", "2026-03-08", time(2, 30), "2026-03-08T07:00:00"),
        ("America/New_York", "2026-03-08", time(3, 0), "2026-03-08T07:00:00"),
        ("America/New_York", "2026-03-08", time(1, 59), "2026-03-08T06:59:00"),
        # New York falls back at 02:00 EDT (06:00Z) to 01:00 EST: 01:30 shows at 05:30Z first.
        ("America/New_York", "2026-11-01", time(1, 30), "2026-11-01T05:30:00"),
        ("America/New_York", "2026-11-02", time(1, 30), "2026-11-02T06:30:00"),
        # Berlin springs forward at 02:00 CET (01:00Z) to 03:00 CEST.
        ("Europe/Berlin", "2026-03-29", time(2, 30), "2026-03-29T01:00:00"),
        # Berlin falls back at 03:00 CEST (01:00Z) to 02:00 CET: 02:30 shows at 00:30Z first.
        ("Europe/Berlin", "2026-10-25", time(2, 30), "2026-10-25T00:30:00"),
        # Nuuk jumps from 23:00 on the 28th to 00:00 on the 29th.
        ("America/Nuuk", "2026-03-28", time(23, 30), "2026-03-29T01:00:00"),
        ("Pacific/Kiritimati", "2026-06-16", time(7, 30), "2026-06-15T17:30:00"),
        ("Pacific/Pago_Pago", "2026-06-15", time(7, 30), "2026-06-15T18:30:00"),
    ],
)
def test_wall_instant_examples(zone, day, at, expected):
    assert wall_instant(date.fromisoformat(day), at, ZoneInfo(zone)) == utc(expected)


def test_new_york_spring_forward_fires_at_the_jump():
    fire_at = next_fire_after(
        utc("2026-03-08T04:00:00"), "America/New_York", time(2, 30), EVERY_DAY
    )

    assert fire_at == utc("2026-03-08T07:00:00")
    assert next_fire_after(fire_at, "America/New_York", time(2, 30), EVERY_DAY) == utc(
        "2026-03-09T06:30:00"
    )


def test_new_york_fall_back_fires_once_at_the_first_one_thirty():
    fire_at = next_fire_after(
        utc("2026-11-01T04:00:00"), "America/New_York", time(1, 30), EVERY_DAY
    )

    assert fire_at == utc("2026-11-01T05:30:00")
    assert next_fire_after(fire_at, "America/New_York", time(1, 30), EVERY_DAY) == utc(
        "2026-11-02T06:30:00"
    )
    # Not at the second 01:30 either, when the clock shows it again an hour later.
    assert next_fire_after(
        utc("2026-11-01T06:00:00"), "America/New_York", time(1, 30), EVERY_DAY
    ) == utc("2026-11-02T06:30:00")


def test_berlin_spring_forward_fires_at_the_jump():
    fire_at = next_fire_after(utc("2026-03-28T12:00:00"), "Europe/Berlin", time(2, 30), EVERY_DAY)

    assert fire_at == utc("2026-03-29T01:00:00")
    assert next_fire_after(fire_at, "Europe/Berlin", time(2, 30), EVERY_DAY) == utc(
        "2026-03-30T00:30:00"
    )


def test_berlin_fall_back_fires_once():
    fire_at = next_fire_after(utc("2026-10-24T12:00:00"), "Europe/Berlin", time(2, 30), EVERY_DAY)

    assert fire_at == utc("2026-10-25T00:30:00")
    assert next_fire_after(fire_at, "Europe/Berlin", time(2, 30), EVERY_DAY) == utc(
        "2026-10-26T01:30:00"
    )


MONDAY = frozenset({0})


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-06-16T12:00:00", "2026-06-22T07:30:00"),  # Tuesday: next Monday
        ("2026-06-15T06:00:00", "2026-06-15T07:30:00"),  # Monday before the time: today
        ("2026-06-15T07:30:00", "2026-06-22T07:30:00"),  # Monday at the time: a week on
        ("2026-06-21T23:59:59", "2026-06-22T07:30:00"),  # Sunday night
    ],
)
def test_only_mondays(now, expected):
    assert next_fire_after(utc(now), "UTC", time(7, 30), MONDAY) == utc(expected)


def test_the_weekday_is_the_local_one_at_both_ends_of_the_clock():
    # 2026-06-15T11:00Z is Tuesday 01:00 in Kiritimati (+14) and Monday 00:00 in Pago Pago (-11).
    now = utc("2026-06-15T11:00:00")
    tuesday = frozenset({1})

    assert next_fire_after(now, "Pacific/Kiritimati", time(7, 30), tuesday) == utc(
        "2026-06-15T17:30:00"
    )
    assert next_fire_after(now, "Pacific/Pago_Pago", time(7, 30), tuesday) == utc(
        "2026-06-16T18:30:00"
    )
    assert next_fire_after(now, "Pacific/Kiritimati", time(0, 30), EVERY_DAY) == utc(
        "2026-06-16T10:30:00"
    )
    assert next_fire_after(now, "Pacific/Pago_Pago", time(0, 0), EVERY_DAY) == utc(
        "2026-06-16T11:00:00"
    )
