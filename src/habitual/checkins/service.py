"""Rules for check-ins: which dates may be checked, what a value means, and whether it is met."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from habitual.checkins.repository import CheckinRepository, CheckinRow, CheckinRows
from habitual.checkins.schemas import CheckinRead, CheckinWrite, EntryCreate
from habitual.errors import NotFound, Unprocessable
from habitual.habitmath.carry import outdates_carry
from habitual.habitmath.schedule import Rule, Status, day_met, rule_on
from habitual.habits.repository import HabitRepository, HabitRows
from habitual.habits.rules import Kind, rules_of
from habitual.habits.service import habit_service
from habitual.kit.clock import utcnow
from habitual.kit.rawsql import RawConnection, RawDatabase, session_connection
from habitual.kit.timezones import Person, local_date, local_today
from habitual.models import Checkin, Habit, User
from habitual.notifications.events import after_checkin

# A device clock a little ahead of ours is not a check-in from the future.
CLOCK_SKEW = timedelta(minutes=5)


class Dated(Protocol):
    """A habit's dates and kind: an ORM `Habit` or a `HabitRow`."""

    @property
    def kind(self) -> str: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date | None: ...


def checkin_read(checkin: Checkin | CheckinRow, rule: Rule) -> CheckinRead:
    status = Status(checkin.status)
    return CheckinRead(
        date=checkin.local_date,
        status=status,
        value=checkin.value,
        note=checkin.note,
        met=day_met(rule, status, checkin.value),
        created_at=checkin.created_at,
        updated_at=checkin.updated_at,
    )


async def habit_rules(session: AsyncSession, habit: Habit) -> list[Rule]:
    return rules_of(habit, await HabitRepository(session).rules(habit.id))


class CheckinService:
    def check_date(
        self, user: Person, habit: Dated, day: date, field: tuple[str, ...] = ("path", "date")
    ) -> date:
        """A check-in may fall on any day from the habit's start to its end, up to today (which
        it returns)."""
        today = local_today(user)
        if day < habit.start_date:
            raise Unprocessable(
                f"{day} is before the habit's start date, {habit.start_date}.",
                field=field,
            )
        if habit.end_date is not None and day > habit.end_date:
            raise Unprocessable(
                f"{day} is after the habit's end date, {habit.end_date}.", field=field
            )
        if day > today:
            raise Unprocessable(
                f"{day} is in the future: it is {today} in {user.timezone}.",
                field=field,
            )
        return today

    def check_value(self, habit: Dated, body: CheckinWrite) -> None:
        if Kind(habit.kind) is Kind.boolean:
            if body.value is not None:
                raise Unprocessable(
                    "A yes/no habit takes no value; send only status.", field=("body", "value")
                )
        elif body.status is Status.done and body.value is None:
            raise Unprocessable(
                "A measurable habit needs value (>= 0) when done.", field=("body", "value")
            )
        elif body.status is Status.skipped and body.value is not None:
            raise Unprocessable("A skipped day has no value.", field=("body", "value"))

    async def put(
        self, database: RawDatabase, caller: Person, habit_id: int, day: date, body: CheckinWrite
    ) -> tuple[CheckinRead, bool]:
        """Create or replace a day's check-in, and record the events it earned; True if created.

        A write that leaves the day met as it was earns nothing new, so it reads no history.
        """
        now = utcnow()

        async def write(connection: RawConnection) -> tuple[CheckinRead, bool]:
            found = await HabitRows(connection).owned(caller.id, habit_id)
            if found is None:
                raise NotFound("No such habit.")
            habit, versions = found
            today = self.check_date(caller, habit, day)
            self.check_value(habit, body)
            if outdates_carry(day, today):
                await HabitRows(connection).touch_history(habit.id)
            checkin, created, previous = await CheckinRows(connection).put(
                caller.id,
                habit.id,
                day,
                status=body.status.value,
                value=body.value,
                note=body.note,
                now=now,
            )
            rules = rules_of(habit, versions)
            rule = rule_on(rules, day)
            read = checkin_read(checkin, rule)
            was_met = previous is not None and day_met(rule, Status(previous[0]), previous[1])
            if read.met and not was_met:
                await after_checkin(connection, caller, habit, rules, day, today, met=True)
            return read, created

        return await database.write(write)

    async def delete(self, session: AsyncSession, user: User, habit_id: int, day: date) -> None:
        habit = await habit_service.get(session, user, habit_id)
        if not await CheckinRepository(session).delete_on(habit.id, day):
            raise NotFound(f"No check-in on {day}.")
        if outdates_carry(day, local_today(user)):
            await HabitRows(await session_connection(session)).touch_history(habit.id)

    async def between(
        self,
        session: AsyncSession,
        user: User,
        habit_id: int,
        first: date | None,
        last: date | None,
    ) -> Sequence[CheckinRead]:
        habit = await habit_service.get(session, user, habit_id)
        first = first or habit.start_date
        last = last or local_today(user)
        if first > last:
            raise Unprocessable("from must not be after to.", field=("query", "from"))
        rules = await habit_rules(session, habit)
        checkins = await CheckinRepository(session).between(habit.id, first, last)
        return [checkin_read(checkin, rule_on(rules, checkin.local_date)) for checkin in checkins]

    async def add_entry(
        self, connection: RawConnection, caller: Person, habit_id: int, body: EntryCreate
    ) -> CheckinRead:
        """Add to the total of the local day `recorded_at` falls on (steps from a wearable).

        Runs in the caller's unit of work on the driver, with the Idempotency-Key's claim.
        """
        found = await HabitRows(connection).owned(caller.id, habit_id)
        if found is None:
            raise NotFound("No such habit.")
        habit, versions = found
        if Kind(habit.kind) is not Kind.measurable:
            raise Unprocessable(
                "Entries add to a measurable habit's total; this one is yes/no. "
                "Use PUT .../checkins/{date} instead.",
                field=("path", "habit_id"),
            )
        now = utcnow()
        recorded_at = body.recorded_at or now
        if recorded_at > now + CLOCK_SKEW:
            raise Unprocessable("recorded_at is in the future.", field=("body", "recorded_at"))
        try:
            day = local_date(recorded_at, caller.timezone, caller.day_start)
        except OverflowError:  # within a day of year 1: long before any habit's start
            raise Unprocessable(
                "recorded_at is out of range.", field=("body", "recorded_at")
            ) from None
        today = self.check_date(caller, habit, day, field=("body", "recorded_at"))
        if outdates_carry(day, today):
            await HabitRows(connection).touch_history(habit.id)
        checkin = await CheckinRows(connection).add_to_total(
            caller.id, habit.id, day, amount=body.value, note=body.note, now=now
        )
        rules = rules_of(habit, versions)
        read = checkin_read(checkin, rule_on(rules, day))
        await after_checkin(connection, caller, habit, rules, day, today, met=read.met)
        return read


checkin_service = CheckinService()
