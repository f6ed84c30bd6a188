"""Many writers on one habit-day: the unique index decides, and nobody sees a 5xx."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from habitual.models import Checkin
from tests.factories import API, create_habit


async def test_fifty_concurrent_check_ins_of_one_day_leave_one_row_created_once(
    client, accounts, runtime, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(datetime(2026, 6, 15, 12, 0, tzinfo=UTC))
    habit = await create_habit(client, alice, start_date="2026-06-01")
    url = f"{API}/habits/{habit['id']}/checkins/2026-06-15"

    responses = await asyncio.gather(
        *(
            client.put(url, json={"status": "done", "note": f"try {number}"}, headers=alice.auth)
            for number in range(50)
        )
    )

    statuses = [response.status_code for response in responses]
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(201) == 1
    assert statuses.count(200) == 49
    async with runtime.database.reader() as session:
        rows = await session.execute(
            select(func.count()).select_from(Checkin).where(Checkin.habit_id == habit["id"])
        )
        assert rows.scalar_one() == 1
