"""Racing writers on one habit's goal: one goal opened, one achievement told."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from habitual.models import Goal, Notification
from tests.factories import API, create_habit

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


async def test_racing_goal_creations_open_one_goal_and_the_rest_are_409(
    client, accounts, runtime, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(client, alice, start_date="2026-06-01")
    url = f"{API}/habits/{habit['id']}/goals"

    responses = await asyncio.gather(
        *(client.post(url, json={"target": 10 + n}, headers=alice.auth) for n in range(10))
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 9
    async with runtime.database.reader() as session:
        count = await session.execute(select(func.count()).select_from(Goal))
        assert count.scalar_one() == 1


async def test_racing_check_ins_that_together_reach_a_goal_achieve_it_once(
    client, accounts, runtime, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(client, alice, start_date="2026-06-01")
    goal = await client.post(
        f"{API}/habits/{habit['id']}/goals",
        json={"target": 5, "start_date": "2026-06-01"},
        headers=alice.auth,
    )
    assert goal.status_code == 201, goal.text

    responses = await asyncio.gather(
        *(
            client.put(
                f"{API}/habits/{habit['id']}/checkins/2026-06-{day:02d}",
                json={"status": "done"},
                headers=alice.auth,
            )
            for day in range(1, 11)
        )
    )

    assert [response.status_code for response in responses] == [201] * 10
    read = await client.get(
        f"{API}/habits/{habit['id']}/goals/{goal.json()['id']}", headers=alice.auth
    )
    assert read.json()["status"] == "achieved"
    assert read.json()["achieved_on"] == "2026-06-15"
    async with runtime.database.reader() as session:
        told = await session.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.event == "goal_achieved")
        )
        assert told.scalar_one() == 1
