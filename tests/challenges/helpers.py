"""Factories for the challenge tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import API, Account

CHALLENGES = f"{API}/challenges"


async def create_challenge(
    client: httpx.AsyncClient, owner: Account, **fields: Any
) -> dict[str, Any]:
    body = {
        "name": "June reading",
        "start_date": "2026-06-01",
        "end_date": "2026-06-30",
        "frequency": "daily",
    } | fields
    response = await client.post(CHALLENGES, json=body, headers=owner.auth)
    assert response.status_code == 201, response.text
    challenge: dict[str, Any] = response.json()
    return challenge


async def join(
    client: httpx.AsyncClient, user: Account, challenge: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(f"{CHALLENGES}/{challenge['id']}/join", json=body, headers=user.auth)


async def check_in(
    client: httpx.AsyncClient, user: Account, habit_id: int, day: str, **body: Any
) -> None:
    response = await client.put(
        f"{API}/habits/{habit_id}/checkins/{day}",
        json={"status": "done"} | body,
        headers=user.auth,
    )
    assert response.status_code in (200, 201), response.text


async def standings(
    client: httpx.AsyncClient, user: Account, challenge: dict[str, Any], **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"{CHALLENGES}/{challenge['id']}/standings", params=params, headers=user.auth
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
