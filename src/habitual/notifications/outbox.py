"""Writing notifications and their deliveries, in the caller's transaction.

Whatever causes a notification (a check-in, a fired reminder) writes it here before it commits,
so a rolled-back request leaves nothing behind and a committed one is never lost.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from habitual.kit.clock import utcnow
from habitual.kit.rawsql import RawConnection, from_json
from habitual.models import Channel, Event


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


# What each event goes out on when its user chose nothing (GET /users/me/notification-
# preferences reports these). The code that tells an event takes its channels from
# `default_channels`, so the two cannot drift apart; an event not listed goes to the in-app
# inbox only. A reminder's own `channels` stand in for its default.
DEFAULT_CHANNELS: dict[Event, frozenset[Channel]] = {
    Event.reminder: frozenset({Channel.inapp}),  # each reminder's own `channels`, inapp unless set
    Event.streak_milestone: frozenset({Channel.inapp, Channel.webhook}),
    Event.goal_reached: frozenset({Channel.inapp, Channel.webhook}),
    Event.target_met: frozenset({Channel.inapp, Channel.webhook}),
    Event.goal_achieved: frozenset({Channel.inapp, Channel.webhook}),
    Event.fitness_goal_reached: frozenset({Channel.inapp, Channel.webhook}),
}


def default_channels(event: Event) -> frozenset[Channel]:
    """The channels `event` goes out on without a preference of its user."""
    return DEFAULT_CHANNELS.get(event, frozenset({Channel.inapp}))


def _values(rows: int, columns: int) -> str:
    """`($1, $2), ($3, $4)`: the placeholders of a multi-row VALUES."""
    return ", ".join(
        "(" + ", ".join(f"${row * columns + column + 1}" for column in range(columns)) + ")"
        for row in range(rows)
    )


async def notify_many(
    connection: RawConnection, notices: Sequence[Notice], now: datetime | None = None
) -> dict[str, int]:
    """Record notifications, and a delivery for email (to a verified address only) and for each
    subscribed webhook (which the table's defaults make `DeliveryStatus.pending`, with no
    attempts yet).

    The in-app channel needs no delivery: the notification is in the inbox once it commits.
    Notices whose `dedupe_key` was recorded before are skipped: each event is told once.

    The user's notification preference for an event, where there is one, decides its channels
    instead of the notice's own (a reminder's `channels` thus apply only while its user has no
    preference for `reminder`): read in one statement for every user of the batch, and only
    when some notice is new. The notification is written with the notice's `in_inbox` first;
    one more statement moves those whose preference turns the inbox on or off. At most six
    statements whatever the number of notices. Returns the new ids by dedupe key.

    On the driver (kit/rawsql.py), because a check-in records its events here in its own
    transaction; a SQLAlchemy session passes `await uow.connection()`.
    """
    if not notices:
        return {}
    now = now or utcnow()  # the worker passes its own clock
    rows = await connection.fetch(
        "INSERT INTO notifications "  # noqa: S608 - only placeholders are formatted in
        "(user_id, habit_id, event, dedupe_key, title, body, data, in_inbox, created_at) "
        f"VALUES {_values(len(notices), 9)} "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key",
        *(
            value
            for notice in notices
            for value in (
                notice.user_id,
                notice.habit_id,
                notice.event.value,
                notice.dedupe_key,
                notice.title,
                notice.body,
                json.dumps(notice.data),
                Channel.inapp in notice.channels,
                now,
            )
        ),
    )
    created: dict[str, int] = {key: id_ for id_, key in rows}
    fresh = [notice for notice in notices if notice.dedupe_key in created]
    if not fresh:
        return created
    fresh = await _with_preferences(connection, fresh, created)
    webhooks: dict[int, list[tuple[int, list[str]]]] = defaultdict(list)
    webhook_users = sorted({n.user_id for n in fresh if Channel.webhook in n.channels})
    if webhook_users:
        for user_id, webhook_id, events in await connection.fetch(
            "SELECT user_id, id, events FROM webhooks "  # noqa: S608 - placeholders only
            f"WHERE active AND user_id IN {_values(1, len(webhook_users))}",
            *webhook_users,
        ):
            webhooks[user_id].append((webhook_id, from_json(events)))
    verified: set[int] = set()
    email_users = sorted({n.user_id for n in fresh if Channel.email in n.channels})
    if email_users:
        # An unverified address gets no notifications: it may not be the user's at all.
        verified = {
            user_id
            for (user_id,) in await connection.fetch(
                "SELECT id FROM users "  # noqa: S608 - placeholders only
                f"WHERE email_verified AND id IN {_values(1, len(email_users))}",
                *email_users,
            )
        }
    deliveries: list[tuple[int, str, int | None]] = []
    for notice in fresh:
        notification_id = created[notice.dedupe_key]
        if Channel.email in notice.channels and notice.user_id in verified:
            deliveries.append((notification_id, Channel.email.value, None))
        if Channel.webhook in notice.channels:
            for webhook_id, events in webhooks[notice.user_id]:
                if notice.event.value in events:
                    deliveries.append((notification_id, Channel.webhook.value, webhook_id))
    if deliveries:
        await connection.execute(
            "INSERT INTO deliveries "  # noqa: S608 - only placeholders are formatted in
            "(notification_id, channel, webhook_id, next_attempt_at, created_at) "
            f"VALUES {_values(len(deliveries), 5)}",
            *(
                value
                for notification_id, channel, webhook_id in deliveries
                for value in (notification_id, channel, webhook_id, now, now)
            ),
        )
    return created


async def _with_preferences(
    connection: RawConnection, fresh: list[Notice], created: dict[str, int]
) -> list[Notice]:
    """The fresh notices with their users' preferred channels; a notification whose inbox
    the preference turns on or off is moved in (or out of) the inbox."""
    users = sorted({notice.user_id for notice in fresh})
    chosen: dict[tuple[int, str], frozenset[Channel]] = {
        (user_id, event): frozenset(Channel(channel) for channel in from_json(channels))
        for user_id, event, channels in await connection.fetch(
            "SELECT user_id, event, channels FROM notification_preferences "  # noqa: S608
            f"WHERE user_id IN {_values(1, len(users))}",
            *users,
        )
    }
    if not chosen:
        return fresh
    preferred: list[Notice] = []
    flipped: list[int] = []  # whose inbox the preference turns on or off
    for notice in fresh:
        channels = chosen.get((notice.user_id, notice.event.value))
        if channels is None:
            preferred.append(notice)
            continue
        if (Channel.inapp in channels) != (Channel.inapp in notice.channels):
            flipped.append(created[notice.dedupe_key])
        preferred.append(replace(notice, channels=channels))
    if flipped:
        await connection.execute(
            "UPDATE notifications SET in_inbox = NOT in_inbox "  # noqa: S608 - placeholders only
            f"WHERE id IN {_values(1, len(flipped))}",
            *flipped,
        )
    return preferred
