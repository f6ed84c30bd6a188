"""The worker: fires due reminders and delivers the outbox, on any number of processes.

Work is shared through row claims: a batch is claimed in one short transaction with
`FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises writers anyway) and a lease. Sending
happens outside any transaction; the result is written back only if the claim is still ours.
A worker that dies leaves claims whose lease runs out, and the next worker takes them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx

from habitual.calendars.caldav import sync_due
from habitual.challenges.service import challenge_service
from habitual.config import Settings
from habitual.db import Database, UnitOfWork
from habitual.habits.rules import mask_to_days
from habitual.kit import metrics
from habitual.kit.clock import utcnow
from habitual.kit.dns import Resolver, system_resolver
from habitual.kit.secrets import SecretBox, UnreadableSecret
from habitual.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Habit,
    Notification,
    Reminder,
    User,
    Webhook,
)
from habitual.notifications.outbox import Notice, notify_many
from habitual.notifications.repository import DeliveryRepository
from habitual.notifications.transports import (
    DeliveryError,
    post_webhook,
    send_email,
    webhook_client,
)
from habitual.reminders.firing import next_fire_after
from habitual.reminders.repository import ReminderRepository
from habitual.reminders.service import habits_to_remind
from habitual.users.mail import NotWorthSending, account_email, is_account_email
from habitual.users.recovery import recovery_service
from habitual.users.repository import OneTimeTokenRepository, UserRepository

logger = logging.getLogger(__name__)

# 100 deliveries, 20 at a time, at most 10 s each (the default webhook timeout): under a minute,
# well inside the default 120 s lease, so live claims are not taken over.
MAX_DELIVERY_BATCH = 100
DELIVERY_CONCURRENCY = 20
HOUSEKEEPING_INTERVAL = timedelta(minutes=10)
# How often running challenges' stale standings figures are recomputed ahead of their readers:
# reading a challenge's 10,000 participants to find the stale ones takes ~50 ms.
STANDINGS_REFRESH_INTERVAL = timedelta(minutes=1)


def backoff_seconds(attempts: int, settings: Settings, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempts-1))]."""
    ceiling = min(
        settings.delivery_backoff_cap_seconds,
        settings.delivery_backoff_base_seconds * 2 ** max(attempts - 1, 0),
    )
    return rng.uniform(0, ceiling)


def reminder_notice(reminder: Reminder, habit: Habit, user: User, now: datetime) -> Notice:
    fire_at = reminder.next_fire_at or now
    return Notice(
        user_id=user.id,
        habit_id=habit.id,
        event=Event.reminder,
        dedupe_key=f"reminder:{reminder.id}:{fire_at.isoformat()}",
        title=f"Reminder: {habit.name}",
        body=reminder.message or f"Time for {habit.name}.",
        data={
            "reminder_id": reminder.id,
            "habit_id": habit.id,
            "due_at": fire_at.isoformat().replace("+00:00", "Z"),
        },
        channels=frozenset(Channel(channel) for channel in reminder.channels),
    )


def following_fire(reminder: Reminder, user: User, now: datetime) -> datetime | None:
    """The next firing after this one: a reminder missed for days fires once, not once a day."""
    hour, minute = map(int, reminder.local_time.split(":"))
    return next_fire_after(
        max(now, reminder.next_fire_at or now),
        user.timezone,
        time(hour, minute),
        mask_to_days(reminder.days),
    )


class Worker:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        name: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
    ):
        """`resolver` answers what a webhook's host resolves to, once per delivery; `verify`
        is how webhooks' https certificates are checked (the system's CAs by default)."""
        self.database = database
        self.settings = settings
        self.resolver = resolver
        self.verify = verify
        self.secret_box = SecretBox.for_settings(settings)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(24):06x}"
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._http: httpx.AsyncClient | None = None
        self._next_housekeeping = datetime.min.replace(tzinfo=UTC)
        self._next_standings_refresh = datetime.min.replace(tzinfo=UTC)

    async def __aenter__(self) -> Worker:
        self._http = webhook_client(self.settings, self.resolver, self.verify)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.aclose()

    # --- reminders ----------------------------------------------------------------------------

    async def fire_due_reminders(self) -> int:
        """Turn every reminder due by now into a notification, only while its habit is due
        that local day and not yet met (`habits_to_remind`), and schedule its next firing either
        way: one transaction and a handful of statements per batch.
        Measured (bench/reminders_bench.py): one statement per reminder did ~690 a second."""
        now = self.clock()
        async with self.database.unit() as uow:
            reminders = ReminderRepository(uow)
            due = await reminders.claim_due(now, self.settings.worker_batch_size)
            if not due:
                return 0
            remind = await habits_to_remind(uow, [(habit, user) for _, habit, user in due], now)
            notices = [
                reminder_notice(reminder, habit, user, now)
                for reminder, habit, user in due
                if habit.id in remind
            ]
            await notify_many(await uow.connection(), notices, now)
            await reminders.record_firings(
                now, {reminder.id: following_fire(reminder, user, now) for reminder, _, user in due}
            )
        metrics.REMINDERS_FIRED.labels("notified").inc(len(notices))
        metrics.REMINDERS_FIRED.labels("skipped").inc(len(due) - len(notices))
        return len(due)

    # --- deliveries ---------------------------------------------------------------------------

    async def claim(self) -> list[int]:
        """Claim a batch of ready deliveries (new, due for a retry, or with a lapsed lease)."""
        now = self.clock()
        async with self.database.unit() as uow:
            return await DeliveryRepository(uow).claim(
                self.name,
                now,
                lease_until=now + timedelta(seconds=self.settings.delivery_lease_seconds),
                limit=min(self.settings.worker_batch_size, MAX_DELIVERY_BATCH),
            )

    async def deliver_batch(self) -> int:
        """Claim a batch and send it, a bounded number at a time so that a batch of slow
        endpoints still ends well within its lease (batch / concurrency * timeout)."""
        ids = await self.claim()
        gate = asyncio.Semaphore(DELIVERY_CONCURRENCY)

        async def deliver(delivery_id: int) -> None:
            async with gate:
                await self._deliver(delivery_id)

        await asyncio.gather(*(deliver(delivery_id) for delivery_id in ids))
        return len(ids)

    async def _deliver(self, delivery_id: int) -> None:
        async with self.database.reader() as session:
            row = await DeliveryRepository(UnitOfWork(session=session)).claimed(
                delivery_id, self.name
            )
        if row is None:
            return  # deleted meanwhile, or claimed by someone else after our lease ran out
        delivery, notification, user, webhook = row
        try:
            status_code = await self._send(delivery, notification, user, webhook)
        except DeliveryError as error:
            await self._settle_failure(delivery, error)
        except Exception as error:  # a bug must not stop the worker; the row keeps the trace
            logger.exception("delivery %s failed unexpectedly", delivery_id)
            await self._settle_failure(delivery, DeliveryError(f"{type(error).__name__}: {error}"))
        else:
            await self._settle(delivery, status=DeliveryStatus.delivered, status_code=status_code)
            metrics.DELIVERIES.labels(str(delivery.channel), "delivered").inc()

    async def _send(
        self, delivery: Delivery, notification: Notification, user: User, webhook: Webhook | None
    ) -> int | None:
        if delivery.channel == Channel.email:
            await send_email(self.settings, **await self._email(delivery, notification, user))
            return None
        if webhook is None or not webhook.active:
            raise DeliveryError("The webhook was removed.", permanent=True)
        assert self._http is not None, "use the worker as an async context manager"
        try:
            secret = self.secret_box.open(webhook.sealed_secret)
        except UnreadableSecret:
            raise DeliveryError(
                "The webhook's secret was sealed under a key the server no longer has "
                "(HABITUAL_PREVIOUS_SECRET_KEYS); add the webhook again.",
                permanent=True,
            ) from None
        return await post_webhook(
            self._http,
            self.settings,
            url=webhook.url,
            secret=secret,
            message_id=f"msg_{delivery.id}",
            timestamp=int(self.clock().timestamp()),
            payload=webhook_payload(notification),
        )

    async def _email(
        self, delivery: Delivery, notification: Notification, user: User
    ) -> dict[str, str]:
        """Who an email goes to and what it says. A notification goes only to a verified
        address; an account email (a reset or verification link) is written now, with its
        token."""
        if not is_account_email(notification):
            if not user.email_verified:  # the address changed since this was queued
                raise DeliveryError("The email address is not verified.", permanent=True)
            return {
                "to": user.email,
                "subject": notification.title,
                "text": notification.body,
                "message_key": f"notification-{notification.id}",
            }
        try:
            message = await account_email(
                self.database, self.settings, notification, user, self.clock()
            )
        except NotWorthSending as moot:
            raise DeliveryError(str(moot), permanent=True) from None
        return {
            "to": message.to,
            "subject": message.subject,
            "text": message.text,
            # Each attempt carries a new link: another message, not a copy of the last.
            "message_key": f"notification-{notification.id}-{delivery.attempts}",
        }

    async def _settle_failure(self, delivery: Delivery, error: DeliveryError) -> None:
        attempts = delivery.attempts
        if error.permanent or attempts >= self.settings.delivery_max_attempts:
            await self._settle(
                delivery,
                status=DeliveryStatus.dead,
                error=str(error),
                status_code=error.status_code,
            )
            metrics.DELIVERIES.labels(str(delivery.channel), "dead").inc()
            return
        retry_at = self.clock() + timedelta(
            seconds=backoff_seconds(attempts, self.settings, self.rng)
        )
        await self._settle(
            delivery,
            status=DeliveryStatus.pending,
            error=str(error),
            status_code=error.status_code,
            retry_at=retry_at,
        )
        metrics.DELIVERIES.labels(str(delivery.channel), "retry").inc()

    async def _settle(
        self,
        delivery: Delivery,
        *,
        status: DeliveryStatus,
        error: str | None = None,
        status_code: int | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Write the outcome, if the claim is still ours (a lapsed lease may have moved on)."""
        delivered_at = self.clock() if status is DeliveryStatus.delivered else None
        async with self.database.unit() as uow:
            await DeliveryRepository(uow).settle(
                delivery.id,
                self.name,
                status=status,
                error=error,
                status_code=status_code,
                delivered_at=delivered_at,
                retry_at=retry_at,
            )

    # --- the loop -----------------------------------------------------------------------------

    async def queue_reset_emails(self) -> int:
        """Look up the addresses password resets were asked for, and queue their emails."""
        async with self.database.unit() as uow:
            return await recovery_service.queue_reset_emails(
                uow, self.settings, self.clock(), self.settings.worker_batch_size
            )

    async def tell_challenges(self) -> int:
        """Tell participants their challenge started, make finished challenges' standings final
        (telling each their rank: each notice once, by dedupe key), and now and then recompute
        running challenges' stale figures ahead of their readers. How many were told."""
        now = self.clock()
        batch = self.settings.worker_batch_size
        async with self.database.reader() as session:
            work = await challenge_service.work_ahead(UnitOfWork(session=session), now)
        told = 0
        if "started" in work:
            async with self.database.unit() as uow:
                told += await challenge_service.tell_started(uow, now, batch)
        if "final" in work:
            async with self.database.unit() as uow:
                told += await challenge_service.finalize_due(uow, now, max(1, batch // 100))
        if "running" in work and now >= self._next_standings_refresh:
            self._next_standings_refresh = now + STANDINGS_REFRESH_INTERVAL
            async with self.database.unit() as uow:
                await challenge_service.refresh_stale(uow, now)
        return told

    async def push_calendars(self) -> int:
        """Sync the CalDAV accounts due (asked for, or not checked for a minute)."""
        return await sync_due(
            self.database, self.settings, self.clock(), resolver=self.resolver, verify=self.verify
        )

    async def run_once(self) -> int:
        """One round: fire due reminders, queue asked-for reset emails, tell challenges' news,
        push CalDAV calendars, then deliver one batch. How much work was done."""
        await self.housekeeping()
        queued = await self.fire_due_reminders() + await self.queue_reset_emails()
        queued += await self.tell_challenges() + await self.push_calendars()
        return queued + await self.deliver_batch()

    async def housekeeping(self) -> None:
        """Now and then: forget Idempotency-Keys past their 24 hours, and one-time tokens a day
        after they expired."""
        now = self.clock()
        if now < self._next_housekeeping:
            return
        self._next_housekeeping = now + HOUSEKEEPING_INTERVAL
        async with self.database.unit() as uow:
            await UserRepository(uow).purge_expired_idempotency_keys()
            await OneTimeTokenRepository(uow).purge_expired(now - timedelta(days=1))

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set; the batch in hand is always finished first."""
        logger.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception:
                logger.exception("worker round failed; retrying shortly")
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
        logger.info("worker %s stopped", self.name)


def webhook_payload(notification: Notification) -> dict[str, Any]:
    return {
        "type": notification.event,
        "timestamp": notification.created_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "notification_id": notification.id,
            "habit_id": notification.habit_id,
            "title": notification.title,
            "body": notification.body,
            **notification.data,
        },
    }
