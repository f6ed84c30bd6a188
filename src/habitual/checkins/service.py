"""Rules for check-ins: which dates may be checked, what a value means, and whether it is met."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from habitual.checkins.events import after_checkin
from habitual.checkins.repository import CheckinRepository, CheckinRow
from habitual.checkins.schemas import CheckinRead, CheckinWrite, EntryCreate, Origin
from habitual.db import UnitOfWork
from habitual.errors import NotFound, Unprocessable
from habitual.habitmath.schedule import Rule, Status, day_met, rule_on
from habitual.habits.repository import HabitRow
from habitual.habits.rules import Kind
from habitual.habits.service import habit_service
from habitual.kit.clock import utcnow
from habitual.kit.timezones import Person, local_date, local_today
from habitual.models import REFRESH_BOARDS

# A device clock a little ahead of ours is not a check-in from the future.
CLOCK_SKEW = timedelta(minutes=5)
# Device days further back than this are history being filled in (an import, a habit newly fed
# by data): written quietly, without the notifications that a live day earns.
LIVE_DEVICE_DAYS = 7


def checkin_read(checkin: CheckinRow, rule: Rule) -> CheckinRead:
    status = Status(checkin.status)
    return CheckinRead(
        date=checkin.local_date,
        status=status,
        value=checkin.value,
        note=checkin.note,
        met=day_met(rule, status, checkin.value),
        origin=Origin(checkin.origin),
        created_at=checkin.created_at,
        updated_at=checkin.updated_at,
    )


class CheckinService:
    def check_date(
        self, user: Person, habit: HabitRow, day: date, field: tuple[str, ...] = ("path", "date")
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

    def check_value(self, habit: HabitRow, body: CheckinWrite) -> None:
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
        self, uow: UnitOfWork, caller: Person, habit_id: int, day: date, body: CheckinWrite
    ) -> tuple[CheckinRead, bool]:
        """Create or replace a day's check-in, and record the events it earned; True if created.

        A write that leaves the day met as it was earns nothing new, so it reads no history.
        """
        habit, rules = await habit_service.owned(uow, caller, habit_id)
        today = self.check_date(caller, habit, day)
        self.check_value(habit, body)
        checkin, created, previous = await CheckinRepository(uow).put(
            caller.id,
            habit.id,
            day,
            status=body.status.value,
            value=body.value,
            note=body.note,
            now=utcnow(),
            today=today,
        )
        rule = rule_on(rules, day)
        read = checkin_read(checkin, rule)
        was_met = previous is not None and day_met(rule, Status(previous[0]), previous[1])
        if read.met and not was_met:
            await after_checkin(uow, caller, habit, rules, day, today, met=True)
        uow.tell(REFRESH_BOARDS, caller.id)  # a skip too: it carries a streak over the day
        return read, created

    async def delete(self, uow: UnitOfWork, caller: Person, habit_id: int, day: date) -> None:
        habit, _ = await habit_service.owned(uow, caller, habit_id)
        if not await CheckinRepository(uow).delete_on(habit.id, day, local_today(caller)):
            raise NotFound(f"No check-in on {day}.")
        uow.tell(REFRESH_BOARDS, caller.id)

    async def between(
        self,
        uow: UnitOfWork,
        caller: Person,
        habit_id: int,
        first: date | None,
        last: date | None,
    ) -> list[CheckinRead]:
        habit, rules = await habit_service.owned(uow, caller, habit_id)
        first = first or habit.start_date
        last = last or local_today(caller)
        if first > last:
            raise Unprocessable("from must not be after to.", field=("query", "from"))
        checkins = await CheckinRepository(uow).between(habit.id, first, last)
        return [checkin_read(checkin, rule_on(rules, checkin.local_date)) for checkin in checkins]

    async def add_entry(
        self, uow: UnitOfWork, caller: Person, habit_id: int, body: EntryCreate
    ) -> CheckinRead:
        """Add to the total of the local day `recorded_at` falls on (steps from a wearable)."""
        habit, rules = await habit_service.owned(uow, caller, habit_id)
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
        # Instants are within 1900..2999 (kit.schemas.Instant): no zone shift overflows.
        day = local_date(recorded_at, caller.timezone, caller.day_start)
        today = self.check_date(caller, habit, day, field=("body", "recorded_at"))
        checkin = await CheckinRepository(uow).add_to_total(
            caller.id, habit.id, day, amount=body.value, note=body.note, now=now, today=today
        )
        read = checkin_read(checkin, rule_on(rules, day))
        await after_checkin(uow, caller, habit, rules, day, today, met=read.met)
        if read.met:
            uow.tell(REFRESH_BOARDS, caller.id)
        return read

    async def put_from_device(
        self,
        uow: UnitOfWork,
        person: Person,
        habit: HabitRow,
        rules: list[Rule],
        first: date,
        last: date,
        values: Mapping[date, float],
    ) -> int:
        """Make a habit fed by data hold, from `first` to `last`, the day values given (a day
        left out has no data): device check-ins written, changed or removed, manual ones left
        as they are. Reads the days once and writes only those that differ; a day newly met
        within LIVE_DEVICE_DAYS of today earns the events a check-in earns. How many days
        changed."""
        today = local_today(person)
        first = max(first, habit.start_date)
        last = min(last, today if habit.end_date is None else min(habit.end_date, today))
        if first > last:
            return 0
        repository = CheckinRepository(uow)
        held = await repository.origins_between(habit.id, first, last)
        now = utcnow()
        changed = 0
        newly_met: list[date] = []
        for day in sorted(set(held) | {day for day in values if first <= day <= last}):
            stored = held.get(day)
            if stored is not None and stored[2] == Origin.manual:
                continue  # typed in: it wins and stays
            value = values.get(day)
            if value is None:
                changed += await repository.delete_device(habit.id, day, today)
                continue
            if stored is not None and stored[1] == value:
                continue
            written = await repository.put_device(
                person.id, habit.id, day, value, now=now, today=today
            )
            if written is None:  # a manual check-in came first
                continue
            changed += 1
            rule = rule_on(rules, day)
            before = written.previous
            was_met = before is not None and day_met(rule, Status(before[0]), before[1])
            if day_met(rule, Status.done, value) and not was_met:
                newly_met.append(day)
        for day in newly_met:
            if (today - day).days < LIVE_DEVICE_DAYS:
                await after_checkin(uow, person, habit, rules, day, today, met=True)
        if changed:
            uow.tell(REFRESH_BOARDS, person.id)
        return changed


checkin_service = CheckinService()
