"""IANA time zones and the week vocabulary users choose from."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: str) -> str:
    """Return `name` if it is an IANA zone this server knows; raise ValueError otherwise."""
    if name not in known_timezones():
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'")
    return name


class Weekday(StrEnum):
    """A day of the week. Answers give its full name; requests may also give its first three
    letters (`mon`), either in any case."""

    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"

    @classmethod
    def _missing_(cls, value: object) -> Weekday | None:
        if isinstance(value, str):
            name = value.lower()
            for day in cls:
                if name in (day.value, day.value[:3]):
                    return day
        return None


def local_date(instant: datetime, timezone: str, day_start: int) -> date:
    """The user's date at `instant`: local wall time, with days beginning at `day_start` o'clock.

    With day_start=4, 01:30 local still belongs to the day before.
    """
    local = instant.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=day_start)).date()
