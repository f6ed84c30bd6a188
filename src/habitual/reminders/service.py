"""Rules for reminders: only for your own habits, and always knowing when they fire next."""

from __future__ import annotations

from datetime import date, datetime, time

from habitual.checkins.repository import CheckinRepository
from habitual.db import UnitOfWork
from habitual.errors import Conflict, NotFound
from habitual.habitmath.periods import HabitHistory, period_standing
from habitual.habitmath.schedule import Rule, Status, period_bounds, rule_on
from habitual.habits.repository import HabitRepository
from habitual.habits.rules import days_to_mask, mask_to_days, rules_of
from habitual.kit.clock import utcnow
from habitual.kit.pagination import Page, PageParams
from habitual.kit.timezones import Weekday, local_date
from habitual.models import Habit, Reminder, User
from habitual.reminders.firing import next_fire_after
from habitual.reminders.repository import ReminderRepository
from habitual.reminders.schemas import (
    WEEKDAYS,
    ReminderCreate,
    ReminderRead,
    ReminderUpdate,
    reminder_read,
)


def schedule(reminder: Reminder, timezone: str) -> None:
    """Set `next_fire_at` from the reminder's local time, weekdays and the user's zone."""
    if not reminder.active:
        reminder.next_fire_at = None
        return
    hour, minute = map(int, reminder.local_time.split(":"))
    reminder.next_fire_at = next_fire_after(
        utcnow(), timezone, time(hour, minute), mask_to_days(reminder.days)
    )


async def reschedule_all(uow: UnitOfWork, user: User) -> None:
    """After the user's time zone changed: every reminder fires at the same wall time there."""
    for reminder in await ReminderRepository(uow).for_owner(user.id):
        schedule(reminder, user.timezone)


def _mask(days: list[Weekday]) -> int:
    return days_to_mask(frozenset(WEEKDAYS.index(day) for day in days))


async def habits_to_remind(
    uow: UnitOfWork, habits: list[tuple[Habit, User]], now: datetime
) -> set[int]:
    """Which habits still ask for something on their user's local day: the user active, the
    habit not archived, started and not ended, due that day by the rule in force on it (a target
    weekday, an every-n-days day, a week or month whose target is still open), not yet met, and
    not set aside: a day its user marked skipped is not reminded. Two queries for the whole
    batch: the rule versions, and the periods' check-ins."""
    live = {
        habit.id: (habit, user)
        for habit, user in habits
        if user.is_active and habit.archived_at is None
    }
    if not live:
        return set()
    versions = await HabitRepository(uow).rule_versions(list(live))
    days: dict[int, tuple[date, date]] = {}  # the period's first day and the local day
    rules: dict[int, list[Rule]] = {}
    for habit_id, (habit, user) in live.items():
        rules[habit_id] = rules_of(habit, versions[habit_id])
        today = local_date(now, user.timezone, user.day_start)
        rule = rule_on(rules[habit_id], today)
        days[habit_id] = (period_bounds(today, rule.frequency, user.week_start)[0], today)
    checkins = await CheckinRepository(uow).of_habits_between(days)
    remind = set()
    for habit_id, (habit, user) in live.items():
        records = checkins.get(habit_id, {})
        today = days[habit_id][1]
        record = records.get(today)
        if record is not None and record.status is Status.skipped:
            continue
        history = HabitHistory(
            rules=rules[habit_id],
            start_date=habit.start_date,
            end_date=habit.end_date,
            checkins=records,
            week_start=user.week_start,
        )
        standing = period_standing(history, today)
        if standing.still_due and not standing.met:
            remind.add(habit_id)
    return remind


class ReminderService:
    async def page(
        self, uow: UnitOfWork, user: User, sort: str, descending: bool, paging: PageParams
    ) -> Page[ReminderRead]:
        """A page of the user's reminders, sorted by `sort` (a name of `SORT_COLUMNS`)."""
        return await ReminderRepository(uow).page(user.id, sort, descending, paging, reminder_read)

    async def get(self, uow: UnitOfWork, user: User, reminder_id: int) -> Reminder:
        reminder = await ReminderRepository(uow).get_for_owner(user.id, reminder_id)
        if reminder is None:
            raise NotFound("No such reminder.")
        return reminder

    async def _room_on_habit(
        self, uow: UnitOfWork, user: User, habit_id: int, max_reminders: int
    ) -> None:
        """The habit is the user's and has fewer than `max_reminders`. Its row stays locked
        until the transaction ends, so parallel requests count one after another."""
        if await HabitRepository(uow).get_for_owner_locked(user.id, habit_id) is None:
            raise NotFound("No such habit.")
        if await ReminderRepository(uow).count_for_habit(habit_id) >= max_reminders:
            raise Conflict(
                f"This habit has reached the limit of reminders ({max_reminders}). "
                "Delete one of them, or change one, to add another."
            )

    async def create(
        self, uow: UnitOfWork, user: User, body: ReminderCreate, *, max_reminders: int
    ) -> Reminder:
        await self._room_on_habit(uow, user, body.habit_id, max_reminders)
        reminder = Reminder(
            user_id=user.id,
            habit_id=body.habit_id,
            local_time=body.time,
            days=_mask(body.days),
            message=body.message,
            channels=[channel.value for channel in body.channels],
            active=body.active,
        )
        schedule(reminder, user.timezone)
        return await ReminderRepository(uow).add(reminder)

    async def update(
        self,
        uow: UnitOfWork,
        user: User,
        reminder_id: int,
        body: ReminderUpdate,
        *,
        max_reminders: int,
    ) -> Reminder:
        reminder = await self.get(uow, user, reminder_id)
        given = body.model_fields_set
        if body.habit_id is not None and body.habit_id != reminder.habit_id:
            await self._room_on_habit(uow, user, body.habit_id, max_reminders)
            reminder.habit_id = body.habit_id
        if body.time is not None:
            reminder.local_time = body.time
        if body.days is not None:
            reminder.days = _mask(body.days)
        if "message" in given:
            reminder.message = body.message
        if body.channels is not None:
            reminder.channels = [channel.value for channel in body.channels]
        if body.active is not None:
            reminder.active = body.active
        schedule(reminder, user.timezone)
        await uow.session.flush()
        return reminder

    async def delete(self, uow: UnitOfWork, user: User, reminder_id: int) -> None:
        await ReminderRepository(uow).delete(await self.get(uow, user, reminder_id))


reminder_service = ReminderService()
