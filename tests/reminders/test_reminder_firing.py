"""Reminders fired by the worker: at the right instant across DST, once, and only when needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from habitual.jobs.worker import Worker
from habitual.models import Notification, Reminder, User
from tests.factories import API, create_habit

REMINDERS = f"{API}/reminders"
NOTIFICATIONS = f"{API}/notifications"
SECOND = timedelta(seconds=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@pytest.fixture
def run_worker_at(runtime, settings, frozen_clock):
    """One worker round (fire due reminders, deliver a batch) as if it were `moment`.

    The app's clock is moved too: the outbox stamps new deliveries with it, and a worker only
    takes deliveries that are due by its own clock.
    """

    async def run(moment: datetime) -> int:
        frozen_clock(moment)
        async with Worker(runtime.database, settings, clock=lambda: moment) as worker:
            return await worker.run_once()

    return run


async def create_reminder(client, owner, habit: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"habit_id": habit["id"], "time": "07:30"} | fields
    response = await client.post(REMINDERS, json=body, headers=owner.auth)
    assert response.status_code == 201, response.text
    reminder: dict[str, Any] = response.json()
    return reminder


async def get_reminder(client, owner, reminder: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{REMINDERS}/{reminder['id']}", headers=owner.auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def inbox(client, owner) -> list[dict[str, Any]]:
    """The reminders in the owner's in-app inbox (check-ins may add other events there)."""
    response = await client.get(NOTIFICATIONS, headers=owner.auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return [item for item in items if item["event"] == "reminder"]


async def reminder_notifications(runtime) -> int:
    """Every reminder notification written, delivered or not."""
    async with runtime.database.reader() as session:
        statement = select(func.count()).where(Notification.event == "reminder")
        count: int = (await session.execute(statement)).scalar_one()
    return count


async def check_in(client, owner, habit: dict[str, Any], day: str) -> None:
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/{day}", json={"status": "done"}, headers=owner.auth
    )
    assert response.status_code in (200, 201), response.text


# (zone, created at, local time, first firing, the firing after it)
ACROSS_DST = [
    # New York springs forward at 02:00 EST (07:00Z): 02:30 is skipped, fires at the jump.
    (
        "America/New_York",
        "2026-03-07T12:00:00",
        "02:30",
        "2026-03-08T07:00:00",
        "2026-03-09T06:30:00",
    ),
    # New York falls back at 02:00 EDT (06:00Z): 01:30 shows twice, fires at the first.
    (
        "America/New_York",
        "2026-10-31T12:00:00",
        "01:30",
        "2026-11-01T05:30:00",
        "2026-11-02T06:30:00",
    ),
    # Berlin springs forward at 02:00 CET (01:00Z).
    ("Europe/Berlin", "2026-03-28T12:00:00", "02:30", "2026-03-29T01:00:00", "2026-03-30T00:30:00"),
    # Berlin falls back at 03:00 CEST (01:00Z): 02:30 shows at 00:30Z and at 01:30Z.
    ("Europe/Berlin", "2026-10-24T12:00:00", "02:30", "2026-10-25T00:30:00", "2026-10-26T01:30:00"),
]


@pytest.mark.parametrize(("zone", "created", "at", "first", "following"), ACROSS_DST)
async def test_a_reminder_fires_at_the_right_instant_across_dst(
    client, accounts, runtime, frozen_clock, run_worker_at, zone, created, at, first, following
):
    owner = await accounts.create(timezone=zone)
    frozen_clock(utc(created))
    habit = await create_habit(client, owner)
    reminder = await create_reminder(client, owner, habit, time=at, message="Now!")
    assert instant(reminder["next_fire_at"]) == utc(first)

    await run_worker_at(utc(first) - SECOND)
    assert await inbox(client, owner) == []
    assert await reminder_notifications(runtime) == 0
    assert await get_reminder(client, owner, reminder) == reminder

    await run_worker_at(utc(first))
    [notification] = await inbox(client, owner)
    assert notification["event"] == "reminder"
    assert notification["habit_id"] == habit["id"]
    assert notification["body"] == "Now!"
    assert notification["read_at"] is None
    assert notification["data"]["reminder_id"] == reminder["id"]
    assert instant(notification["data"]["due_at"]) == utc(first)
    fired = await get_reminder(client, owner, reminder)
    assert instant(fired["last_fired_at"]) == utc(first)
    assert instant(fired["next_fire_at"]) == utc(following)

    # An hour later the clock may show the same wall time again (fall back): no second firing.
    await run_worker_at(utc(first) + timedelta(hours=1))
    await run_worker_at(utc(following) - SECOND)
    assert len(await inbox(client, owner)) == 1

    await run_worker_at(utc(following))
    assert len(await inbox(client, owner)) == 2
    assert await reminder_notifications(runtime) == 2


async def test_the_reminder_names_the_habit_when_it_has_no_message(
    client, accounts, frozen_clock, run_worker_at
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-15T06:00:00"))
    habit = await create_habit(client, owner, name="Read")
    await create_reminder(client, owner, habit)

    await run_worker_at(utc("2026-06-15T07:30:00"))

    [notification] = await inbox(client, owner)
    assert notification["title"] == "Reminder: Read"
    assert "Read" in notification["body"]


async def test_a_habit_met_today_is_not_reminded_but_the_reminder_moves_on(
    client, accounts, runtime, frozen_clock, run_worker_at
):
    owner = await accounts.create(timezone="America/New_York")
    frozen_clock(utc("2026-06-15T12:00:00"))  # Monday 08:00 in New York
    habit = await create_habit(client, owner)
    reminder = await create_reminder(client, owner, habit, time="20:00")
    assert instant(reminder["next_fire_at"]) == utc("2026-06-16T00:00:00")
    await check_in(client, owner, habit, "2026-06-15")

    await run_worker_at(utc("2026-06-16T00:00:00"))  # Monday 20:00 in New York

    assert await inbox(client, owner) == []
    assert await reminder_notifications(runtime) == 0
    moved = await get_reminder(client, owner, reminder)
    assert instant(moved["next_fire_at"]) == utc("2026-06-17T00:00:00")
    assert instant(moved["last_fired_at"]) == utc("2026-06-16T00:00:00")

    await run_worker_at(utc("2026-06-17T00:00:00"))  # Tuesday, not checked in

    assert len(await inbox(client, owner)) == 1


async def test_a_day_marked_skipped_is_not_reminded(client, accounts, frozen_clock, run_worker_at):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-15T06:00:00"))
    habit = await create_habit(client, owner)
    await create_reminder(client, owner, habit)
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/2026-06-15",
        json={"status": "skipped"},
        headers=owner.auth,
    )
    assert response.status_code == 201, response.text

    await run_worker_at(utc("2026-06-15T07:30:00"))

    assert await inbox(client, owner) == []


async def test_a_weekly_habit_skipped_today_is_reminded_again_tomorrow(
    client, accounts, frozen_clock, run_worker_at
):
    owner = await accounts.create(timezone="America/New_York")
    frozen_clock(utc("2026-06-17T12:00:00"))  # Wednesday 08:00 in New York
    habit = await create_habit(
        client, owner, frequency="weekly", times_per_period=2, start_date="2026-06-01"
    )
    await create_reminder(client, owner, habit, time="20:00")
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/2026-06-17",
        json={"status": "skipped"},
        headers=owner.auth,
    )
    assert response.status_code == 201, response.text

    await run_worker_at(utc("2026-06-18T00:00:00"))  # Wednesday 20:00
    assert await inbox(client, owner) == []

    await run_worker_at(utc("2026-06-19T00:00:00"))  # Thursday 20:00
    assert len(await inbox(client, owner)) == 1


async def test_a_weekly_habit_met_this_week_is_not_reminded(
    client, accounts, runtime, frozen_clock, run_worker_at
):
    owner = await accounts.create(timezone="America/New_York")
    frozen_clock(utc("2026-06-17T12:00:00"))  # Wednesday 08:00 in New York
    habit = await create_habit(
        client, owner, frequency="weekly", times_per_period=2, start_date="2026-06-01"
    )
    reminder = await create_reminder(client, owner, habit, time="20:00")
    await check_in(client, owner, habit, "2026-06-15")
    await check_in(client, owner, habit, "2026-06-16")

    await run_worker_at(utc("2026-06-18T00:00:00"))  # Wednesday 20:00
    await run_worker_at(utc("2026-06-22T00:00:00"))  # Sunday 20:00

    assert await inbox(client, owner) == []
    assert await reminder_notifications(runtime) == 0
    assert instant((await get_reminder(client, owner, reminder))["next_fire_at"]) == utc(
        "2026-06-23T00:00:00"
    )

    await run_worker_at(utc("2026-06-23T00:00:00"))  # Monday 20:00: a new week

    [notification] = await inbox(client, owner)
    assert instant(notification["data"]["due_at"]) == utc("2026-06-23T00:00:00")


async def test_a_weekly_habit_not_yet_met_this_week_is_reminded(
    client, accounts, frozen_clock, run_worker_at
):
    owner = await accounts.create(timezone="America/New_York")
    frozen_clock(utc("2026-06-17T12:00:00"))
    habit = await create_habit(
        client, owner, frequency="weekly", times_per_period=2, start_date="2026-06-01"
    )
    await create_reminder(client, owner, habit, time="20:00")
    await check_in(client, owner, habit, "2026-06-15")

    await run_worker_at(utc("2026-06-18T00:00:00"))

    assert len(await inbox(client, owner)) == 1


async def test_running_twice_at_the_same_instant_sends_once(
    client, accounts, runtime, settings, frozen_clock
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-15T06:00:00"))
    habit = await create_habit(client, owner)
    reminder = await create_reminder(client, owner, habit)
    due = utc("2026-06-15T07:30:00")
    frozen_clock(due)

    async with (
        Worker(runtime.database, settings, clock=lambda: due) as first,
        Worker(runtime.database, settings, clock=lambda: due) as second,
    ):
        assert await first.fire_due_reminders() == 1
        assert await first.fire_due_reminders() == 0
        assert await second.fire_due_reminders() == 0
        await first.run_once()
        await second.run_once()

    assert len(await inbox(client, owner)) == 1
    assert await reminder_notifications(runtime) == 1
    assert instant((await get_reminder(client, owner, reminder))["next_fire_at"]) == utc(
        "2026-06-16T07:30:00"
    )


async def test_a_firing_already_told_is_not_told_again(
    client, accounts, runtime, frozen_clock, run_worker_at
):
    """Should a reminder come due again for an instant it already fired at (a worker that read
    it before another committed), the notification is not written twice."""
    owner = await accounts.create()
    frozen_clock(utc("2026-06-15T06:00:00"))
    habit = await create_habit(client, owner)
    reminder = await create_reminder(client, owner, habit)
    due = utc("2026-06-15T07:30:00")
    await run_worker_at(due)

    async with runtime.database.writer() as session, session.begin():
        row = await session.get(Reminder, reminder["id"])
        assert row is not None
        row.next_fire_at = due
    await run_worker_at(due)

    assert len(await inbox(client, owner)) == 1
    assert await reminder_notifications(runtime) == 1


async def test_a_reminder_missed_for_days_fires_once(
    client, accounts, runtime, frozen_clock, run_worker_at
):
    owner = await accounts.create(timezone="Europe/Berlin")
    frozen_clock(utc("2026-06-15T12:00:00"))
    habit = await create_habit(client, owner)
    reminder = await create_reminder(client, owner, habit, time="09:00")
    assert instant(reminder["next_fire_at"]) == utc("2026-06-16T07:00:00")

    # The worker was down from Tuesday to Saturday 12:00 in Berlin.
    await run_worker_at(utc("2026-06-20T10:00:00"))
    await run_worker_at(utc("2026-06-20T10:00:01"))

    [notification] = await inbox(client, owner)
    assert instant(notification["data"]["due_at"]) == utc("2026-06-16T07:00:00")
    assert await reminder_notifications(runtime) == 1
    caught_up = await get_reminder(client, owner, reminder)
    assert instant(caught_up["next_fire_at"]) == utc("2026-06-21T07:00:00")
    assert instant(caught_up["last_fired_at"]) == utc("2026-06-20T10:00:00")


async def test_an_inactive_reminder_never_fires(
    client, accounts, runtime, frozen_clock, run_worker_at
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-15T06:00:00"))
    habit = await create_habit(client, owner)
    never = await create_reminder(client, owner, habit, active=False)
    paused = await create_reminder(client, owner, habit, time="08:00")
    response = await client.patch(
        f"{REMINDERS}/{paused['id']}", json={"active": False}, headers=owner.auth
    )
    assert response.status_code == 200, response.text

    for day in range(15, 23):
        await run_worker_at(utc(f"2026-06-{day}T23:00:00"))

    assert await inbox(client, owner) == []
    assert await reminder_notifications(runtime) == 0
    for reminder in (never, paused):
        unchanged = await get_reminder(client, owner, reminder)
        assert (unchanged["next_fire_at"], unchanged["last_fired_at"]) == (None, None)


async def test_an_archived_habits_reminder_does_not_notify(
    client, accounts, runtime, frozen_clock, run_worker_at
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-15T06:00:00"))
    habit = await create_habit(client, owner)
    reminder = await create_reminder(client, owner, habit)
    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"archived": True}, headers=owner.auth
    )
    assert response.status_code == 200, response.text

    await run_worker_at(utc("2026-06-15T07:30:00"))
    await run_worker_at(utc("2026-06-16T07:30:00"))

    assert await inbox(client, owner) == []
    assert await reminder_notifications(runtime) == 0
    assert instant((await get_reminder(client, owner, reminder))["next_fire_at"]) == utc(
        "2026-06-17T07:30:00"
    )


async def test_a_reminder_reaches_only_its_owner(client, accounts, frozen_clock, run_worker_at):
    owner = await accounts.create()
    other = await accounts.create()
    frozen_clock(utc("2026-06-15T06:00:00"))
    await create_reminder(client, owner, await create_habit(client, owner))

    await run_worker_at(utc("2026-06-15T07:30:00"))

    assert len(await inbox(client, owner)) == 1
    assert await inbox(client, other) == []


# --- only on days the habit is due ------------------------------------------------------------


async def reminded_days(client, owner, run_worker_at, days: range) -> list[str]:
    """Run the worker at 07:30 UTC on each day of June 2026 given, when an every-day 07:30
    reminder comes due; the local dates (UTC) that got a reminder."""
    for june_day in days:
        await run_worker_at(utc(f"2026-06-{june_day:02d}T07:30:00"))
    return sorted(item["data"]["due_at"][:10] for item in await inbox(client, owner))


async def test_a_mon_wed_fri_habit_is_reminded_on_monday_not_on_sunday(
    client, accounts, frozen_clock, run_worker_at
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-13T06:00:00"))  # Saturday
    habit = await create_habit(
        client, owner, target_days=["monday", "wednesday", "friday"], start_date="2026-06-01"
    )
    reminder = await create_reminder(client, owner, habit)  # every day at 07:30

    assert await reminded_days(client, owner, run_worker_at, range(13, 18)) == [
        "2026-06-15",  # Monday
        "2026-06-17",  # Wednesday
    ]
    # The days it was not due still moved the reminder on, one day at a time.
    fired = await get_reminder(client, owner, reminder)
    assert instant(fired["last_fired_at"]) == utc("2026-06-17T07:30:00")
    assert instant(fired["next_fire_at"]) == utc("2026-06-18T07:30:00")


async def test_an_every_third_day_habit_is_reminded_every_third_day_from_its_start(
    client, accounts, frozen_clock, run_worker_at
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-14T06:00:00"))
    habit = await create_habit(
        client, owner, frequency="every_n_days", every_n_days=3, start_date="2026-06-12"
    )
    await create_reminder(client, owner, habit)

    assert await reminded_days(client, owner, run_worker_at, range(14, 22)) == [
        "2026-06-15",
        "2026-06-18",
        "2026-06-21",
    ]


async def test_a_habit_is_not_reminded_before_its_start_date(
    client, accounts, frozen_clock, run_worker_at
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-14T06:00:00"))
    habit = await create_habit(client, owner, start_date="2026-06-16")
    await create_reminder(client, owner, habit)

    assert await reminded_days(client, owner, run_worker_at, range(14, 18)) == [
        "2026-06-16",
        "2026-06-17",
    ]


async def test_a_habit_is_not_reminded_after_its_end_date(
    client, accounts, frozen_clock, run_worker_at
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-14T06:00:00"))
    habit = await create_habit(client, owner, start_date="2026-06-01", end_date="2026-06-15")
    reminder = await create_reminder(client, owner, habit)

    assert await reminded_days(client, owner, run_worker_at, range(14, 18)) == [
        "2026-06-14",
        "2026-06-15",
    ]
    assert instant((await get_reminder(client, owner, reminder))["next_fire_at"]) == utc(
        "2026-06-18T07:30:00"
    )


async def test_a_weekly_habit_is_not_reminded_in_the_week_it_started_midway(
    client, accounts, frozen_clock, run_worker_at
):
    # Started on Wednesday 06-17: due from the first whole week, Monday 06-22 on.
    owner = await accounts.create()
    frozen_clock(utc("2026-06-17T06:00:00"))
    habit = await create_habit(
        client, owner, frequency="weekly", times_per_period=2, start_date="2026-06-17"
    )
    await create_reminder(client, owner, habit)

    assert await reminded_days(client, owner, run_worker_at, range(17, 24)) == [
        "2026-06-22",
        "2026-06-23",
    ]


async def test_a_deactivated_users_reminder_does_not_notify(
    client, accounts, runtime, frozen_clock, run_worker_at
):
    owner = await accounts.create()
    frozen_clock(utc("2026-06-15T06:00:00"))
    await create_reminder(client, owner, await create_habit(client, owner))
    async with runtime.database.writer() as session, session.begin():
        await session.execute(update(User).where(User.id == owner.id).values(is_active=False))

    await run_worker_at(utc("2026-06-15T07:30:00"))

    assert await reminder_notifications(runtime) == 0


async def test_deciding_which_habits_to_remind_costs_the_same_statements_for_a_larger_batch(
    client, accounts, runtime, settings, frozen_clock
):
    """The worker reads the batch's rules and check-ins once, not once per reminder."""
    owner, other = await accounts.create(), await accounts.create()
    frozen_clock(utc("2026-06-17T06:00:00"))  # Wednesday
    alone = await create_habit(client, owner, start_date="2026-06-01")
    await create_reminder(client, owner, alone, time="07:30")
    batch = [
        await create_habit(client, owner, start_date="2026-06-01", target_days=["wednesday"]),
        await create_habit(
            client, owner, frequency="weekly", times_per_period=3, start_date="2026-06-01"
        ),
        await create_habit(client, other, frequency="monthly", start_date="2026-06-01"),
        await create_habit(client, other, frequency="every_n_days", every_n_days=2),
        await create_habit(client, other, kind="measurable", goal_value=5, start_date="2026-06-01"),
    ]
    response = await client.patch(
        f"{API}/habits/{batch[-1]['id']}", json={"goal_value": 8}, headers=other.auth
    )
    assert response.status_code == 200, response.text
    for habit in batch:
        await create_reminder(client, owner if habit in batch[:2] else other, habit, time="08:30")
    await check_in(client, owner, batch[1], "2026-06-16")

    async def statements_at(moment: datetime) -> int:
        frozen_clock(moment)
        statements: list[str] = []

        def count(connection: Any, cursor: Any, statement: str, *rest: Any) -> None:
            statements.append(statement)

        engine = runtime.database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            async with Worker(runtime.database, settings, clock=lambda: moment) as worker:
                await worker.fire_due_reminders()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    one = await statements_at(utc("2026-06-17T07:30:00"))
    five = await statements_at(utc("2026-06-17T08:30:00"))

    assert five == one
    assert await reminder_notifications(runtime) == 6
