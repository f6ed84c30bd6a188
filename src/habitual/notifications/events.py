"""What a check-in can set off: a goal reached, a period's target met, a streak milestone.

Called in the check-in's transaction, so the notification commits (or not) with it. Each event
has a dedupe key, so it is told at most once per habit, event and period.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.habitmath.periods import DayRecord, HabitHistory, Outcome, judge
from habitual.habitmath.schedule import Frequency, Rule, day_met, rule_on
from habitual.habitmath.stats import STREAK_UNITS
from habitual.habitmath.streaks import current_streak
from habitual.models import Checkin, Habit, User
from habitual.notifications.outbox import Channel, Event, notify
from habitual.stats.repository import STATUSES

MILESTONES = (7, 30, 100, 365)
EVENT_CHANNELS = (Channel.inapp, Channel.webhook)
# How far back to look so that a streak of the largest milestone can be seen whole.
LOOKBACK_DAYS = {
    Frequency.daily: 366,
    Frequency.every_n_days: 366,  # times the interval, below
    Frequency.weekly: 366 * 7,
    Frequency.monthly: 366 * 31,
}


async def after_checkin(
    session: AsyncSession,
    user: User,
    habit: Habit,
    rules: list[Rule],
    day: date,
    today: date,
    *,
    met: bool,
) -> None:
    """Record the notifications that the check-in of `day` earned.

    Only a met day can earn one (a skip neither lengthens a streak nor counts towards a
    target), so anything else costs no query.
    """
    if not met:
        return
    rule = rule_on(rules, day)
    lookback = LOOKBACK_DAYS[rule.frequency]
    if rule.frequency is Frequency.every_n_days:
        lookback = 366 * rule.every_n_days
    first = max(habit.start_date, today - timedelta(days=lookback))
    rows = await session.execute(
        select(Checkin.local_date, Checkin.status, Checkin.value).where(
            Checkin.habit_id == habit.id, Checkin.local_date >= first
        )
    )
    checkins = {local: DayRecord(STATUSES[status], value) for local, status, value in rows}
    record = checkins.get(day)
    history = HabitHistory(  # check-ins from `first` on suffice; periods are judged from there
        rules=rules,
        start_date=habit.start_date,
        end_date=habit.end_date,
        checkins=checkins,
        week_start=user.week_start,
    )
    periods = judge(history, first, today, today)

    if (
        record is not None
        and rule.goal_value is not None
        and day_met(rule, record.status, record.value)
    ):
        await notify(
            session,
            user_id=user.id,
            habit_id=habit.id,
            event=Event.goal_reached,
            dedupe_key=f"goal:{habit.id}:{day.isoformat()}",
            title=f"Goal reached: {habit.name}",
            body=f"{habit.name}: {_amount(record.value)}{_unit(habit)} on {day.isoformat()}, "
            f"goal {_amount(rule.goal_value)}{_unit(habit)}.",
            data={"habit_id": habit.id, "date": day.isoformat(), "value": record.value},
            channels=EVENT_CHANNELS,
        )

    if rule.is_per_period:
        for period in periods:
            if period.start <= day <= period.end and period.outcome is Outcome.met:
                which = "week" if rule.frequency is Frequency.weekly else "month"
                await notify(
                    session,
                    user_id=user.id,
                    habit_id=habit.id,
                    event=Event.target_met,
                    dedupe_key=f"target:{habit.id}:{period.start.isoformat()}",
                    title=f"Target met: {habit.name}",
                    body=f"{habit.name}: {period.met_days} of {period.required} this {which}.",
                    data={
                        "habit_id": habit.id,
                        "period_start": period.start.isoformat(),
                        "period_end": period.end.isoformat(),
                    },
                    channels=EVENT_CHANNELS,
                )

    streak = current_streak(periods)
    if streak.length in MILESTONES and streak.end is not None:
        unit = STREAK_UNITS[rule.frequency]
        await notify(
            session,
            user_id=user.id,
            habit_id=habit.id,
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
            channels=EVENT_CHANNELS,
        )


def _amount(value: float | None) -> str:
    if value is None:
        return "0"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _unit(habit: Habit) -> str:
    return f" {habit.unit}" if habit.unit else ""
