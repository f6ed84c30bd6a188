"""The calendar feed's secret URL (made, rotated, revoked), the feed itself, and the CalDAV
account the worker pushes the same events to (calendars/caldav.py)."""

from __future__ import annotations

from datetime import time, timedelta

from habitual.calendars.ics import FeedHabit, FeedOwner, FeedReminder, calendar_bytes
from habitual.calendars.repository import CaldavAccountRepository, CalendarFeedRepository
from habitual.calendars.schemas import CaldavAccountPut
from habitual.db import UnitOfWork
from habitual.errors import NotFound, Unprocessable
from habitual.habitmath.schedule import day_met, rule_on
from habitual.kit.clock import utcnow
from habitual.kit.secrets import new_token, token_digest
from habitual.kit.timezones import local_today
from habitual.models import CaldavAccount, User
from habitual.notifications.transports import DeliveryError, check_destination
from habitual.reminders.repository import ReminderRepository
from habitual.runtime import Runtime
from habitual.stats.repository import StatsRepository
from habitual.users.names import display_name_of

FEED_TOKEN_PREFIX = "hab_cal_"  # noqa: S105 - a public prefix
HISTORY_DAYS = 366  # ?history=true: the met days of about the past year


class CalendarService:
    async def new_feed(self, uow: UnitOfWork, user: User) -> str:
        """A new secret for the user's feed, replacing any before; only its digest is kept."""
        token = new_token(FEED_TOKEN_PREFIX)
        await CalendarFeedRepository(uow).replace(user.id, token_digest(token), utcnow())
        return token

    async def revoke(self, uow: UnitOfWork, user: User) -> None:
        if not await CalendarFeedRepository(uow).delete(user.id):
            raise NotFound("No calendar feed.")

    async def connect_caldav(
        self, uow: UnitOfWork, runtime: Runtime, user: User, body: CaldavAccountPut
    ) -> CaldavAccount:
        """Make this the user's CalDAV calendar (the password sealed) and ask the worker for a
        sync. A URL that resolves to a private, loopback or link-local address is refused
        unless the server allows them, as for webhooks."""
        url = str(body.url)
        try:
            await check_destination(
                url, allow_private=runtime.settings.caldav_allow_private, resolver=runtime.resolver
            )
        except DeliveryError as error:
            raise Unprocessable(str(error), field=("body", "url")) from None
        accounts = CaldavAccountRepository(uow)
        sealed = runtime.secret_box.seal(body.password)
        await accounts.replace(user.id, url, body.username, sealed, utcnow())
        account = await accounts.get(user.id)
        assert account is not None
        return account

    async def caldav_account(self, uow: UnitOfWork, user: User) -> CaldavAccount:
        account = await CaldavAccountRepository(uow).get(user.id)
        if account is None:
            raise NotFound("No CalDAV account.")
        return account

    async def forget_caldav(self, uow: UnitOfWork, user: User) -> None:
        """Forget the account; the events already in that calendar stay there."""
        if not await CaldavAccountRepository(uow).delete(user.id):
            raise NotFound("No CalDAV account.")

    async def feed(self, uow: UnitOfWork, token: str, host: str, *, history: bool) -> bytes:
        """The ICS of the feed with this token; an unknown or revoked one is a 404."""
        owner = await CalendarFeedRepository(uow).owner(token_digest(token))
        if owner is None:
            raise NotFound("No such calendar feed.")
        return calendar_bytes(*await self.feed_habits(uow, owner, history=history), host)

    async def feed_habits(
        self, uow: UnitOfWork, owner: User, *, history: bool
    ) -> tuple[FeedOwner, list[FeedHabit]]:
        """What the owner's calendar shows: in the feed, and in the CalDAV push (caldav.py)."""
        stats = StatsRepository(uow)
        habits = await stats.habits(owner.id)
        today = local_today(owner)
        # Without history no check-in is needed: none is on or after tomorrow.
        first = today - timedelta(HISTORY_DAYS - 1) if history else today + timedelta(1)
        histories = await stats.histories(habits, owner.week_start, first)
        reminders: dict[int, list[FeedReminder]] = {}
        owned = await ReminderRepository(uow).for_owner(owner.id)
        for reminder in sorted(owned, key=lambda reminder: reminder.id):
            if reminder.active and reminder.days:
                reminders.setdefault(reminder.habit_id, []).append(
                    FeedReminder(
                        id=reminder.id,
                        local_time=time.fromisoformat(reminder.local_time),
                        days=frozenset(day for day in range(7) if reminder.days >> day & 1),
                        message=reminder.message,
                        updated_at=reminder.updated_at,
                    )
                )
        feed_habits = []
        for habit in habits:
            habit_history = histories[habit.id]
            met_days = tuple(
                sorted(
                    day
                    for day, record in habit_history.checkins.items()
                    if day < today and day_met(rule_on(habit_history.rules, day), *record)
                )
            )
            feed_habits.append(
                FeedHabit(
                    id=habit.id,
                    name=habit.name,
                    unit=habit.unit,
                    start_date=habit.start_date,
                    end_date=habit.end_date,
                    updated_at=habit.updated_at,
                    rules=tuple(habit_history.rules),
                    reminders=tuple(reminders.get(habit.id, ())),
                    met_days=met_days,
                )
            )
        person = FeedOwner(display_name_of(owner), owner.timezone, owner.week_start)
        return person, feed_habits


calendar_service = CalendarService()
