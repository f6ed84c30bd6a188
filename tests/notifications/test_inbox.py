"""The in-app inbox is the notification store: what is committed for the inbox is in it at once,
with no worker run; the worker only sends email and webhooks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from habitual.jobs.worker import Worker
from habitual.models import Channel, Notification, Reminder
from tests.factories import API, create_habit
from tests.notifications.conftest import Clock, deliveries_of, notify_user

NOTIFICATIONS = f"{API}/notifications"
NOW = datetime(2026, 6, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
async def alice(accounts, frozen_clock):
    account = await accounts.create()
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    return account


async def inbox(client, owner, **params: str) -> list[dict[str, Any]]:
    response = await client.get(NOTIFICATIONS, params=params, headers=owner.auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def goal_reached(client, owner) -> dict[str, Any]:
    """Check in 12 of 10 pages today: a goal_reached event, and nothing else."""
    habit = await create_habit(
        client, owner, kind="measurable", goal_value=10, unit="pages", start_date="2026-06-18"
    )
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/today",
        json={"status": "done", "value": 12},
        headers=owner.auth,
    )
    assert response.status_code == 201, response.text
    return habit


async def reminder_fired(client, owner, runtime, settings, channels: list[str]) -> None:
    """Set a reminder on a new habit and let a worker fire it, delivering nothing yet."""
    habit = await create_habit(client, owner, name="Stretch")
    response = await client.post(
        f"{API}/reminders",
        json={"habit_id": habit["id"], "time": "07:30", "channels": channels},
        headers=owner.auth,
    )
    assert response.status_code == 201, response.text
    async with runtime.database.reader() as session:
        fire_at = (await session.execute(select(Reminder.next_fire_at))).scalar_one()
    clock = Clock()
    clock.move_past(fire_at)
    async with Worker(runtime.database, settings, clock=clock) as worker:
        assert await worker.fire_due_reminders() == 1


async def test_a_goal_reached_by_a_check_in_is_in_the_inbox_at_once_without_a_worker(client, alice):
    habit = await goal_reached(client, alice)

    items = await inbox(client, alice)

    assert [(item["event"], item["habit_id"]) for item in items] == [("goal_reached", habit["id"])]
    assert [item["event"] for item in await inbox(client, alice, unread="true")] == ["goal_reached"]


async def test_a_notification_just_committed_can_be_marked_read_at_once(client, alice):
    await goal_reached(client, alice)
    (item,) = await inbox(client, alice)

    response = await client.post(f"{NOTIFICATIONS}/{item['id']}/read", headers=alice.auth)

    assert response.status_code == 200, response.text
    assert response.json()["read_at"] is not None
    assert await inbox(client, alice, unread="true") == []


async def test_every_notification_just_committed_is_marked_by_read_all(client, alice):
    await goal_reached(client, alice)

    response = await client.post(f"{NOTIFICATIONS}/read-all", headers=alice.auth)

    assert response.status_code == 200, response.text
    assert response.json() == {"marked": 1}
    assert await inbox(client, alice, unread="true") == []


async def test_an_in_app_reminder_is_in_the_inbox_once_fired_before_any_delivery(
    client, alice, runtime, settings
):
    await reminder_fired(client, alice, runtime, settings, ["inapp"])

    assert [item["title"] for item in await inbox(client, alice)] == ["Reminder: Stretch"]
    assert await deliveries_of(runtime) == []


async def test_a_reminder_only_for_email_is_not_in_the_inbox(client, alice, runtime, settings):
    await reminder_fired(client, alice, runtime, settings, ["email"])
    async with runtime.database.reader() as session:
        (notification_id,) = (await session.execute(select(Notification.id))).scalars()

    assert await inbox(client, alice) == []
    read = await client.post(f"{NOTIFICATIONS}/{notification_id}/read", headers=alice.auth)
    assert read.status_code == 404
    read_all = await client.post(f"{NOTIFICATIONS}/read-all", headers=alice.auth)
    assert read_all.json() == {"marked": 0}
    (delivery,) = await deliveries_of(runtime)
    assert (delivery.notification_id, delivery.channel) == (notification_id, "email")


async def test_the_in_app_channel_makes_no_delivery_for_the_worker(
    accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    (notification_id,) = await notify_user(runtime, alice.id, Channel.inapp, Channel.email)

    assert [d.channel for d in await deliveries_of(runtime, notification_id)] == ["email"]
    async with Worker(runtime.database, smtp_server.settings(settings), clock=clock) as worker:
        assert await worker.run_once() == 1  # the email
    assert len(smtp_server.mailbox.emails) == 1


async def test_deliveries_are_documented_as_email_or_webhook_only(client):
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    delivery = schemas["DeliveryRead"]["properties"]
    assert delivery["channel"]["enum"] == ["email", "webhook"]
    status = schemas[delivery["status"]["$ref"].rsplit("/", 1)[1]]
    assert status["enum"] == ["pending", "sending", "delivered", "dead"]
