"""Today's view: every active habit, whether it is due, and its progress. Three queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.habitmath.schedule import (
    Rule,
    Status,
    day_met,
    day_progress,
    first_due_period_start,
    is_scheduled_day,
    period_bounds,
    rule_on,
)
from habitual.habits.rules import Kind, as_rule
from habitual.kit.timezones import Weekday
from habitual.models import Checkin, Habit, HabitRule, User
from habitual.today.schemas import PeriodProgress, Today, TodayHabit
from habitual.users.service import local_today

WEEKDAYS = list(Weekday)


async def _active_habits(session: AsyncSession, user_id: int, today: date) -> list[Habit]:
    statement = (
        select(Habit)
        .where(
            Habit.user_id == user_id,
            Habit.archived_at.is_(None),
            Habit.start_date <= today,
            (Habit.end_date.is_(None)) | (Habit.end_date >= today),
        )
        .order_by(Habit.position, Habit.id)
    )
    return list((await session.execute(statement)).scalars().all())


async def _rules_by_habit(session: AsyncSession, habit_ids: list[int]) -> dict[int, list[Rule]]:
    statement = (
        select(HabitRule)
        .where(HabitRule.habit_id.in_(habit_ids))
        .order_by(HabitRule.habit_id, HabitRule.effective_from)
    )
    rules: dict[int, list[Rule]] = defaultdict(list)
    for row in (await session.execute(statement)).scalars():
        rules[row.habit_id].append(as_rule(row, row.effective_from))
    return rules


def _period_progress(
    habit: Habit,
    rules: list[Rule],
    checkins: dict[date, Checkin],
    today: date,
    week_start: int,
) -> tuple[PeriodProgress, bool]:
    """The period's met days and target, and whether it was still due before today."""
    rule = rule_on(rules, today)
    start, end = period_bounds(today, rule.frequency, week_start)
    met_before_today = 0
    met_total = 0
    for day, checkin in checkins.items():
        if start <= day <= today:
            status = Status(checkin.status)
            if day_met(rule_on(rules, day), status, checkin.value):
                met_total += 1
                met_before_today += day < today
    due_period = start >= first_due_period_start(rule, habit.start_date, week_start)
    target = rule.times_per_period
    progress = PeriodProgress(
        start=start, end=end, done=met_total, target=target, remaining=max(target - met_total, 0)
    )
    return progress, due_period and met_before_today < target


class TodayService:
    async def today(self, session: AsyncSession, user: User, timezone: str | None) -> Today:
        today = local_today(user, timezone)
        habits = await _active_habits(session, user.id, today)
        stored_rules = await _rules_by_habit(session, [habit.id for habit in habits])
        rules = {
            habit.id: stored_rules.get(habit.id) or [as_rule(habit, habit.start_date)]
            for habit in habits
        }
        # The rule in force today sets the period; the habit's columns hold the newest rule,
        # which may take effect only later in this zone (a `?tz=` to the west, say).
        earliest = min(
            (
                period_bounds(today, rule_on(rules[habit.id], today).frequency, user.week_start)[0]
                for habit in habits
            ),
            default=today,
        )
        statement = select(Checkin).where(
            Checkin.user_id == user.id, Checkin.local_date >= earliest, Checkin.local_date <= today
        )
        checkins: dict[int, dict[date, Checkin]] = defaultdict(dict)
        for checkin in (await session.execute(statement)).scalars():
            checkins[checkin.habit_id][checkin.local_date] = checkin
        return Today(
            date=today,
            timezone=timezone or user.timezone,
            week_start=WEEKDAYS[user.week_start],
            day_start=user.day_start,
            habits=[
                self._habit_today(
                    habit,
                    rules[habit.id],
                    checkins[habit.id],
                    today,
                    user.week_start,
                )
                for habit in habits
            ],
        )

    def _habit_today(
        self,
        habit: Habit,
        rules: list[Rule],
        checkins: dict[date, Checkin],
        today: date,
        week_start: int,
    ) -> TodayHabit:
        rule = rule_on(rules, today)
        checkin = checkins.get(today)
        status = Status(checkin.status) if checkin else None
        value = checkin.value if checkin else None
        met = day_met(rule, status, value)
        period = None
        if rule.is_per_period:
            period, due = _period_progress(habit, rules, checkins, today, week_start)
            progress = min(period.done / period.target, 1.0)
        else:
            due = is_scheduled_day(rule, today, habit.start_date)
            progress = day_progress(rule, status, value)
        measurable = Kind(habit.kind) is Kind.measurable
        return TodayHabit(
            id=habit.id,
            name=habit.name,
            kind=Kind(habit.kind),
            frequency=rule.frequency,
            unit=habit.unit,
            color=habit.color,
            icon=habit.icon,
            due=due,
            status=status,
            value=value,
            goal_value=rule.goal_value if measurable else None,
            goal_type=rule.goal_type if measurable else None,
            met=met,
            progress=progress,
            period=period,
        )


today_service = TodayService()
