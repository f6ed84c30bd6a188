"""A person's habits as an RFC 5545 calendar: pure, from plain values to the feed's bytes.

Each rule version of a habit is one all-day recurring event (the newest keeps the habit's own
UID, so a calendar updates it in place when the schedule changes): daily and every-N-days
habits recur daily (`INTERVAL=N`), habits on chosen weekdays weekly with `BYDAY`, and weekly or
monthly targets are one event per period ("3 times this week"). With history, each run of
days met in a row is one all-day event. A reminder is a timed event at
its local time on its weekdays, `TZID` and `VTIMEZONE` included, with a `VALARM` that goes off
then: an alarm inside the all-day event could not keep the reminder's own weekdays or its wall
time across a DST change. Only names, schedules, goals and reminder texts go in; no notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vDuration, vRecur

from habitual.habitmath.schedule import (
    ALL_WEEKDAYS,
    Frequency,
    GoalType,
    Rule,
    first_due_period_start,
)

BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = date.weekday()
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
REFRESH = timedelta(hours=1)  # how often a subscribed calendar should fetch the feed again
PRODID = "-//Habitual//Habit calendar//EN"


@dataclass(frozen=True)
class FeedReminder:
    id: int
    local_time: time
    days: frozenset[int]  # 0 = Monday
    message: str | None
    updated_at: datetime


@dataclass(frozen=True)
class FeedHabit:
    id: int
    name: str
    unit: str | None
    start_date: date
    end_date: date | None
    updated_at: datetime
    rules: tuple[Rule, ...]  # oldest first
    reminders: tuple[FeedReminder, ...] = ()
    met_days: tuple[date, ...] = ()  # with ?history=true: the past days met, in order


@dataclass(frozen=True)
class FeedOwner:
    name: str
    timezone: str
    week_start: int  # 0 = Monday


def calendar_bytes(owner: FeedOwner, habits: Sequence[FeedHabit], host: str) -> bytes:
    """The whole feed; the same input always gives the same bytes (the ETag is their digest).

    Each part is serialised by icalendar once and kept (`lru_cache`): a calendar app polls
    every hour, and what changed since is usually one habit, or nothing."""
    parts = [_head(owner)]
    if owner.timezone != "UTC" and any(habit.reminders for habit in habits):
        parts.append(_timezone(owner.timezone))
    parts.extend(_habit_part(habit, owner.week_start, owner.timezone, host) for habit in habits)
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


@lru_cache(maxsize=1024)
def _head(owner: FeedOwner) -> bytes:
    """BEGIN:VCALENDAR and the calendar's own properties."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", f"Habitual: {owner.name}")
    calendar.add("x-wr-calname", f"Habitual: {owner.name}")
    calendar.add("x-wr-timezone", owner.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # not a known property: typed here
    ical: bytes = calendar.to_ical()
    return ical.removesuffix(b"END:VCALENDAR\r\n")


@lru_cache(maxsize=64)
def _timezone(tzid: str) -> bytes:
    """The VTIMEZONE of the zone the reminders' times are in (~3 ms to make)."""
    ical: bytes = Timezone.from_tzid(tzid).to_ical()
    return ical


def calendar_objects(owner: FeedOwner, habits: Sequence[FeedHabit], host: str) -> dict[str, bytes]:
    """The feed's events one by one, as CalDAV stores them: each UID's own VCALENDAR (RFC 4791
    4.1), with the VTIMEZONE its times are in. The same input always gives the same bytes."""
    objects = {}
    for habit in habits:
        for event in _habit_components(habit, owner.week_start, owner.timezone, host):
            zoned = "TZID" in event["dtstart"].params
            zone = _timezone(owner.timezone) if zoned else b""
            body = _object_head() + zone + event.to_ical() + b"END:VCALENDAR\r\n"
            objects[str(event["uid"])] = body
    return objects


@lru_cache(maxsize=1)
def _object_head() -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    ical: bytes = calendar.to_ical()
    return ical.removesuffix(b"END:VCALENDAR\r\n")


@lru_cache(maxsize=4096)
def _habit_part(habit: FeedHabit, week_start: int, timezone: str, host: str) -> bytes:
    """The habit's events, serialised (see `_habit_components`)."""
    components = _habit_components(habit, week_start, timezone, host)
    return b"".join(component.to_ical() for component in components)


def _habit_components(habit: FeedHabit, week_start: int, timezone: str, host: str) -> list[Event]:
    """The habit's events: one per rule version, one per reminder, one per run of met days."""
    components: list[Event] = _habit_events(habit, week_start, host)
    zone = ZoneInfo(timezone)
    for reminder in habit.reminders:
        timed = _reminder_event(habit, reminder, zone, host)
        if timed is not None:
            components.append(timed)
    components.extend(_met_event(habit, first, last, host) for first, last in _runs(habit.met_days))
    return components


def _runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive ones: (first, last) each."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _habit_events(habit: FeedHabit, week_start: int, host: str) -> list[Event]:
    events = []
    for index, rule in enumerate(habit.rules):
        newest = index == len(habit.rules) - 1
        first = max(rule.effective_from, habit.start_date)
        last = habit.end_date if newest else habit.rules[index + 1].effective_from - timedelta(1)
        if last is not None and last < first:
            continue
        uid = f"habit-{habit.id}@{host}"
        if not newest:
            uid = f"habit-{habit.id}-{rule.effective_from:%Y%m%d}@{host}"
        event = _all_day_event(uid, habit.updated_at, _summary(habit.name, rule, habit.unit))
        event.add("description", _schedule_text(rule, habit.unit))
        start, length, recurrence = _recurrence(rule, habit.start_date, first, week_start)
        if last is not None:
            if start > last:
                continue
            recurrence["UNTIL"] = last
        event.add("dtstart", start)
        event.add("dtend", start + length)
        event.add("rrule", recurrence)
        events.append(event)
    return events


def _recurrence(
    rule: Rule, anchor: date, first: date, week_start: int
) -> tuple[date, timedelta, vRecur]:
    """The first occurrence on or after `first`, how many days each lasts, and the RRULE."""
    if rule.frequency is Frequency.weekly:
        start = first_due_period_start(rule, first, week_start)
        return start, timedelta(7), vRecur(FREQ="WEEKLY", WKST=BYDAY[week_start])
    if rule.frequency is Frequency.monthly:
        start = first_due_period_start(rule, first, week_start)
        return start, timedelta(1), vRecur(FREQ="MONTHLY")
    if rule.frequency is Frequency.every_n_days:
        step = rule.every_n_days
        start = first + timedelta((-(first - anchor).days) % step)
        return start, timedelta(1), vRecur(FREQ="DAILY", INTERVAL=step)
    if rule.target_days != ALL_WEEKDAYS:
        start = first
        while start.weekday() not in rule.target_days:
            start += timedelta(1)
        days = [BYDAY[day] for day in sorted(rule.target_days)]
        return start, timedelta(1), vRecur(FREQ="WEEKLY", BYDAY=days, WKST=BYDAY[week_start])
    return first, timedelta(1), vRecur(FREQ="DAILY")


def _reminder_event(
    habit: FeedHabit, reminder: FeedReminder, zone: ZoneInfo, host: str
) -> Event | None:
    start_day = habit.start_date
    while start_day.weekday() not in reminder.days:
        start_day += timedelta(1)
    if habit.end_date is not None and start_day > habit.end_date:
        return None
    event = Event()
    event.add("uid", f"reminder-{reminder.id}@{host}")
    event.add("dtstamp", reminder.updated_at)
    event.add("summary", f"Reminder: {habit.name}")
    event.add("transp", "TRANSPARENT")
    event.add("dtstart", datetime.combine(start_day, reminder.local_time, zone))
    recurrence = vRecur(FREQ="WEEKLY", BYDAY=[BYDAY[day] for day in sorted(reminder.days)])
    if habit.end_date is not None:
        # With a zoned DTSTART, UNTIL must be in UTC (RFC 5545 3.3.10): the end day's last instant.
        last = datetime.combine(habit.end_date + timedelta(1), time(), zone) - timedelta(seconds=1)
        recurrence["UNTIL"] = last.astimezone(ZoneInfo("UTC"))
    event.add("rrule", recurrence)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", reminder.message or habit.name)
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)
    return event


def _met_event(habit: FeedHabit, first: date, last: date, host: str) -> Event:
    """Days met in a row, as one all-day event over them (a streak reads as one bar)."""
    summary = f"\N{CHECK MARK} {habit.name}"
    event = _all_day_event(f"met-{habit.id}-{first:%Y%m%d}@{host}", habit.updated_at, summary)
    event.add("dtstart", first)
    event.add("dtend", last + timedelta(1))
    return event


def _all_day_event(uid: str, stamp: datetime, summary: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")  # a habit does not make its owner busy
    event.add("categories", ["Habit"])
    return event


def _summary(name: str, rule: Rule, unit: str | None) -> str:
    if rule.frequency is Frequency.weekly:
        return f"{name}: {_times(rule.times_per_period)} this week"
    if rule.frequency is Frequency.monthly:
        return f"{name}: {_times(rule.times_per_period)} this month"
    goal = _goal_text(rule, unit)
    return f"{name}: {goal}" if goal else name


def _schedule_text(rule: Rule, unit: str | None) -> str:
    if rule.frequency is Frequency.weekly:
        schedule = f"{_times(rule.times_per_period)} a week"
    elif rule.frequency is Frequency.monthly:
        schedule = f"{_times(rule.times_per_period)} a month"
    elif rule.frequency is Frequency.every_n_days:
        schedule = f"Every {rule.every_n_days} days"
    elif rule.target_days != ALL_WEEKDAYS:
        schedule = "On " + ", ".join(WEEKDAY_NAMES[day] for day in sorted(rule.target_days))
    else:
        schedule = "Every day"
    goal = _goal_text(rule, unit)
    return f"{schedule}; {goal}" if goal else schedule


def _goal_text(rule: Rule, unit: str | None) -> str:
    if rule.goal_value is None:
        return ""
    amount = f"{rule.goal_value:g}" + (f" {unit}" if unit else "")
    return f"at most {amount}" if rule.goal_type is GoalType.at_most else f"at least {amount}"


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"
