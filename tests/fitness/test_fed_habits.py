"""Habits fed by data: a measurable habit with `data_source` takes each day's fitness value as a
device check-in, kept in step with the samples; a manual check-in wins and stays."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from habitual.checkins.repository import CheckinRepository
from habitual.models import Notification
from tests.factories import API, create_habit
from tests.fitness.test_samples import post, steps

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


async def fed_habit(client, account, metric: str = "steps", **fields: Any) -> dict[str, Any]:
    body = {
        "kind": "measurable",
        "goal_value": 10000,
        "unit": "steps",
        "start_date": "2026-03-01",
        "data_source": {"metric": metric},
    }
    return await create_habit(client, account, **(body | fields))


async def days(client, account, habit: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """The habit's check-ins: date -> (value, origin, met)."""
    response = await client.get(f"{API}/habits/{habit['id']}/checkins", headers=account.auth)
    assert response.status_code == 200, response.text
    return {c["date"]: (c["value"], c["origin"], c["met"]) for c in response.json()}


async def notices(runtime, user_id: int, event: str) -> list[dict[str, Any]]:
    async with runtime.database.reader() as session:
        rows = await session.scalars(
            select(Notification.data).where(
                Notification.user_id == user_id, Notification.event == event
            )
        )
        return [dict(data) for data in rows]


async def test_a_fed_habit_takes_each_days_merged_value_and_its_stats_follow(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)

    await post(
        client,
        alice,
        steps(12000, "2026-03-01T09:00:00Z"),
        steps(4000, "2026-03-02T09:00:00Z"),
        steps(11000, "2026-03-03T09:00:00Z", source="phone"),
        steps(9000, "2026-03-03T09:05:00Z", source="watch"),  # the same walk: the largest counts
        steps(10500, "2026-03-04T09:00:00Z"),
    )

    assert habit["data_source"] == {"metric": "steps"}
    assert await days(client, alice, habit) == {
        "2026-03-01": (12000, "device", True),
        "2026-03-02": (4000, "device", False),
        "2026-03-03": (11000, "device", True),
        "2026-03-04": (10500, "device", True),
    }
    stats = await client.get(
        f"{API}/habits/{habit['id']}/stats",
        params={"from": "2026-03-01", "to": "2026-03-05"},
        headers=alice.auth,
    )
    body = stats.json()
    assert (body["current_streak"]["length"], body["longest_streak"]["length"]) == (2, 2)
    assert body["total_value"] == 12000 + 4000 + 11000 + 10500


async def test_a_manual_check_in_wins_and_stays(client, accounts, frozen_clock):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)
    url = f"{API}/habits/{habit['id']}/checkins"
    await post(client, alice, steps(4000, "2026-03-02T09:00:00Z"))
    await client.put(f"{url}/2026-03-01", json={"status": "skipped"}, headers=alice.auth)

    replaced = await client.put(
        f"{url}/2026-03-02", json={"status": "done", "value": 10000}, headers=alice.auth
    )
    await post(
        client,
        alice,
        steps(3000, "2026-03-01T10:00:00Z"),
        steps(2000, "2026-03-02T10:00:00Z"),
        steps(500, "2026-03-03T10:00:00Z"),
    )

    assert (replaced.status_code, replaced.json()["origin"]) == (200, "manual")
    assert await days(client, alice, habit) == {
        "2026-03-01": (None, "manual", False),
        "2026-03-02": (10000, "manual", True),
        "2026-03-03": (500, "device", False),
    }


async def test_an_entry_on_a_fed_day_makes_it_manual(client, accounts, frozen_clock):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)
    await post(client, alice, steps(4000, "2026-03-05T09:00:00Z"))

    entry = await client.post(
        f"{API}/habits/{habit['id']}/entries", json={"value": 500}, headers=alice.auth
    )
    await post(client, alice, steps(8000, "2026-03-05T10:00:00Z"))

    assert (entry.json()["value"], entry.json()["origin"]) == (4500, "manual")
    assert (await days(client, alice, habit))["2026-03-05"] == (4500, "manual", False)


async def test_replaced_and_moved_samples_change_and_remove_device_days(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)
    await post(client, alice, steps(12000, "2026-03-01T09:00:00Z", external_id="a", version=1))
    await post(client, alice, steps(3000, "2026-03-02T09:00:00Z", external_id="b", version=1))

    await post(client, alice, steps(9000, "2026-03-01T09:00:00Z", external_id="a", version=2))
    await post(client, alice, steps(3000, "2026-03-04T09:00:00Z", external_id="b", version=2))

    assert await days(client, alice, habit) == {
        "2026-03-01": (9000, "device", False),
        "2026-03-04": (3000, "device", False),
    }


async def test_a_habit_given_a_data_source_is_filled_from_the_data_there_is(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    await post(
        client,
        alice,
        steps(12000, "2026-02-27T09:00:00Z"),  # before the habit starts: not its day
        steps(12000, "2026-03-01T09:00:00Z"),
        steps(7000, "2026-03-03T09:00:00Z"),
        {"metric": "distance_m", "value": 5000, "start": "2026-03-02T09:00:00Z", "source": "w"},
    )
    habit = await fed_habit(client, alice)
    assert await days(client, alice, habit) == {
        "2026-03-01": (12000, "device", True),
        "2026-03-03": (7000, "device", False),
    }

    moved = await client.patch(
        f"{API}/habits/{habit['id']}",
        json={"data_source": {"metric": "distance_m"}, "goal_value": 4000},
        headers=alice.auth,
    )
    assert moved.json()["data_source"] == {"metric": "distance_m"}
    # The new goal holds from today on: 2 March is judged by the goal it had then.
    assert await days(client, alice, habit) == {"2026-03-02": (5000, "device", False)}

    stopped = await client.patch(
        f"{API}/habits/{habit['id']}", json={"data_source": None}, headers=alice.auth
    )
    await post(client, alice, steps(1, "2026-03-04T09:00:00Z"))
    await post(
        client,
        alice,
        {"metric": "distance_m", "value": 9, "start": "2026-03-04T09:00:00Z", "source": "w"},
    )
    assert stopped.json()["data_source"] is None
    # The days it filled stay: turning the feed off rewrites no history.
    assert await days(client, alice, habit) == {"2026-03-02": (5000, "device", False)}


async def test_an_order_of_sources_refills_the_days(client, accounts, frozen_clock):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)
    await post(
        client,
        alice,
        steps(11000, "2026-03-03T09:00:00Z", source="phone"),
        steps(9000, "2026-03-03T09:05:00Z", source="watch"),
    )

    response = await client.put(
        f"{API}/fitness/sources", json={"priority": ["watch", "phone"]}, headers=alice.auth
    )

    assert response.status_code == 200, response.text
    assert await days(client, alice, habit) == {"2026-03-03": (9000, "device", False)}


async def test_a_fed_day_is_the_local_day_of_the_sample(client, accounts, frozen_clock):
    alice = await accounts.create(timezone="America/New_York")
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)

    # 22:30 in New York on 2 March is 03:30 UTC on the 3rd.
    await post(client, alice, steps(12000, "2026-03-03T03:30:00Z"))

    assert await days(client, alice, habit) == {"2026-03-02": (12000, "device", True)}


async def test_live_device_days_earn_events_and_old_ones_are_filled_quietly(
    client, accounts, runtime, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    habit = await fed_habit(client, alice)

    await post(client, alice, steps(12000, "2026-03-02T09:00:00Z"))  # 18 days ago
    await post(client, alice, steps(12000, "2026-03-19T09:00:00Z"))  # yesterday
    await post(client, alice, steps(13000, "2026-03-19T10:00:00Z"))  # still met: nothing new

    reached = await notices(runtime, alice.id, "goal_reached")
    assert [(n["habit_id"], n["date"]) for n in reached] == [(habit["id"], "2026-03-19")]


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"kind": "boolean", "goal_value": None, "unit": None}, ["body", "data_source"]),
        ({"data_source": {"metric": "heartbeats"}}, ["body", "data_source", "metric"]),
        ({"data_source": {"metric": "steps", "scale": 2}}, ["body", "data_source", "scale"]),
        ({"data_source": {}}, ["body", "data_source", "metric"]),
    ],
)
async def test_a_bad_data_source_is_a_422_and_creates_nothing(client, accounts, fields, loc):
    alice = await accounts.create()
    body = {
        "name": "Walk",
        "kind": "measurable",
        "goal_value": 10000,
        "unit": "steps",
        "data_source": {"metric": "steps"},
    }
    body = {key: value for key, value in (body | fields).items() if value is not None}

    response = await client.post(f"{API}/habits", json=body, headers=alice.auth)

    assert response.status_code == 422, response.text
    assert loc in [error["loc"] for error in response.json()["errors"]]
    assert (await client.get(f"{API}/habits", headers=alice.auth)).json()["total"] == 0


async def test_a_yes_no_habit_cannot_be_given_a_data_source(client, accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice)

    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"data_source": {"metric": "steps"}}, headers=alice.auth
    )

    assert response.status_code == 422, response.text
    after = await client.get(f"{API}/habits/{habit['id']}", headers=alice.auth)
    assert after.json()["data_source"] is None


async def test_only_the_owners_data_feeds_a_habit(client, accounts, frozen_clock):
    alice, bob = await accounts.create(), await accounts.create()
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)

    await post(client, bob, steps(12000, "2026-03-01T09:00:00Z"))

    assert await days(client, alice, habit) == {}


async def test_concurrent_samples_and_manual_check_ins_leave_the_manual_day(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)
    url = f"{API}/habits/{habit['id']}/checkins/2026-03-04"

    responses = await asyncio.gather(
        *(
            call
            for n in range(10)
            for call in (
                client.post(
                    f"{API}/fitness/samples",
                    json={"samples": [steps(100 + n, f"2026-03-04T09:{n:02d}:00Z")]},
                    headers=alice.auth,
                ),
                client.put(url, json={"status": "done", "value": 777}, headers=alice.auth),
            )
        )
    )
    await post(client, alice, steps(5, "2026-03-04T11:00:00Z"))

    assert all(response.status_code < 300 for response in responses), [
        response.text for response in responses if response.status_code >= 300
    ]
    assert (await days(client, alice, habit))["2026-03-04"] == (777, "manual", False)


async def test_a_device_write_never_replaces_a_manual_day_it_did_not_see(
    client, accounts, runtime, frozen_clock
):
    """The race the service's own look-up cannot close: a manual check-in committed between
    that look-up and the device's write. The upsert's condition keeps the manual day."""
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await fed_habit(client, alice)
    url = f"{API}/habits/{habit['id']}/checkins/2026-03-04"
    await client.put(url, json={"status": "done", "value": 777}, headers=alice.auth)

    async with runtime.database.unit() as uow:
        written = await CheckinRepository(uow).put_device(
            alice.id, habit["id"], date(2026, 3, 4), 5000, now=NOW, today=date(2026, 3, 5)
        )

    assert written is None
    assert (await days(client, alice, habit))["2026-03-04"] == (777, "manual", False)
