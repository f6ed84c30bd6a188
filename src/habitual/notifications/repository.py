"""Every query on notifications, webhooks and deliveries but the outbox's writes.

One repository per table: `NotificationRepository` (the inbox), `WebhookRepository` (a user's
endpoints) and `DeliveryRepository` (the queue the worker claims, sends and settles, and the
attempts a user reads). What a user reads is scoped to its owner here: a notification through
its `user_id`, a webhook's deliveries only after the webhook was found to be the owner's
(`WebhookRepository.get_for_owner`). Writing a notification with its deliveries is outbox.py's,
on the driver, in whatever transaction caused it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, delete, exists, func, or_, select, update

from habitual.db import Repository
from habitual.kit.pagination import Page, PageParams, paginate
from habitual.kit.rawsql import from_json
from habitual.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    User,
    Webhook,
)

ItemT = TypeVar("ItemT")


class NotificationRepository(Repository):
    """The inbox: the notifications addressed to the in-app channel, from their commit on."""

    async def inbox(
        self,
        user_id: int,
        *,
        unread_only: bool,
        paging: PageParams,
        item: Callable[[Notification], ItemT],
    ) -> Page[ItemT]:
        """A page of the user's inbox, newest first."""
        statement = select(Notification).where(
            Notification.user_id == user_id, Notification.in_inbox
        )
        if unread_only:
            statement = statement.where(Notification.read_at.is_(None))
        statement = statement.order_by(Notification.created_at.desc(), Notification.id.desc())
        return await paginate(self.session, statement, paging, item)

    async def in_inbox(self, user_id: int, notification_id: int) -> Notification | None:
        statement = select(Notification).where(
            Notification.id == notification_id,
            Notification.user_id == user_id,
            Notification.in_inbox,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def mark_all_read(self, user_id: int, read_at: datetime) -> int:
        """Mark the user's unread inbox read; how many notifications that was."""
        result = await self.session.execute(
            update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.read_at.is_(None),
                Notification.in_inbox,
            )
            .values(read_at=read_at)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def add_email_only(self, notification: Notification) -> Notification:
        """Record a notification for the email channel alone (an account email: not in the
        inbox, no webhooks), with its pending delivery."""
        notification.in_inbox = False
        self.session.add(notification)
        await self.session.flush()
        self.session.add(Delivery(notification_id=notification.id, channel=Channel.email))
        await self.session.flush()
        return notification

    async def withdraw_unsent(self, user_id: int, event: str) -> None:
        """Delete the user's notifications of `event` whose email has not gone out and is not
        going out now: what is no longer worth sending (a verification of a verified address)."""
        gone_out = exists().where(
            Delivery.notification_id == Notification.id,
            Delivery.status.in_((DeliveryStatus.sending, DeliveryStatus.delivered)),
        )
        await self.session.execute(
            delete(Notification)
            .where(Notification.user_id == user_id, Notification.event == event, ~gone_out)
            .execution_options(synchronize_session=False)
        )

    async def exists(self, notification_id: int) -> bool:
        """Whether the notification exists, whoever it is for (for administrators)."""
        statement = select(exists().where(Notification.id == notification_id))
        return bool((await self.session.execute(statement)).scalar_one())


class WebhookRepository(Repository):
    async def for_owner(self, user_id: int) -> Sequence[Webhook]:
        statement = select(Webhook).where(Webhook.user_id == user_id).order_by(Webhook.id)
        return (await self.session.execute(statement)).scalars().all()

    async def get_for_owner(self, user_id: int, webhook_id: int) -> Webhook | None:
        statement = select(Webhook).where(Webhook.id == webhook_id, Webhook.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def count_for_owner_held(self, user_id: int) -> int:
        """How many webhooks the user has, holding the user's row until the transaction ends
        so that parallel additions count one after another (SQLite: writers are serialised)."""
        await self.session.execute(select(User.id).where(User.id == user_id).with_for_update())
        statement = select(func.count()).select_from(Webhook).where(Webhook.user_id == user_id)
        return int((await self.session.execute(statement)).scalar_one())

    async def all_sealed_secrets(self) -> list[tuple[int, str]]:
        """Every webhook's id and sealed secret (for resealing after a key rotation)."""
        statement = select(Webhook.id, Webhook.sealed_secret).order_by(Webhook.id)
        return [(id_, sealed) for id_, sealed in await self.session.execute(statement)]

    async def set_sealed_secret(self, webhook_id: int, sealed: str) -> None:
        await self.session.execute(
            update(Webhook).where(Webhook.id == webhook_id).values(sealed_secret=sealed)
        )

    async def add(self, webhook: Webhook) -> Webhook:
        self.session.add(webhook)
        await self.session.flush()
        return webhook

    async def delete(self, webhook: Webhook) -> None:
        """Remove the webhook; its deliveries go with it (ON DELETE CASCADE)."""
        await self.session.delete(webhook)


class DeliveryRepository(Repository):
    """The outbox's queue. A worker claims ready rows (`claim`), reads one it holds (`claimed`)
    and writes the outcome only while the claim is still its own (`settle`)."""

    async def for_webhook(
        self, webhook_id: int, paging: PageParams, item: Callable[[Delivery], ItemT]
    ) -> Page[ItemT]:
        """A page of the deliveries to one webhook, newest first; the caller checked it is the
        user's own (`WebhookRepository.get_for_owner`)."""
        statement = (
            select(Delivery)
            .where(Delivery.webhook_id == webhook_id)
            .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        )
        return await paginate(self.session, statement, paging, item)

    async def backlog(self) -> list[tuple[str, str, int]]:
        """(channel, status, count) of the deliveries not yet delivered: what `/metrics` shows.
        Delivered rows, which only grow, are counted by the worker as it delivers them."""
        rows = await self.session.execute(
            select(Delivery.channel, Delivery.status, func.count())
            .where(Delivery.status != DeliveryStatus.delivered)
            .group_by(Delivery.channel, Delivery.status)
        )
        return [(channel, status, count) for channel, status, count in rows]

    async def oldest_ready_at(self, now: datetime) -> datetime | None:
        """When the longest-waiting delivery that is ready to go became due (None: none is)."""
        return await self.session.scalar(
            select(func.min(Delivery.next_attempt_at)).where(
                Delivery.status == DeliveryStatus.pending, Delivery.next_attempt_at <= now
            )
        )

    async def requeue_dead(self, notification_id: int, now: datetime) -> int:
        """Put the notification's dead deliveries back in the queue, due now, with fresh
        attempts; how many there were."""
        result = await self.session.execute(
            update(Delivery)
            .where(
                Delivery.notification_id == notification_id,
                Delivery.status == DeliveryStatus.dead,
            )
            .values(status=DeliveryStatus.pending, attempts=0, next_attempt_at=now, claimed_by=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def claim(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[int]:
        """Claim up to `limit` ready deliveries (new, due for a retry, or whose lease lapsed)
        for `worker` until `lease_until`, counting the attempt; their ids. Rows another worker
        has locked meanwhile are skipped (PostgreSQL; SQLite serialises writers)."""
        ready = (
            select(Delivery.id)
            .where(
                or_(
                    and_(
                        Delivery.status == DeliveryStatus.pending, Delivery.next_attempt_at <= now
                    ),
                    and_(Delivery.status == DeliveryStatus.sending, Delivery.lease_until < now),
                )
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self.session.execute(ready)).scalars())
        if ids:
            await self.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(
                    status=DeliveryStatus.sending,
                    claimed_by=worker,
                    lease_until=lease_until,
                    attempts=Delivery.attempts + 1,
                )
            )
        return ids

    async def claimed(
        self, delivery_id: int, worker: str
    ) -> tuple[Delivery, Notification, User, Webhook | None] | None:
        """A delivery `worker` holds, with what it needs to send it: the notification, its user
        and the webhook (None for email, or if the webhook is gone)."""
        row = (
            await self.session.execute(
                select(Delivery, Notification, User, Webhook)
                .join(Notification, Notification.id == Delivery.notification_id)
                .join(User, User.id == Notification.user_id)
                .outerjoin(Webhook, Webhook.id == Delivery.webhook_id)
                .where(Delivery.id == delivery_id, Delivery.claimed_by == worker)
            )
        ).one_or_none()
        if row is None:
            return None
        delivery, notification, user, webhook = row
        return delivery, notification, user, webhook

    async def settle(
        self,
        delivery_id: int,
        worker: str,
        *,
        status: DeliveryStatus,
        error: str | None,
        status_code: int | None,
        delivered_at: datetime | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Write an attempt's outcome and end the lease, if `worker` still holds the claim (a
        lapsed lease may have moved on to another)."""
        values: dict[str, Any] = {
            "status": status,
            "lease_until": None,
            "last_error": error,
            "last_status_code": status_code,
        }
        if delivered_at is not None:
            values["delivered_at"] = delivered_at
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        await self.session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.claimed_by == worker,
                Delivery.status == DeliveryStatus.sending,
            )
            .values(**values)
        )


class NotificationPreferenceRepository(Repository):
    """A user's chosen channels per event, on the driver like the outbox that reads them."""

    async def for_owner(self, user_id: int) -> dict[str, list[str]]:
        connection = await self.connection()
        rows = await connection.fetch(
            "SELECT event, channels FROM notification_preferences WHERE user_id = $1", user_id
        )
        return {event: from_json(channels) for event, channels in rows}

    async def choose(self, user_id: int, channels: dict[str, list[str]], now: datetime) -> None:
        """Set the user's channels for these events, chosen before or not, in one statement
        (`ON CONFLICT`: concurrent choices of the same event cannot collide)."""
        values = ", ".join(
            f"($1, ${2 * row + 2}, ${2 * row + 3}, ${2 * len(channels) + 2})"
            for row in range(len(channels))
        )
        connection = await self.connection()
        await connection.execute(
            "INSERT INTO notification_preferences "  # noqa: S608 - only placeholders formatted in
            f"(user_id, event, channels, updated_at) VALUES {values} "
            "ON CONFLICT (user_id, event) DO UPDATE SET channels = excluded.channels, "
            "updated_at = excluded.updated_at",
            user_id,
            *(value for event, chosen in channels.items() for value in (event, json.dumps(chosen))),
            now,
        )

    async def forget(self, user_id: int, events: Sequence[str]) -> None:
        """Back to the default for these events of the user."""
        placeholders = ", ".join(f"${number}" for number in range(2, 2 + len(events)))
        connection = await self.connection()
        await connection.execute(
            "DELETE FROM notification_preferences "  # noqa: S608 - only placeholders formatted in
            f"WHERE user_id = $1 AND event IN ({placeholders})",
            user_id,
            *events,
        )
