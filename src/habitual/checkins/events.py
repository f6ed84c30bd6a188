"""What a check-in can set off: a goal reached, a period's target met, a streak milestone, the
habit's goal (goals/) achieved.

Called in the check-in's transaction, so the notification commits (or not) with it. Each event
has a dedupe key, so it is told at most once per habit, event and period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Protocol

from habitual.checkins.repository import CheckinRepository
from habitual.db import UnitOfWork
from habitual.goals.service import goal_service
from habitual.habitmath.periods import (
    DayRecord,
    HabitHistory,
    Outcome,
    PeriodResult,
    judge,
    period_standing,
)
from habitual.habitmath.schedule import (
    STATUSES,
    Frequency,
    Rule,
    day_met,
    period_bounds,
    rule_on,
)
from habitual.habitmath.stats import STREAK_UNITS
from habitual.habitmath.streaks import current_streak
from habitual.kit.timezones import Person
from habitual.models import Event
from habitual.notifications.outbox import Notice, default_channels, notify_many

MILESTONES = (7, 30, 100, 365)
# Days in one period of each schedule (every_n_days: times the interval).
PERIOD_DAYS = {
    Frequency.daily: 1,
    Frequency.every_n_days: 1,
    Frequency.weekly: 7,
    Frequency.monthly: 31,
}
# How many periods back to read: most streaks end within the first window, which also holds a
# 30-period milestone whole; the second holds the largest milestone (365) whole.
LOOKBACK_PERIODS = (40, 366)


class HabitFacts(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date | None: ...


def _cut_by_a_miss(periods: Sequence[PeriodResult]) -> bool:
    """Whether the latest missed period, which ends the current streak, lies inside the window
    (not its first period, which the window may cut short)."""
    for index in range(len(periods) - 1, -1, -1):
        if periods[index].outcome is Outcome.missed:
            return index > 0
    return False


async def after_checkin(
    uow: UnitOfWork,
    person: Person,
    habit: HabitFacts,
    rules: list[Rule],
    day: date,
    today: date,
    *,
    met: bool,
) -> None:
    """Record the notifications that the check-in of `day` earned.

    Only a met day can earn one (a skip neither lengthens a streak nor counts towards a
    target), so anything else costs no query. The streak is judged over the last 40 periods,
    and over 366 only when no miss inside those ends it.
    """
    if not met:
        return
    user_id = person.id
    rule = rule_on(rules, day)
    span = PERIOD_DAYS[rule.frequency] * (
        rule.every_n_days if rule.frequency is Frequency.every_n_days else 1
    )
    # The day's own period is judged whole, however far back it lies.
    own_period = period_bounds(day, rule.frequency, person.week_start)[0]
    for periods_back in LOOKBACK_PERIODS:
        back = today - timedelta(days=periods_back * span)
        first = max(habit.start_date, min(back, own_period))
        checkins = {
            local: DayRecord(STATUSES[status], value)
            for local, status, value in await CheckinRepository(uow).days_of(habit.id, first)
        }
        history = HabitHistory(  # check-ins from `first` on suffice; periods are judged from there
            rules=rules,
            start_date=habit.start_date,
            end_date=habit.end_date,
            checkins=checkins,
            week_start=person.week_start,
        )
        periods = judge(history, first, today, today)
        if first == habit.start_date or _cut_by_a_miss(periods):
            break
    record = checkins.get(day)
    notices: list[Notice] = []

    if (
        record is not None
        and rule.goal_value is not None
        and day_met(rule, record.status, record.value)
    ):
        notices.append(
            _notice(
                user_id,
                habit,
                event=Event.goal_reached,
                dedupe_key=f"goal:{habit.id}:{day.isoformat()}",
                title=f"Goal reached: {habit.name}",
                body=f"{habit.name}: {_amount(record.value)}{_unit(habit)} on {day.isoformat()}, "
                f"goal {_amount(rule.goal_value)}{_unit(habit)}.",
                data={"habit_id": habit.id, "date": day.isoformat(), "value": record.value},
            )
        )

    if rule.is_per_period:
        # Judged as /today and the reminders judge it: each day by the rule in force that day.
        up_to_today = {local: entry for local, entry in checkins.items() if local <= today}
        standing = period_standing(history._replace(checkins=up_to_today), day)
        if standing.due and standing.met:
            which = "week" if rule.frequency is Frequency.weekly else "month"
            notices.append(
                _notice(
                    user_id,
                    habit,
                    event=Event.target_met,
                    dedupe_key=f"target:{habit.id}:{standing.start.isoformat()}",
                    title=f"Target met: {habit.name}",
                    body=f"{habit.name}: {standing.met_days} of {standing.required} this {which}.",
                    data={
                        "habit_id": habit.id,
                        "period_start": standing.start.isoformat(),
                        "period_end": standing.end.isoformat(),
                    },
                )
            )

    streak = current_streak(periods)
    if streak.length in MILESTONES and streak.end is not None:
        unit = STREAK_UNITS[rule.frequency]
        notices.append(
            _notice(
                user_id,
                habit,
                event=Event.streak_milestone,
                dedupe_key=f"streak:{habit.id}:{streak.length}:{streak.end.isoformat()}",
                title=f"{streak.length} {unit} in a row: {habit.name}",
                body=f"You kept {habit.name} going for {streak.length} {unit}.",
                data={
                    "habit_id": habit.id,
                    "length": streak.length,
                    "unit": unit,
                    "start": streak.start.isoformat() if streak.start else None,
                    "end": streak.end.isoformat(),
                },
            )
        )

    achieved = await goal_service.reached_by_checkin(uow, person, habit, rules, day, today)
    if achieved is not None:
        notices.append(achieved)

    await notify_many(await uow.connection(), notices)


def _notice(
    user_id: int,
    habit: HabitFacts,
    *,
    event: Event,
    dedupe_key: str,
    title: str,
    body: str,
    data: dict[str, Any],
) -> Notice:
    """An event of this habit, told in the inbox and to the user's webhooks."""
    return Notice(user_id, habit.id, event, dedupe_key, title, body, data, default_channels(event))


def _amount(value: float | None) -> str:
    if value is None:
        return "0"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _unit(habit: HabitFacts) -> str:
    return f" {habit.unit}" if habit.unit else ""
