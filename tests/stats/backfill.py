"""Back-filling a habit's history: check-ins through the API, or many rows at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import update

from habitual.models import Checkin, Habit
from habitual.runtime import Runtime
from tests.factories import API, Account

NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)  # Wednesday; users live in UTC
TODAY = date(2026, 6, 17)


def day(text: str) -> date:
    return date.fromisoformat(text)


async def check_in(
    client: httpx.AsyncClient,
    owner: Account,
    habit: dict[str, Any],
    local_date: str,
    status: str = "done",
    value: float | None = None,
) -> None:
    body: dict[str, Any] = {"status": status}
    if value is not None:
        body["value"] = value
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/{local_date}", json=body, headers=owner.auth
    )
    assert response.status_code == 201, response.text


async def insert_done(
    runtime: Runtime, owner: Account, habit_id: int, days: Iterable[date]
) -> None:
    """Done check-ins written straight to the database: for histories of hundreds of days.

    Like every writer of past check-ins, it outdates the habit's stats carry.
    """
    async with runtime.database.writer() as session, session.begin():
        session.add_all(
            Checkin(habit_id=habit_id, user_id=owner.id, local_date=local_date, status="done")
            for local_date in days
        )
        await session.execute(
            update(Habit)
            .where(Habit.id == habit_id)
            .values(history_version=Habit.history_version + 1, updated_at=Habit.updated_at)
        )


async def get_json(client: httpx.AsyncClient, owner: Account, path: str, **params: Any) -> Any:
    response = await client.get(f"{API}{path}", params=params, headers=owner.auth)
    assert response.status_code == 200, response.text
    return response.json()
