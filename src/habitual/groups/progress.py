"""A group's shared progress: each member's shared habits judged by the stats' own maths.

Each member is judged in their own day: their time zone and day start say what today is, their
week start what a week is. Without `from` and `to` each member's range is their own current
week. Four statements whatever the size of the group: the members, the shared habits, their
rules, their check-ins.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from habitual.checkins.repository import CheckinRepository
from habitual.db import UnitOfWork
from habitual.errors import Unprocessable
from habitual.groups.repository import GroupRepository, ProgressMember, SharedHabit
from habitual.groups.schemas import GroupProgressRead, HabitProgressRead, MemberProgressRead
from habitual.groups.service import group_service
from habitual.habitmath.periods import DayRecord, HabitHistory
from habitual.habitmath.schedule import Rule
from habitual.habitmath.stats import habit_stats
from habitual.habits.repository import MAX_IDS_PER_STATEMENT, HabitRepository, HabitRow
from habitual.kit.clock import utcnow
from habitual.kit.timezones import local_date
from habitual.models import User
from habitual.stats.service import DEFAULT_PROGRESS_DAYS, MAX_PROGRESS_DAYS

Range = tuple[date, date] | None  # None: each member's own current week


def asked_range(first: date | None, last: date | None) -> Range:
    """The range asked for, the same for every member; None when neither end was given. One
    end alone makes a week with it: `from` and the six days after it, or `to` and the six
    before it. At most MAX_PROGRESS_DAYS days, as for GET /progress."""
    if first is None and last is None:
        return None
    span = timedelta(days=DEFAULT_PROGRESS_DAYS - 1)
    if first is None:
        assert last is not None
        first = last - span
    last = last or first + span
    if first > last:
        raise Unprocessable("from must not be after to.", field=("query", "from"))
    if (last - first).days + 1 > MAX_PROGRESS_DAYS:
        raise Unprocessable(f"At most {MAX_PROGRESS_DAYS} days per call.", field=("query", "from"))
    return first, last


def week_of(today: date, week_start: int) -> tuple[date, date]:
    """The calendar week holding `today`, beginning on `week_start` (0 = Monday)."""
    first = today - timedelta(days=(today.weekday() - week_start) % 7)
    return first, first + timedelta(days=6)


class GroupProgressService:
    async def progress(
        self, uow: UnitOfWork, user: User, group_id: int, first: date | None, last: date | None
    ) -> GroupProgressRead:
        asked = asked_range(first, last)
        await group_service.require_member(uow, user, group_id)
        repository = GroupRepository(uow)
        members = await repository.progress_members(group_id)
        shared = await repository.shared_habits(group_id)
        habits = await HabitRepository(uow).with_rules([habit.habit_id for habit in shared])
        now = utcnow()
        todays = {
            member.id: local_date(now, member.timezone, member.day_start) for member in members
        }
        # Whole histories, up to each owner's today: the current streak looks back to the start.
        spans = {
            habit.habit_id: (habits[habit.habit_id][0].start_date, todays[habit.user_id])
            for habit in shared
            if habit.habit_id in habits and habit.user_id in todays
        }
        checkins: dict[int, dict[date, DayRecord]] = {}
        checkin_repository = CheckinRepository(uow)
        ids = list(spans)
        for chunk in range(0, len(ids), MAX_IDS_PER_STATEMENT):
            part = {
                habit_id: spans[habit_id] for habit_id in ids[chunk : chunk + MAX_IDS_PER_STATEMENT]
            }
            checkins.update(await checkin_repository.of_habits_between(part))
        by_member: dict[int, list[SharedHabit]] = {member.id: [] for member in members}
        for habit in shared:
            if habit.habit_id in spans:
                by_member[habit.user_id].append(habit)
        return GroupProgressRead(
            group_id=group_id,
            members=[
                self._member(
                    member, todays[member.id], asked, by_member[member.id], habits, checkins
                )
                for member in members
            ],
        )

    def _member(
        self,
        member: ProgressMember,
        today: date,
        asked: Range,
        shared: Sequence[SharedHabit],
        habits: dict[int, tuple[HabitRow, list[Rule]]],
        checkins: dict[int, dict[date, DayRecord]],
    ) -> MemberProgressRead:
        first, last = asked or week_of(today, member.week_start)
        items = []
        for entry in shared:
            habit, rules = habits[entry.habit_id]
            history = HabitHistory(
                rules=rules,
                start_date=habit.start_date,
                end_date=habit.end_date,
                checkins=checkins.get(habit.id, {}),
                week_start=member.week_start,
            )
            stats = habit_stats(history, first, last, today)
            items.append(
                HabitProgressRead(
                    habit_id=habit.id,
                    habit_name=habit.name,
                    archived=entry.archived,
                    met=stats.met,
                    due=stats.due,
                    success_rate=stats.success_rate,
                    current_streak=stats.current_streak.length,
                    streak_unit=stats.streak_unit,
                )
            )
        return MemberProgressRead(
            user_id=member.id,
            display_name=member.display_name,
            from_date=first,
            to_date=last,
            habits=items,
        )


group_progress_service = GroupProgressService()
