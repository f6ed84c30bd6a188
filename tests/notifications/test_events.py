"""What a check-in sets off: one notification per event, committed (or not) with the check-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from habitual.checkins.schemas import CheckinWrite
from habitual.checkins.service import checkin_service
from habitual.db import UnitOfWork
from habitual.habitmath.schedule import Status
from habitual.jobs.worker import Worker
from habitual.models import Delivery, Notification, User
from habitual.runtime import Runtime
from tests.factories import API, create_habit
from tests.notifications.conftest import Clock

NOW = datetime(2026, 6, 18, 12, 0, tzinfo=UTC)  # a Thursday
TODAY = date(2026, 6, 18)
START = "2026-06-01"
NOTIFICATION_FIELDS = {"id", "event", "habit_id", "title", "body", "data", "created_at", "read_at"}


@pytest.fixture
async def alice(accounts, frozen_clock):
    account = await accounts.create()
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    return account


async def notification_rows(runtime: Runtime, event: str | None = None) -> int:
    statement = select(func.count()).select_from(Notification)
    if event is not None:
        statement = statement.where(Notification.event == event)
    async with runtime.database.reader() as session:
        return int((await session.execute(statement)).scalar_one())


async def delivery_rows(runtime: Runtime) -> int:
    async with runtime.database.reader() as session:
        count = await session.execute(select(func.count()).select_from(Delivery))
        return int(count.scalar_one())


async def inbox(client, owner, runtime: Runtime, settings) -> list[dict[str, Any]]:
    """Let a worker deliver what is due, then read the in-app inbox."""
    async with Worker(runtime.database, settings, clock=Clock(), name="w1") as worker:
        await worker.run_once()
    response = await client.get(f"{API}/notifications", headers=owner.auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def check_in(client, owner, habit, day: str = "today", **body: Any) -> None:
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/{day}",
        json={"status": "done"} | body,
        headers=owner.auth,
    )
    assert response.status_code in (200, 201), response.text


async def pages_habit(client, owner) -> dict[str, Any]:
    return await create_habit(
        client, owner, name="Read", kind="measurable", goal_value=10, unit="pages", start_date=START
    )


async def test_reaching_a_measurable_goal_puts_one_goal_reached_notification_in_the_inbox(
    client, alice, runtime, settings
):
    habit = await pages_habit(client, alice)
    await check_in(client, alice, habit, value=12)

    items = await inbox(client, alice, runtime, settings)

    assert [item["event"] for item in items] == ["goal_reached"]
    (item,) = items
    assert set(item) == NOTIFICATION_FIELDS
    assert item["habit_id"] == habit["id"]
    assert item["title"] == "Goal reached: Read"
    assert item["body"] == "Read: 12 pages on 2026-06-18, goal 10 pages."
    assert item["data"] == {"habit_id": habit["id"], "date": "2026-06-18", "value": 12}
    assert item["read_at"] is None
    assert await notification_rows(runtime) == 1


async def test_a_check_in_below_the_goal_notifies_nothing(client, alice, runtime, settings):
    habit = await pages_habit(client, alice)
    await check_in(client, alice, habit, value=9)

    assert await inbox(client, alice, runtime, settings) == []
    assert await notification_rows(runtime) == 0


async def test_a_second_check_in_of_the_same_day_does_not_tell_the_goal_again(
    client, alice, runtime, settings
):
    habit = await pages_habit(client, alice)
    await check_in(client, alice, habit, value=12)
    await check_in(client, alice, habit, value=15)
    entry = await client.post(
        f"{API}/habits/{habit['id']}/entries", json={"value": 3}, headers=alice.auth
    )
    assert entry.status_code == 201, entry.text

    items = await inbox(client, alice, runtime, settings)

    assert [item["event"] for item in items] == ["goal_reached"]
    assert await notification_rows(runtime) == 1


async def test_a_replayed_entry_does_not_tell_the_goal_again(client, alice, runtime, settings):
    habit = await pages_habit(client, alice)
    url = f"{API}/habits/{habit['id']}/entries"
    headers = alice.auth | {"Idempotency-Key": "steps-1"}
    first = await client.post(url, json={"value": 11}, headers=headers)
    replay = await client.post(url, json={"value": 11}, headers=headers)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.headers["Idempotent-Replayed"] == "true"

    items = await inbox(client, alice, runtime, settings)

    assert [item["event"] for item in items] == ["goal_reached"]
    assert await notification_rows(runtime) == 1


async def test_meeting_a_weekly_target_notifies_target_met_once(client, alice, runtime, settings):
    habit = await create_habit(
        client, alice, name="Gym", frequency="weekly", times_per_period=3, start_date=START
    )
    for day in ("2026-06-15", "2026-06-16"):  # Monday and Tuesday of this week
        await check_in(client, alice, habit, day)
    assert await notification_rows(runtime) == 0

    await check_in(client, alice, habit, "2026-06-17")  # the third day: the target is met
    await check_in(client, alice, habit, "2026-06-18")  # a fourth day tells nothing new

    items = await inbox(client, alice, runtime, settings)
    assert [item["event"] for item in items] == ["target_met"]
    assert items[0]["title"] == "Target met: Gym"
    assert items[0]["data"] == {
        "habit_id": habit["id"],
        "period_start": "2026-06-15",
        "period_end": "2026-06-21",
    }
    assert await notification_rows(runtime) == 1


async def test_a_seven_day_streak_notifies_one_streak_milestone(client, alice, runtime, settings):
    habit = await create_habit(client, alice, name="Walk", start_date=START)
    for days_ago in range(6, 0, -1):
        await check_in(client, alice, habit, (TODAY - timedelta(days=days_ago)).isoformat())
    assert await notification_rows(runtime) == 0

    await check_in(client, alice, habit)  # today: the seventh day in a row
    await check_in(client, alice, habit, note="again")  # the same streak, told once

    items = await inbox(client, alice, runtime, settings)
    assert [item["event"] for item in items] == ["streak_milestone"]
    assert items[0]["title"] == "7 days in a row: Walk"
    assert items[0]["data"] == {
        "habit_id": habit["id"],
        "length": 7,
        "unit": "days",
        "start": "2026-06-12",
        "end": "2026-06-18",
    }
    assert await notification_rows(runtime, "streak_milestone") == 1
    assert await notification_rows(runtime) == 1


async def test_a_rolled_back_check_in_leaves_no_notification_behind(client, alice, runtime):
    habit = await pages_habit(client, alice)
    async with runtime.database.reader() as session:
        user = await session.get(User, alice.id)
    assert user is not None

    async def check_in_then_fail(uow: UnitOfWork) -> None:
        body = CheckinWrite(status=Status.done, value=12)
        await checkin_service.put(uow, user, habit["id"], TODAY, body)
        told = await (await uow.connection()).fetchrow("SELECT count(*) FROM notifications")
        assert told is not None
        assert told[0] == 1  # the event was written, in this transaction
        raise RuntimeError("the request failed after the check-in")

    with pytest.raises(RuntimeError, match="failed after the check-in"):
        await runtime.database.write(check_in_then_fail)

    assert await notification_rows(runtime) == 0
    assert await delivery_rows(runtime) == 0
