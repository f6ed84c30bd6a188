"""Writing notifications and their deliveries, in the caller's transaction.

Whatever causes a notification (a check-in, a fired reminder) writes it here before it commits,
so a rolled-back request leaves nothing behind and a committed one is never lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.kit.clock import utcnow
from habitual.kit.upsert import insert_for
from habitual.models import Delivery, Notification, Webhook


class Event(StrEnum):
    reminder = "reminder"
    streak_milestone = "streak_milestone"
    goal_reached = "goal_reached"
    target_met = "target_met"


class Channel(StrEnum):
    inapp = "inapp"
    email = "email"
    webhook = "webhook"


@dataclass(frozen=True)
class Notice:
    """A notification to record, and the channels it should go out on."""

    user_id: int
    habit_id: int | None
    event: Event
    dedupe_key: str
    title: str
    body: str
    data: dict[str, Any]
    channels: frozenset[Channel] = field(default_factory=lambda: frozenset({Channel.inapp}))


async def notify_many(
    session: AsyncSession, notices: Sequence[Notice], now: datetime | None = None
) -> dict[str, int]:
    """Record notifications and one delivery per channel (per subscribed webhook).

    Notices whose `dedupe_key` was recorded before are skipped: each event is told once. Three
    statements whatever the number of notices. Returns the new ids by dedupe key.
    """
    if not notices:
        return {}
    now = now or utcnow()  # the worker passes its own clock
    statement = (
        insert_for(session, Notification)
        .values(
            [
                {
                    "user_id": notice.user_id,
                    "habit_id": notice.habit_id,
                    "event": notice.event.value,
                    "dedupe_key": notice.dedupe_key,
                    "title": notice.title,
                    "body": notice.body,
                    "data": notice.data,
                    "created_at": now,
                }
                for notice in notices
            ]
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id, Notification.dedupe_key)
    )
    created = {key: id_ for id_, key in await session.execute(statement)}
    fresh = [notice for notice in notices if notice.dedupe_key in created]
    webhooks: dict[int, list[tuple[int, list[str]]]] = defaultdict(list)
    webhook_users = {n.user_id for n in fresh if Channel.webhook in n.channels}
    if webhook_users:
        rows = await session.execute(
            select(Webhook.user_id, Webhook.id, Webhook.events).where(
                Webhook.user_id.in_(webhook_users), Webhook.active.is_(True)
            )
        )
        for user_id, webhook_id, events in rows:
            webhooks[user_id].append((webhook_id, events))
    deliveries: list[dict[str, Any]] = []
    for notice in fresh:
        notification_id = created[notice.dedupe_key]
        for channel in (Channel.inapp, Channel.email):
            if channel in notice.channels:
                deliveries.append(_delivery(notification_id, channel, None, now))
        if Channel.webhook in notice.channels:
            for webhook_id, events in webhooks[notice.user_id]:
                if notice.event.value in events:
                    deliveries.append(_delivery(notification_id, Channel.webhook, webhook_id, now))
    if deliveries:
        await session.execute(insert(Delivery), deliveries)
    return created


def _delivery(
    notification_id: int, channel: Channel, webhook_id: int | None, now: datetime
) -> dict[str, Any]:
    return {
        "notification_id": notification_id,
        "channel": channel.value,
        "webhook_id": webhook_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def notify(
    session: AsyncSession,
    *,
    user_id: int,
    habit_id: int | None,
    event: Event,
    dedupe_key: str,
    title: str,
    body: str,
    data: dict[str, Any],
    channels: Iterable[Channel],
) -> int | None:
    """Record one notification; its id, or None if `dedupe_key` was seen before."""
    notice = Notice(user_id, habit_id, event, dedupe_key, title, body, data, frozenset(channels))
    return (await notify_many(session, [notice])).get(dedupe_key)
