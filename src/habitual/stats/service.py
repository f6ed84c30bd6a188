"""Progress, statistics and streaks for the current user's habits."""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from habitual.checkins.repository import CheckinRepository
from habitual.db import UnitOfWork
from habitual.errors import NotFound, Unprocessable
from habitual.habitmath.carry import Carry, carry_until, fold, stats_from
from habitual.habitmath.periods import DayRecord, HabitHistory, judge
from habitual.habitmath.schedule import (
    STATUSES,
    Frequency,
    Rule,
    Status,
    day_met,
    day_progress,
    rule_on,
)
from habitual.habitmath.stats import STREAK_UNITS, Bucket, HabitStats, habit_stats
from habitual.habitmath.streaks import Streak, current_streak, longest_streak
from habitual.habits.repository import HabitRow
from habitual.habits.rules import Kind
from habitual.habits.service import habit_service
from habitual.kit.clock import utcnow
from habitual.kit.rawsql import INTEGRITY_ERRORS, Row
from habitual.kit.timezones import Person, Weekday, local_today
from habitual.models import Habit, User
from habitual.stats.charts import calendar_svg, trend_svg
from habitual.stats.repository import StatsRepository
from habitual.stats.schemas import (
    BestStreak,
    DayProgress,
    HabitProgress,
    HabitRate,
    HabitStatsRead,
    HabitStreaks,
    PeriodRead,
    Progress,
    StreakRead,
    Summary,
)

# A read moves a habit's stats carry on (and writes it) once its boundary could move this far:
# one write per habit per four weeks, and at most ~5 weeks of days folded in by each read.
CARRY_REFRESH = timedelta(days=28)
MAX_PROGRESS_DAYS = 366
MAX_TREND_DAYS = 3660
DEFAULT_TREND_DAYS = 12 * 7
TrendMetric = Literal["rate", "value"]
DEFAULT_PROGRESS_DAYS = 7
DEFAULT_SUMMARY_DAYS = 30
WEEKDAYS = list(Weekday)


def date_range(
    first: date | None, last: date | None, today: date, default_days: int
) -> tuple[date, date]:
    """`from` and `to` with their defaults (the last `default_days` days); from <= to."""
    last = last or today
    first = first or last - timedelta(days=default_days - 1)
    if first > last:
        raise Unprocessable("from must not be after to.", field=("query", "from"))
    return first, last


def streak_read(streak: Streak) -> StreakRead:
    return StreakRead(length=streak.length, start=streak.start, end=streak.end)


def basis_of(week_start: int, habit: HabitRow, rules: list[Rule]) -> str:
    """A digest of all that judges a habit's days, but its check-ins: a stats carry made under
    another basis is not used. The rules' repr holds every field of each."""
    judged_by = (week_start, habit.start_date, habit.end_date, rules)
    return hashlib.blake2b(repr(judged_by).encode(), digest_size=16).hexdigest()


def buckets_read(buckets: list[Bucket]) -> list[dict[str, object]]:
    return [
        {
            "start": bucket.start,
            "completions": bucket.completions,
            "due": bucket.due,
            "met": bucket.met,
            "rate": bucket.met / bucket.due if bucket.due else None,
        }
        for bucket in buckets
    ]


def habit_history(
    habit: HabitRow, rules: list[Rule], days: list[Row], week_start: int
) -> HabitHistory:
    """A habit as the math sees it, with the check-ins read (local_date, status, value)."""
    return HabitHistory(
        rules=rules,
        start_date=habit.start_date,
        end_date=habit.end_date,
        checkins={day: DayRecord(STATUSES[status], value) for day, status, value in days},
        week_start=week_start,
    )


def stats_read(habit_id: int, stats: HabitStats) -> HabitStatsRead:
    # One validation over the whole tree, buckets as dicts: two years are ~130 of them; a
    # model built per bucket cost 2.0M instructions, validating them by attribute 1.4M (it
    # asks each whether it is a Mapping), as dicts ~20% less again (callgrind, timeit).
    return HabitStatsRead.model_validate(
        {
            "habit_id": habit_id,
            "from_date": stats.first,
            "to_date": stats.last,
            "completed": stats.completed,
            "due": stats.due,
            "met": stats.met,
            "success_rate": stats.success_rate,
            "current_streak": stats.current_streak,
            "longest_streak": stats.longest_streak,
            "streak_unit": stats.streak_unit,
            "score": stats.score,
            "total_value": stats.total_value,
            "average_value": stats.average_value,
            "by_week": buckets_read(stats.by_week),
            "by_month": buckets_read(stats.by_month),
        }
    )


@dataclass(frozen=True, slots=True)
class CarryToKeep:
    """A stats carry that a read moved on, to be kept for the next read."""

    habit_id: int
    history_version: int
    basis: str
    carry: Carry


@dataclass(frozen=True, slots=True)
class StoredCarry:
    """The stats carry a whole-life read found: usable (`carry`) or not (None), and what a
    carry kept by this read must be stamped with."""

    history_version: int
    basis: str
    carry: Carry | None


@dataclass(frozen=True, slots=True)
class StatsRows:
    """What a habit's statistics are computed from: the range asked for, the habit, its
    rules, the check-ins read (local_date, status, value), and, for a whole-life read (from
    the start to today), the stored carry they finish."""

    week_start: int
    today: date
    first: date | None
    last: date | None
    habit: HabitRow
    rules: list[Rule]
    days: list[Row]
    carry: StoredCarry | None = None


@dataclass(frozen=True, slots=True)
class StatsAnswer:
    stats: HabitStatsRead
    keep: CarryToKeep | None = None


class StatsService:
    async def _one(
        self, uow: UnitOfWork, caller: Person, habit_id: int
    ) -> tuple[HabitRow, HabitHistory]:
        """A habit and its whole history, read on the driver: the stats of two years of daily
        check-ins spent more time in the ORM than in the math (bench/profile_hot_paths.py)."""
        habit, rules = await habit_service.owned(uow, caller, habit_id)
        days = await CheckinRepository(uow).days_of(habit.id)
        return habit, habit_history(habit, rules, days, caller.week_start)

    async def read_habit_stats(
        self,
        uow: UnitOfWork,
        caller: Person,
        habit_id: int,
        first: date | None,
        last: date | None,
    ) -> StatsRows:
        """What a habit's statistics are computed from, read in `uow`; `habit_stats_from` does
        the arithmetic once the unit has given its connection back. Done inside it, the
        arithmetic held a pooled connection ~3 ms longer per read, and under load the other
        requests queued for one: 4-11% fewer req/s on PostgreSQL (bench/README.md, issue 12)."""
        today = local_today(caller)
        whole_life = first is None and (last is None or last >= today)
        habit, rules = await habit_service.owned(uow, caller, habit_id)
        if not whole_life:
            days = await CheckinRepository(uow).days_of(habit.id)
            return StatsRows(caller.week_start, today, first, last, habit, rules, days)
        # From its start to today, finished from its stats carry: the check-ins since the
        # carry's boundary are all it reads. Two years of a daily habit went from 26.9M to ~5M
        # instructions a request (bench/README.md).
        stored = await StatsRepository(uow).carry(habit.id)
        basis = basis_of(caller.week_start, habit, rules)
        carry = None
        if (
            stored.state is not None
            and stored.carry_version == stored.history_version
            and stored.basis == basis
        ):
            carry = Carry.from_json(stored.state)
            if carry.until > today:  # a clock set back: its days may not all be over
                carry = None
        since = carry.until if carry is not None else None
        days = await CheckinRepository(uow).days_of(habit.id, since)
        stored_carry = StoredCarry(stored.history_version, basis, carry)
        return StatsRows(caller.week_start, today, first, last, habit, rules, days, stored_carry)

    def habit_stats_from(self, rows: StatsRows) -> StatsAnswer:
        """A habit's statistics from what `read_habit_stats` read. A read never writes: a stats
        carry it moved on comes back in `keep`, for `keep_carry` in a short unit of its own."""
        habit, today = rows.habit, rows.today
        history = habit_history(habit, rows.rules, rows.days, rows.week_start)
        stored = rows.carry
        if stored is None:
            # Never after `to`: a habit that starts later has an empty range, not a 422.
            first = rows.first or min(habit.start_date, rows.last or today)
            first, last = date_range(first, rows.last, today, 1)
            return StatsAnswer(stats_read(habit.id, habit_stats(history, first, last, today)))
        carry = stored.carry
        until = carry_until(history, today)
        keep = None
        if until is not None and (carry is None or until - carry.until >= CARRY_REFRESH):
            carry = fold(history, today, carry, until)
            keep = CarryToKeep(habit.id, stored.history_version, stored.basis, carry)
        return StatsAnswer(stats_read(habit.id, stats_from(history, today, carry)), keep)

    async def habit_stats(
        self,
        uow: UnitOfWork,
        caller: Person,
        habit_id: int,
        first: date | None,
        last: date | None,
    ) -> StatsAnswer:
        """Both steps in one unit, for a job or a command (the endpoint gives the connection
        back in between)."""
        return self.habit_stats_from(
            await self.read_habit_stats(uow, caller, habit_id, first, last)
        )

    async def keep_carry(self, uow: UnitOfWork, keep: CarryToKeep) -> None:
        """Keep a carry for the next read; nothing if its habit was deleted meanwhile."""
        with contextlib.suppress(*INTEGRITY_ERRORS):
            await StatsRepository(uow).keep_carry(
                keep.habit_id,
                keep.history_version,
                keep.basis,
                keep.carry.until,
                keep.carry.to_json(),
                utcnow(),
            )

    async def calendar_svg(
        self, uow: UnitOfWork, caller: Person, habit_id: int, year: int | None
    ) -> str:
        """A year's heatmap: each day shaded by how much of its goal was reached."""
        habit, history = await self._one(uow, caller, habit_id)
        today = local_today(caller)
        year = year or today.year
        fractions: dict[date, float | None] = {}
        day = max(date(year, 1, 1), history.start_date)
        last = min(date(year, 12, 31), today, history.end_date or today)
        while day <= last:
            record = history.checkins.get(day)
            if record is not None and record.status is Status.skipped:
                fractions[day] = None
            else:
                rule = rule_on(history.rules, day)
                fractions[day] = day_progress(
                    rule, record.status if record else None, record.value if record else None
                )
            day += timedelta(days=1)
        return calendar_svg(f"{habit.name}: {year}", year, fractions, caller.week_start)

    async def trend_svg(
        self,
        uow: UnitOfWork,
        caller: Person,
        habit_id: int,
        first: date | None,
        last: date | None,
        metric: TrendMetric,
    ) -> str:
        """The weekly success rate, or weekly total value, as a line over time."""
        habit, history = await self._one(uow, caller, habit_id)
        today = local_today(caller)
        first, last = date_range(first, last, today, DEFAULT_TREND_DAYS)
        if (last - first).days + 1 > MAX_TREND_DAYS:
            raise Unprocessable("At most ten years per chart.", field=("query", "from"))
        if metric == "value" and habit.kind != Kind.measurable:
            raise Unprocessable("metric=value needs a measurable habit.", field=("query", "metric"))
        stats = habit_stats(history, first, last, today)
        if metric == "rate":
            points = [(bucket.start, bucket.rate) for bucket in stats.by_week]
            return trend_svg(f"{habit.name}: weekly trend", points, "Success rate", percent=True)
        totals: dict[date, float] = {bucket.start: 0.0 for bucket in stats.by_week}
        for day, record in history.checkins.items():
            week = day - timedelta(days=(day.weekday() - caller.week_start) % 7)
            counted = first <= day <= last and record.status is Status.done
            if week in totals and counted and record.value is not None:
                totals[week] += record.value
        y_label = f"Weekly total ({habit.unit})" if habit.unit else "Weekly total"
        return trend_svg(
            f"{habit.name}: weekly trend", list(totals.items()), y_label, percent=False
        )

    async def progress(
        self,
        uow: UnitOfWork,
        user: User,
        first: date | None,
        last: date | None,
        name_contains: str | None,
        habit_id: int | None,
    ) -> Progress:
        today = local_today(user)
        first, last = date_range(first, last, today, DEFAULT_PROGRESS_DAYS)
        if (last - first).days + 1 > MAX_PROGRESS_DAYS:
            raise Unprocessable(
                f"At most {MAX_PROGRESS_DAYS} days per call.", field=("query", "from")
            )
        repository = StatsRepository(uow)
        habits = await repository.habits(user.id, name_contains=name_contains, habit_id=habit_id)
        if habit_id is not None and not habits:
            raise NotFound("No such habit.")
        # A week or month that began before `from` still decides whether its days are due.
        histories = await repository.histories(habits, user.week_start, first - timedelta(days=31))
        return Progress(
            from_date=first,
            to_date=last,
            habits=[
                self._habit_progress(habit, histories[habit.id], first, last, today)
                for habit in habits
            ],
        )

    def _habit_progress(
        self, habit: Habit, history: HabitHistory, first: date, last: date, today: date
    ) -> HabitProgress:
        periods = judge(history, first - timedelta(days=31), last, today)
        due_days: set[date] = set()
        for period in periods:
            day = period.start
            while day <= period.end:
                due_days.add(day)
                day += timedelta(days=1)
        days = []
        day = first
        while day <= last:
            record = history.checkins.get(day)
            status = record.status if record else None
            value = record.value if record else None
            in_life = history.start_date <= day <= today
            days.append(
                DayProgress(
                    date=day,
                    status=status,
                    value=value,
                    due=in_life and day in due_days,
                    met=in_life and day_met(rule_on(history.rules, day), status, value),
                )
            )
            day += timedelta(days=1)
        return HabitProgress(
            id=habit.id,
            name=habit.name,
            frequency=Frequency(habit.frequency),
            kind=Kind(habit.kind),
            unit=habit.unit,
            days=days,
            periods=[
                PeriodRead(
                    start=p.start,
                    end=p.end,
                    outcome=p.outcome,
                    met_days=p.met_days,
                    required=p.required,
                )
                for p in periods
                if p.end >= first and p.start <= last
            ],
        )

    async def streaks(self, uow: UnitOfWork, user: User) -> list[HabitStreaks]:
        repository = StatsRepository(uow)
        habits = await repository.habits(user.id)
        histories = await repository.histories(habits, user.week_start)
        today = local_today(user)
        result = []
        for habit in habits:
            history = histories[habit.id]
            periods = judge(history, history.start_date, today, today)
            result.append(
                HabitStreaks(
                    habit_id=habit.id,
                    name=habit.name,
                    unit=STREAK_UNITS[rule_on(history.rules, today).frequency],
                    current=streak_read(current_streak(periods)),
                    longest=streak_read(longest_streak(periods)),
                )
            )
        return result

    async def summary(
        self, uow: UnitOfWork, user: User, first: date | None, last: date | None
    ) -> Summary:
        today = local_today(user)
        first, last = date_range(first, last, today, DEFAULT_SUMMARY_DAYS)
        repository = StatsRepository(uow)
        habits = await repository.habits(user.id)
        histories = await repository.histories(habits, user.week_start)
        all_stats = [
            (habit, habit_stats(histories[habit.id], first, last, today)) for habit in habits
        ]
        weekdays: Counter[int] = Counter()
        for habit in habits:
            for day, record in histories[habit.id].checkins.items():
                if first <= day <= last and record.status is Status.done:
                    weekdays[day.weekday()] += 1
        rated = [(habit, s) for habit, s in all_stats if s.success_rate is not None]
        best = max(all_stats, key=lambda pair: pair[1].current_streak.length, default=None)
        met = sum(s.met for _, s in all_stats)
        due = sum(s.due for _, s in all_stats)
        return Summary(
            from_date=first,
            to_date=last,
            habits=len(habits),
            completed=sum(s.completed for _, s in all_stats),
            due=due,
            met=met,
            success_rate=met / due if due else None,
            best_current_streak=BestStreak(
                habit_id=best[0].id,
                name=best[0].name,
                length=best[1].current_streak.length,
                unit=best[1].streak_unit,
            )
            if best and best[1].current_streak.length
            else None,
            most_consistent=self._rate(
                max(rated, key=lambda p: p[1].success_rate or 0.0, default=None)
            ),
            least_consistent=self._rate(
                min(rated, key=lambda p: p[1].success_rate or 0.0, default=None)
            ),
            completions_by_weekday={WEEKDAYS[n]: weekdays[n] for n in range(7)},
        )

    def _rate(self, pair: tuple[Habit, HabitStats] | None) -> HabitRate | None:
        if pair is None or pair[1].success_rate is None:
            return None
        return HabitRate(habit_id=pair[0].id, name=pair[0].name, success_rate=pair[1].success_rate)


stats_service = StatsService()
