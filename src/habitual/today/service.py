"""Today's view: every active habit, whether it is due, and its progress. Two statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from habitual.checkins.repository import CheckinRepository
from habitual.db import UnitOfWork
from habitual.habitmath.periods import DayRecord, HabitHistory, period_standing
from habitual.habitmath.schedule import (
    Rule,
    day_met,
    day_progress,
    is_scheduled_day,
    period_bounds,
    rule_on,
)
from habitual.habits.repository import HabitRepository, HabitRow
from habitual.habits.rules import KINDS, Kind
from habitual.kit.timezones import Person, Weekday, local_today
from habitual.today.schemas import PeriodProgress, Today, TodayHabit

WEEKDAYS = list(Weekday)


@dataclass(frozen=True, slots=True)
class TodayRows:
    """What today's view is built from: the local date, the habits active on it with their
    rules, and the check-ins of each one's current period by habit id."""

    today: date
    habits: list[tuple[HabitRow, list[Rule]]]
    checkins: dict[int, dict[date, DayRecord]]


class TodayService:
    async def read(self, uow: UnitOfWork, caller: Person, timezone: str | None) -> TodayRows:
        """Today's habits and check-ins, read in `uow`; `today` builds the view once the unit
        has given its connection back (built inside it, the view held a pooled connection
        while other requests queued for one: bench/README.md, issue 12)."""
        today = local_today(caller, timezone)
        habits = await HabitRepository(uow).active_on(caller.id, today)
        # The rule in force today sets the period; the habit's columns hold the newest
        # rule, which may take effect only later in this zone (a `?tz=` to the west, say).
        periods_from = {
            habit.id: period_bounds(today, rule.frequency, caller.week_start)[0]
            for habit, rules in habits
            if (rule := rule_on(rules, today)).is_per_period
        }
        checkins = await CheckinRepository(uow).for_today(caller.id, today, periods_from)
        return TodayRows(today, habits, checkins)

    def today(self, rows: TodayRows, caller: Person, timezone: str | None) -> Today:
        today, week_start = rows.today, caller.week_start
        return Today(
            date=today,
            timezone=timezone or caller.timezone,
            week_start=WEEKDAYS[week_start],
            day_start=caller.day_start,
            habits=[
                self._habit_today(habit, rules, rows.checkins.get(habit.id, {}), today, week_start)
                for habit, rules in rows.habits
            ],
        )

    def _habit_today(
        self,
        habit: HabitRow,
        rules: list[Rule],
        checkins: dict[date, DayRecord],
        today: date,
        week_start: int,
    ) -> TodayHabit:
        rule = rule_on(rules, today)
        checkin = checkins.get(today)
        status = checkin.status if checkin else None
        value = checkin.value if checkin else None
        met = day_met(rule, status, value)
        period = None
        if rule.is_per_period:
            history = HabitHistory(rules, habit.start_date, habit.end_date, checkins, week_start)
            standing = period_standing(history, today)
            period = PeriodProgress(
                start=standing.start,
                end=standing.end,
                done=standing.met_days,
                target=standing.required,
                remaining=max(standing.required - standing.met_days, 0),
            )
            due = standing.still_due
            progress = min(standing.met_days / standing.required, 1.0)
        else:  # the day is the period: `active_on` gave only habits running today
            due = is_scheduled_day(rule, today, habit.start_date)
            progress = day_progress(rule, status, value)
        kind = KINDS[habit.kind]
        measurable = kind is Kind.measurable
        return TodayHabit(
            id=habit.id,
            name=habit.name,
            kind=kind,
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
