"""When a reminder fires next: local wall time to UTC instant, across DST. Pure functions."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def wall_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the wall clock of `zone` shows `at` on `day`.

    A time repeated by a DST change is its first occurrence. A time skipped by one (the clock
    jumps over it) is the first valid instant after it: the moment the clock jumps.
    """
    wanted = datetime.combine(day, at.replace(fold=0))
    first_guess = wanted.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the earlier offset
    if _wall(first_guess, zone) == wanted:
        return first_guess
    # In a gap, fold=1 reads the wall time with the later offset, which lands before the jump.
    low = wanted.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first_guess
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, zone) >= wanted:
            high = middle
        else:
            low = middle
    whole_second = high.replace(microsecond=0)  # clocks jump on whole seconds
    return whole_second if _wall(whole_second, zone) >= wanted else high


def next_fire_after(
    now: datetime, timezone: str, at: time, weekdays: Collection[int]
) -> datetime | None:
    """The first instant after `now` at which the reminder is due, or None without weekdays."""
    if not weekdays:
        return None
    zone = ZoneInfo(timezone)
    local_today = now.astimezone(zone).date()
    for offset in range(-1, 9):
        day = local_today + timedelta(days=offset)
        if day.weekday() in weekdays:
            instant = wall_instant(day, at, zone)
            if instant > now:
                return instant
    return None
