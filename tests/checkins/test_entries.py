"""POST /habits/{id}/entries: additions to a measurable habit's day, and Idempotency-Key."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import API, CHECKIN_FIELDS, PROBLEM_JSON, create_habit

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = "2026-06-15"


def entries_url(habit: dict[str, Any]) -> str:
    return f"{API}/habits/{habit['id']}/entries"


async def day_value(client, owner, habit: dict[str, Any], day: str) -> float | None:
    response = await client.get(
        f"{API}/habits/{habit['id']}/checkins", params={"from": day, "to": day}, headers=owner.auth
    )
    assert response.status_code == 200, response.text
    checkins = response.json()
    assert len(checkins) <= 1
    return checkins[0]["value"] if checkins else None


async def steps_habit(client, owner, start_date: str = "2026-06-01") -> dict[str, Any]:
    return await create_habit(
        client, owner, kind="measurable", goal_value=10, unit="glasses", start_date=start_date
    )


@pytest.fixture
async def alice(accounts, frozen_clock):
    account = await accounts.create()
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    return account


async def test_an_entry_starts_the_days_total_and_answers_the_check_in(client, alice):
    habit = await steps_habit(client, alice)
    response = await client.post(entries_url(habit), json={"value": 4}, headers=alice.auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CHECKIN_FIELDS
    assert body["date"] == TODAY
    assert body["status"] == "done"
    assert body["value"] == 4
    assert body["met"] is False


async def test_an_entry_adds_to_the_days_existing_value(client, alice):
    habit = await steps_habit(client, alice)
    await client.put(
        f"{API}/habits/{habit['id']}/checkins/{TODAY}",
        json={"status": "done", "value": 3},
        headers=alice.auth,
    )
    response = await client.post(entries_url(habit), json={"value": 2.5}, headers=alice.auth)
    assert response.status_code == 201, response.text
    assert response.json()["value"] == 5.5


async def test_several_entries_accumulate_until_the_goal_is_met(client, alice):
    habit = await steps_habit(client, alice)
    for value in (3, 3, 4):
        response = await client.post(entries_url(habit), json={"value": value}, headers=alice.auth)
        assert response.status_code == 201, response.text
    assert response.json()["value"] == 10
    assert response.json()["met"] is True
    assert await day_value(client, alice, habit, TODAY) == 10


@pytest.mark.parametrize("with_keys", [False, True], ids=["no-key", "distinct-keys"])
async def test_concurrent_entries_all_count(client, alice, with_keys):
    habit = await steps_habit(client, alice)

    async def add(number: int):
        headers = alice.auth | ({"Idempotency-Key": f"entry-{number}"} if with_keys else {})
        return await client.post(entries_url(habit), json={"value": 1}, headers=headers)

    responses = await asyncio.gather(*(add(number) for number in range(20)))
    assert [response.status_code for response in responses] == [201] * 20
    assert await day_value(client, alice, habit, TODAY) == 20


async def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(client, alice):
    habit = await steps_habit(client, alice)
    headers = alice.auth | {"Idempotency-Key": "sync-42"}
    first = await client.post(entries_url(habit), json={"value": 4}, headers=headers)
    again = await client.post(entries_url(habit), json={"value": 4}, headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


async def test_a_retry_with_the_same_key_and_body_counts_once(client, alice):
    habit = await steps_habit(client, alice)
    headers = alice.auth | {"Idempotency-Key": "sync-42"}
    for _ in range(3):
        await client.post(entries_url(habit), json={"value": 4}, headers=headers)
    assert await day_value(client, alice, habit, TODAY) == 4


async def test_the_same_key_with_another_body_is_refused(client, alice):
    habit = await steps_habit(client, alice)
    headers = alice.auth | {"Idempotency-Key": "sync-42"}
    await client.post(entries_url(habit), json={"value": 4}, headers=headers)
    response = await client.post(entries_url(habit), json={"value": 5}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert [issue["loc"] for issue in response.json()["errors"]] == [["header", "Idempotency-Key"]]
    assert await day_value(client, alice, habit, TODAY) == 4


async def test_the_same_key_for_another_habit_is_refused(client, alice):
    first, second = await steps_habit(client, alice), await steps_habit(client, alice)
    headers = alice.auth | {"Idempotency-Key": "sync-42"}
    await client.post(entries_url(first), json={"value": 4}, headers=headers)
    response = await client.post(entries_url(second), json={"value": 4}, headers=headers)
    assert response.status_code == 422
    assert await day_value(client, alice, second, TODAY) is None


async def test_idempotency_keys_belong_to_one_user(client, accounts, frozen_clock):
    alice, bob = await accounts.create(), await accounts.create()
    frozen_clock(NOW)
    alice_habit, bob_habit = await steps_habit(client, alice), await steps_habit(client, bob)
    for owner, habit in ((alice, alice_habit), (bob, bob_habit)):
        response = await client.post(
            entries_url(habit), json={"value": 4}, headers=owner.auth | {"Idempotency-Key": "k1"}
        )
        assert response.status_code == 201, response.text
        assert "Idempotent-Replayed" not in response.headers
    assert await day_value(client, alice, alice_habit, TODAY) == 4
    assert await day_value(client, bob, bob_habit, TODAY) == 4


async def test_concurrent_requests_with_the_same_key_add_once(client, alice):
    habit = await steps_habit(client, alice)
    headers = alice.auth | {"Idempotency-Key": "burst"}
    responses = await asyncio.gather(
        *(client.post(entries_url(habit), json={"value": 3}, headers=headers) for _ in range(10))
    )
    assert [response.status_code for response in responses] == [201] * 10
    originals = [r for r in responses if r.headers.get("Idempotent-Replayed") != "true"]
    assert len(originals) == 1
    assert all(response.json() == originals[0].json() for response in responses)
    assert await day_value(client, alice, habit, TODAY) == 3


async def test_an_entry_for_a_yes_no_habit_is_refused(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-01")
    response = await client.post(entries_url(habit), json={"value": 1}, headers=alice.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize("value", [0, -1])
async def test_an_entry_must_add_something(client, alice, value):
    habit = await steps_habit(client, alice)
    response = await client.post(entries_url(habit), json={"value": value}, headers=alice.auth)
    assert response.status_code == 422
    assert ["body", "value"] in [issue["loc"] for issue in response.json()["errors"]]


async def test_an_entry_recorded_in_the_future_is_refused(client, alice):
    habit = await steps_habit(client, alice)
    later = (NOW + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    response = await client.post(
        entries_url(habit), json={"value": 1, "recorded_at": later}, headers=alice.auth
    )
    assert response.status_code == 422
    assert [issue["loc"] for issue in response.json()["errors"]] == [["body", "recorded_at"]]
    assert await day_value(client, alice, habit, TODAY) is None


async def test_an_entry_recorded_before_the_habits_start_is_refused(client, alice):
    habit = await steps_habit(client, alice, start_date=TODAY)
    response = await client.post(
        entries_url(habit),
        json={"value": 1, "recorded_at": "2026-06-14T12:00:00Z"},
        headers=alice.auth,
    )
    assert response.status_code == 422
    assert [issue["loc"] for issue in response.json()["errors"]] == [["body", "recorded_at"]]


async def test_an_entry_without_a_zone_in_recorded_at_is_refused(client, alice):
    habit = await steps_habit(client, alice)
    response = await client.post(
        entries_url(habit),
        json={"value": 1, "recorded_at": "2026-06-15T10:00:00"},
        headers=alice.auth,
    )
    assert response.status_code == 422


async def test_recorded_at_decides_the_day_in_the_users_zone(client, accounts, frozen_clock):
    new_yorker = await accounts.create(timezone="America/New_York")
    frozen_clock(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    habit = await steps_habit(client, new_yorker, start_date="2026-03-01")
    response = await client.post(
        entries_url(habit),
        json={"value": 2, "recorded_at": "2026-03-08T04:30:00Z"},  # 2026-03-07 23:30 in New York
        headers=new_yorker.auth,
    )
    assert response.status_code == 201, response.text
    assert response.json()["date"] == "2026-03-07"
    assert await day_value(client, new_yorker, habit, "2026-03-07") == 2
    assert await day_value(client, new_yorker, habit, "2026-03-08") is None


async def test_an_entry_recorded_at_the_dawn_of_the_calendar_is_refused(client, alice):
    habit = await steps_habit(client, alice)
    response = await client.post(
        entries_url(habit),
        json={"value": 1, "recorded_at": "0001-01-01T00:00:00+14:00"},  # year 0 in UTC
        headers=alice.auth,
    )
    assert response.status_code == 422
    assert [issue["loc"] for issue in response.json()["errors"]] == [["body", "recorded_at"]]


async def test_a_key_whose_request_failed_can_be_used_again(client, alice):
    habit = await steps_habit(client, alice)
    headers = alice.auth | {"Idempotency-Key": "retry-me"}
    refused = await client.post(
        entries_url(habit),
        json={"value": 1, "recorded_at": "2026-05-01T12:00:00Z"},
        headers=headers,
    )
    assert refused.status_code == 422
    response = await client.post(entries_url(habit), json={"value": 1}, headers=headers)
    assert response.status_code == 201, response.text
    assert "Idempotent-Replayed" not in response.headers
