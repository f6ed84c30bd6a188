"""IANA time zones, the week vocabulary users choose from, and a user's local date."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo

from habitual.kit.clock import utcnow


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


class Person(Protocol):
    """Whose day it is: a `User`, or the `Caller` of a hot path."""

    @property
    def id(self) -> int: ...
    @property
    def timezone(self) -> str: ...
    @property
    def week_start(self) -> int: ...
    @property
    def day_start(self) -> int: ...


def local_today(user: Person, timezone: str | None = None) -> date:
    """The user's current date, in their zone (or `timezone`) with their `day_start`."""
    return local_date(utcnow(), timezone or user.timezone, user.day_start)
