"""Back-filling a habit's history: check-ins through the API, or many rows at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import httpx

from habitual.models import Checkin
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
    """Done check-ins written straight to the database: for histories of hundreds of days."""
    async with runtime.database.writer() as session, session.begin():
        session.add_all(
            Checkin(habit_id=habit_id, user_id=owner.id, local_date=local_date, status="done")
            for local_date in days
        )


async def get_json(client: httpx.AsyncClient, owner: Account, path: str, **params: Any) -> Any:
    response = await client.get(f"{API}{path}", params=params, headers=owner.auth)
    assert response.status_code == 200, response.text
    return response.json()
