"""Email deliveries, sent to a real SMTP server (aiosmtpd on a loopback port)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from habitual.jobs.worker import Worker
from habitual.models import Channel, Reminder
from habitual.runtime import Runtime
from tests.factories import API, create_habit
from tests.notifications.conftest import (
    Clock,
    configured,
    deliveries_of,
    free_port,
    notify_user,
    the_delivery,
)


async def test_an_email_notification_reaches_the_smtp_server(
    accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    (notification_id,) = await notify_user(
        runtime, alice.id, Channel.email, title="Reminder: Read", body="Ten pages tonight."
    )

    async with Worker(runtime.database, smtp_server.settings(settings), clock=clock) as worker:
        assert await worker.run_once() == 1

    (received,) = smtp_server.mailbox.emails
    assert received.recipients == [alice.email]
    assert received.message["To"] == alice.email
    assert received.message["From"] == settings.smtp_sender
    assert received.message["Subject"] == "Reminder: Read"
    assert received.message.get_payload(decode=True).decode().strip() == "Ten pages tonight."
    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 1, None)
    assert delivery.delivered_at == clock.now


async def email_reminder_due(client, owner, habit, runtime: Runtime) -> Clock:
    """Set an email reminder on the habit; a worker clock just past its first firing."""
    response = await client.post(
        f"{API}/reminders",
        json={
            "habit_id": habit["id"],
            "time": "07:30",
            "channels": ["email"],
            "message": "Five minutes of stretching.",
        },
        headers=owner.auth,
    )
    assert response.status_code == 201, response.text
    async with runtime.database.reader() as session:
        fire_at = (await session.execute(select(Reminder.next_fire_at))).scalar_one()
    assert fire_at is not None
    clock = Clock()
    clock.move_past(fire_at)
    return clock


async def test_a_reminder_with_the_email_channel_is_fired_and_mailed(
    client, accounts, runtime, settings, smtp_server
):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Stretch")
    clock = await email_reminder_due(client, alice, habit, runtime)

    async with Worker(runtime.database, smtp_server.settings(settings), clock=clock) as worker:
        await worker.run_once()

    (received,) = smtp_server.mailbox.emails
    assert received.recipients == [alice.email]
    assert received.message["Subject"] == "Reminder: Stretch"
    body = received.message.get_payload(decode=True).decode()
    assert body.strip() == "Five minutes of stretching."


async def test_email_without_an_smtp_server_configured_is_dead_at_once(
    accounts, runtime, settings, clock
):
    alice = await accounts.create()
    (notification_id,) = await notify_user(runtime, alice.id, Channel.email)

    async with Worker(runtime.database, configured(settings, smtp_host=None), clock=clock) as w:
        await w.run_once()

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts) == ("dead", 1)
    assert delivery.last_error == "Email is not configured (HABITUAL_SMTP_HOST)."
    assert delivery.delivered_at is None


async def test_email_to_an_smtp_server_that_is_down_is_retried_later(
    accounts, runtime, settings, clock
):
    alice = await accounts.create()
    (notification_id,) = await notify_user(runtime, alice.id, Channel.email)
    nothing_listens = configured(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_security="none",
        delivery_backoff_base_seconds=30,
        delivery_backoff_cap_seconds=600,
    )

    jitter = random.Random(7)  # seeded: the drawn delay is not zero

    async with Worker(runtime.database, nothing_listens, clock=clock, rng=jitter) as worker:
        await worker.run_once()

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error is not None
    assert "ConnectionRefusedError" in delivery.last_error
    # The first retry waits a full-jitter delay of at most the base (30 s), never more.
    assert clock.now < delivery.next_attempt_at <= clock.now + timedelta(seconds=30)
    assert delivery.lease_until is None


async def test_a_line_break_in_a_habit_name_is_mailed_on_one_subject_line(
    client, accounts, runtime, settings, smtp_server
):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Read\r\nBcc: eve@example.com")
    clock = await email_reminder_due(client, alice, habit, runtime)

    async with Worker(runtime.database, smtp_server.settings(settings), clock=clock) as worker:
        await worker.run_once()

    (delivery,) = await deliveries_of(runtime)
    assert (delivery.status, delivery.last_error) == ("delivered", None)
    (received,) = smtp_server.mailbox.emails
    assert received.recipients == [alice.email]
    assert received.message["Bcc"] is None
    assert received.message["Subject"] == "Reminder: Read Bcc: eve@example.com"


async def test_an_unverified_address_gets_no_email_but_the_inbox_still_does(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create(verified=False)
    async with Worker(runtime.database, smtp_server.settings(settings), clock=clock) as worker:
        await worker.run_once()  # the verification email goes; nothing else is waiting
    smtp_server.mailbox.emails.clear()

    (notification_id,) = await notify_user(runtime, alice.id, Channel.inapp, Channel.email)

    assert await deliveries_of(runtime, notification_id) == []
    inbox = await client.get(f"{API}/notifications", headers=alice.auth)
    assert [item["id"] for item in inbox.json()["items"]] == [notification_id]
    async with Worker(runtime.database, smtp_server.settings(settings), clock=clock) as worker:
        assert await worker.run_once() == 0
    assert smtp_server.mailbox.emails == []


async def test_an_email_queued_before_the_address_changed_is_not_sent_to_the_new_one(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    (notification_id,) = await notify_user(runtime, alice.id, Channel.email)
    response = await client.patch(
        f"{API}/users/me",
        json={"email": "alice.new@example.com", "current_password": alice.password},
        headers=alice.auth,
    )
    assert response.status_code == 200

    async with Worker(runtime.database, smtp_server.settings(settings), clock=clock) as worker:
        await worker.run_once()

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.last_error) == ("dead", "The email address is not verified.")
    # Only the new address's verification email went out.
    (received,) = smtp_server.mailbox.emails
    assert received.message["Subject"] == "Confirm your email address for Habitual"
