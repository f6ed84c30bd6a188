"""Whether this period is met: /today, the reminder worker and the target_met event agree.

Each day of a period is judged by the rule in force on that day, so a goal raised in the middle
of a week leaves the days before the change met by the old goal, wherever it is asked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from habitual.jobs.worker import Worker
from habitual.models import Notification
from habitual.runtime import Runtime
from tests.factories import API, create_habit


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def check_in(client, owner, habit: dict[str, Any], day: str, value: float) -> None:
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/{day}",
        json={"status": "done", "value": value},
        headers=owner.auth,
    )
    assert response.status_code in (200, 201), response.text


async def events(runtime: Runtime, event: str) -> list[dict[str, Any]]:
    """The data of every notification of `event` written, delivered or not."""
    async with runtime.database.reader() as session:
        rows = await session.execute(
            select(Notification.data).where(Notification.event == event).order_by(Notification.id)
        )
        return [dict(data) for data in rows.scalars()]


async def reminders_written(runtime: Runtime) -> int:
    async with runtime.database.reader() as session:
        statement = select(func.count()).where(Notification.event == "reminder")
        count: int = (await session.execute(statement)).scalar_one()
    return count


async def test_a_goal_raised_mid_week_is_judged_alike_by_today_the_reminder_and_the_event(
    client, accounts, runtime, settings, frozen_clock
):
    owner = await accounts.create()  # UTC, weeks from Monday
    frozen_clock(utc("2026-06-15T08:00:00"))  # Monday
    habit = await create_habit(
        client,
        owner,
        name="Run",
        kind="measurable",
        goal_value=5,
        unit="km",
        frequency="weekly",
        times_per_period=2,
        start_date="2026-06-01",
    )
    await check_in(client, owner, habit, "2026-06-15", 6)  # meets Monday's goal of 5

    frozen_clock(utc("2026-06-17T08:00:00"))  # Wednesday: the goal is raised to 10 from today
    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"goal_value": 10}, headers=owner.auth
    )
    assert response.status_code == 200, response.text
    await check_in(client, owner, habit, "2026-06-17", 6)  # below the new goal: not met

    frozen_clock(utc("2026-06-18T08:00:00"))  # Thursday
    response = await client.post(
        f"{API}/reminders", json={"habit_id": habit["id"], "time": "20:00"}, headers=owner.auth
    )
    assert response.status_code == 201, response.text
    assert await events(runtime, "target_met") == []
    await check_in(client, owner, habit, "2026-06-18", 11)  # the week's second met day

    response = await client.get(f"{API}/today", headers=owner.auth)
    assert response.status_code == 200, response.text
    [today] = [item for item in response.json()["habits"] if item["id"] == habit["id"]]
    assert today["period"] == {
        "start": "2026-06-15",
        "end": "2026-06-21",
        "done": 2,
        "target": 2,
        "remaining": 0,
    }
    assert (today["met"], today["progress"]) == (True, 1.0)

    assert await events(runtime, "target_met") == [
        {"habit_id": habit["id"], "period_start": "2026-06-15", "period_end": "2026-06-21"}
    ]

    evening = utc("2026-06-18T20:00:00")
    frozen_clock(evening)
    async with Worker(runtime.database, settings, clock=lambda: evening) as worker:
        assert await worker.fire_due_reminders() == 1  # claimed and moved on, not told
    assert await reminders_written(runtime) == 0
