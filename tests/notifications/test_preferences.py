"""Notification preferences: which channels each event goes out on, chosen per user, applied
where notices become notifications (outbox.notify_many), end to end through a real SMTP server
and a real webhook receiver."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from habitual.db import UnitOfWork
from habitual.jobs.worker import Worker
from habitual.kit.rawsql import RawConnection
from habitual.models import Channel, Event, Notification
from habitual.notifications.outbox import Notice, default_channels, notify_many
from habitual.runtime import Runtime
from tests.factories import API, create_habit
from tests.notifications.conftest import Clock, create_webhook, notify_user
from tests.notifications.test_email import email_reminder_due

PREFERENCES = f"{API}/users/me/notification-preferences"
NOW = datetime(2026, 6, 18, 12, 0, tzinfo=UTC)
TODAY = date(2026, 6, 18)


async def preferences_of(client, owner) -> dict[str, dict[str, Any]]:
    response = await client.get(PREFERENCES, headers=owner.auth)
    assert response.status_code == 200, response.text
    return {item["event"]: item for item in response.json()["items"]}


async def choose(client, owner, **preferences: list[str] | None) -> dict[str, Any]:
    response = await client.put(PREFERENCES, json={"preferences": preferences}, headers=owner.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def in_inbox(runtime: Runtime, notification_id: int) -> bool:
    async with runtime.database.reader() as session:
        notification = await session.get(Notification, notification_id)
        assert notification is not None
        return notification.in_inbox


async def test_every_event_is_answered_with_its_default_channels(client, accounts):
    alice = await accounts.create()
    response = await client.get(PREFERENCES, headers=alice.auth)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["event"] for item in items] == [event.value for event in Event]
    for item in items:
        assert set(item) == {"event", "channels", "default"}
        assert item["default"] is True
        assert set(item["channels"]) == set(default_channels(Event(item["event"])))
    by_event = {item["event"]: item for item in items}
    assert by_event["streak_milestone"]["channels"] == ["inapp", "webhook"]
    assert by_event["challenge_started"]["channels"] == ["inapp"]


async def test_put_merges_and_null_goes_back_to_the_default(client, accounts):
    alice = await accounts.create()
    await choose(client, alice, streak_milestone=["email"], reminder=["inapp", "webhook"])
    body = await choose(client, alice, reminder=None, goal_reached=[])

    answered = {item["event"]: item for item in body["items"]}
    assert answered == await preferences_of(client, alice)
    assert answered["streak_milestone"] == {
        "event": "streak_milestone",
        "channels": ["email"],
        "default": False,
    }
    assert answered["goal_reached"] == {"event": "goal_reached", "channels": [], "default": False}
    assert answered["reminder"] == {"event": "reminder", "channels": ["inapp"], "default": True}


async def test_preferences_are_each_users_own(client, accounts):
    alice, bob = await accounts.create(), await accounts.create()
    await choose(client, alice, target_met=["email"])
    assert (await preferences_of(client, bob))["target_met"]["default"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": {"no_such_event": ["inapp"]}},
        {"preferences": {"reminder": ["sms"]}},
        {"preferences": {"reminder": ["email", "email"]}},
        {"preferences": {"reminder": "email"}},
        {"preferences": {"reminder": ["email"]}, "user_id": 1},
        {"preferences": None},
        {},
    ],
)
async def test_bad_preferences_are_a_422_and_change_nothing(client, accounts, body):
    alice = await accounts.create()
    await choose(client, alice, goal_achieved=["inapp"])
    before = await preferences_of(client, alice)

    response = await client.put(PREFERENCES, json=body, headers=alice.auth)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await preferences_of(client, alice) == before


async def test_a_preference_replaces_the_notices_own_channels(runtime, client, accounts):
    alice = await accounts.create()
    await choose(client, alice, challenge_started=["email"])

    (chosen,) = await notify_user(runtime, alice.id, Channel.inapp, event=Event.challenge_started)
    (other,) = await notify_user(runtime, alice.id, Channel.inapp, event=Event.challenge_finished)

    assert await in_inbox(runtime, chosen) is False
    assert await in_inbox(runtime, other) is True
    inbox = (await client.get(f"{API}/notifications", headers=alice.auth)).json()["items"]
    assert [item["id"] for item in inbox] == [other]


async def test_inapp_chosen_puts_an_email_only_notice_in_the_inbox(runtime, client, accounts):
    alice = await accounts.create()
    await choose(client, alice, reminder=["inapp"])
    (notification_id,) = await notify_user(runtime, alice.id, Channel.email)
    assert await in_inbox(runtime, notification_id) is True


# --- end to end: a check-in's streak milestone ----------------------------------------------


@pytest.fixture
async def walker(accounts, frozen_clock):
    account = await accounts.create()
    frozen_clock(NOW)
    return account


async def seven_day_streak(client, owner) -> None:
    habit = await create_habit(client, owner, name="Walk", start_date="2026-06-01")
    for days_ago in range(6, -1, -1):
        day = (TODAY - timedelta(days=days_ago)).isoformat()
        response = await client.put(
            f"{API}/habits/{habit['id']}/checkins/{day}",
            json={"status": "done"},
            headers=owner.auth,
        )
        assert response.status_code in (200, 201), response.text


async def test_a_streak_milestone_chosen_for_email_and_webhook_goes_to_both_and_not_the_inbox(
    client, private_client, walker, runtime, settings, smtp_server, receiver
):
    await create_webhook(private_client, walker, receiver.url, ["streak_milestone"])
    await choose(client, walker, streak_milestone=["email", "webhook"])

    await seven_day_streak(client, walker)
    async with Worker(runtime.database, smtp_server.settings(settings), clock=Clock()) as worker:
        assert await worker.run_once() == 2

    (received,) = smtp_server.mailbox.emails
    assert received.recipients == [walker.email]
    assert received.message["Subject"] == "7 days in a row: Walk"
    (request,) = receiver.requests
    assert json.loads(request.body)["type"] == "streak_milestone"
    inbox = await client.get(f"{API}/notifications", headers=walker.auth)
    assert inbox.json()["items"] == []
    async with runtime.database.reader() as session:
        events = (await session.execute(select(Notification.event))).scalars().all()
    assert events == ["streak_milestone"]


async def test_without_a_preference_a_streak_milestone_is_never_emailed(
    client, walker, runtime, settings, smtp_server
):
    await seven_day_streak(client, walker)
    async with Worker(runtime.database, smtp_server.settings(settings), clock=Clock()) as worker:
        await worker.run_once()

    assert smtp_server.mailbox.emails == []
    inbox = (await client.get(f"{API}/notifications", headers=walker.auth)).json()["items"]
    assert [item["event"] for item in inbox] == ["streak_milestone"]


async def test_an_unverified_address_gets_no_email_even_when_chosen(
    client, accounts, frozen_clock, runtime, settings, smtp_server
):
    alice = await accounts.create(verified=False)
    async with Worker(runtime.database, smtp_server.settings(settings), clock=Clock()) as worker:
        await worker.run_once()  # the verification email
    smtp_server.mailbox.emails.clear()
    frozen_clock(NOW)
    await choose(client, alice, streak_milestone=["inapp", "email"])

    await seven_day_streak(client, alice)
    async with Worker(runtime.database, smtp_server.settings(settings), clock=Clock()) as worker:
        assert await worker.run_once() == 0

    assert smtp_server.mailbox.emails == []
    inbox = (await client.get(f"{API}/notifications", headers=alice.auth)).json()["items"]
    assert [item["event"] for item in inbox] == ["streak_milestone"]


# --- reminders: their own channels only without a preference ----------------------------------


async def test_a_reminder_preference_overrides_the_reminders_own_channels(
    client, accounts, runtime, settings, smtp_server
):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Stretch")
    clock = await email_reminder_due(client, alice, habit, runtime)  # channels: ["email"]
    await choose(client, alice, reminder=["inapp"])

    async with Worker(runtime.database, smtp_server.settings(settings), clock=clock) as worker:
        await worker.run_once()

    assert smtp_server.mailbox.emails == []
    inbox = (await client.get(f"{API}/notifications", headers=alice.auth)).json()["items"]
    assert [item["title"] for item in inbox] == ["Reminder: Stretch"]


# --- the statements it costs ------------------------------------------------------------------


class CountingConnection:
    """A real connection that writes down each statement sent through it."""

    def __init__(self, connection: RawConnection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.statements: list[str] = []

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        self.statements.append(sql)
        return await self.connection.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return await self.connection.fetchrow(sql, *args)

    async def execute(self, sql: str, *args: Any) -> None:
        self.statements.append(sql)
        await self.connection.execute(sql, *args)


def notices_for(user_ids: list[int], round_: str) -> list[Notice]:
    return [
        Notice(
            user_id=user_id,
            habit_id=None,
            event=event,
            dedupe_key=f"count:{round_}:{user_id}:{event.value}",
            title="t",
            body="b",
            data={},
            channels=frozenset({Channel.inapp, Channel.webhook}),
        )
        for user_id in user_ids
        for event in (Event.streak_milestone, Event.goal_reached, Event.challenge_started)
    ]


async def record(runtime: Runtime, notices: list[Notice]) -> list[str]:
    async with runtime.database.writer() as session, session.begin():
        counting = CountingConnection(await UnitOfWork(session=session).connection())
        await notify_many(counting, notices)
    return counting.statements


async def test_a_batch_costs_one_more_statement_at_most_two_and_none_when_nothing_is_new(
    runtime, client, private_client, accounts, receiver
):
    people = [await accounts.create() for _ in range(6)]
    for person in people[:3]:
        await choose(client, person, streak_milestone=["email"], goal_reached=["webhook"])
    await create_webhook(private_client, people[0], receiver.url)
    user_ids = [person.id for person in people]

    first = await record(runtime, notices_for(user_ids, "a"))
    again = await record(runtime, notices_for(user_ids, "a"))

    assert len(first) == 6  # insert, preferences, webhooks, addresses, inbox moves, deliveries
    assert sum("notification_preferences" in sql for sql in first) == 1
    assert len(again) == 1  # nothing new: the insert alone
    moved = [
        notification
        for notification in await notifications_of(runtime)
        if notification.user_id in user_ids[:3]
        and notification.event in {"streak_milestone", "goal_reached"}
    ]
    assert len(moved) == 6
    assert not any(notification.in_inbox for notification in moved)


async def notifications_of(runtime: Runtime) -> list[Notification]:
    async with runtime.database.reader() as session:
        return list((await session.execute(select(Notification))).scalars())
