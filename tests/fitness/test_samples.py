"""Fitness samples in: dedup, versions, days, sources, goals and their one notification."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from habitual.models import Notification
from tests.factories import API

SAMPLES = f"{API}/fitness/samples"
DAILY = f"{API}/fitness/daily"


def steps(value: float, start: str, source: str = "phone", **extra: Any) -> dict[str, Any]:
    return {"metric": "steps", "value": value, "start": start, "source": source, **extra}


async def post(client, account, *samples: Any) -> dict[str, Any]:
    response = await client.post(SAMPLES, json={"samples": list(samples)}, headers=account.auth)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def daily(client, account, metric: str, first: str, last: str) -> list[dict[str, Any]]:
    response = await client.get(
        DAILY, params={"metric": metric, "from": first, "to": last}, headers=account.auth
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_resent_batch_adds_nothing(client, accounts):
    alice = await accounts.create()
    batch = [steps(1000, "2026-03-01T09:00:00+00:00"), steps(500, "2026-03-01T10:00:00+00:00")]

    first = await post(client, alice, *batch)
    again = await post(client, alice, *batch)

    assert first == {"accepted": 2, "updated": 0, "duplicates": 0, "rejected": []}
    assert again == {"accepted": 0, "updated": 0, "duplicates": 2, "rejected": []}
    [day] = await daily(client, alice, "steps", "2026-03-01", "2026-03-01")
    assert day["value"] == 1500


async def test_a_higher_version_replaces_and_a_lower_one_is_a_duplicate(client, accounts):
    alice = await accounts.create()
    start = "2026-03-01T09:00:00+00:00"
    await post(client, alice, steps(1000, start, external_id="w1", version=1))

    replaced = await post(client, alice, steps(1200, start, external_id="w1", version=2))
    older = await post(client, alice, steps(9999, start, external_id="w1", version=1))
    same = await post(client, alice, steps(9999, start, external_id="w1", version=2))

    assert (replaced["updated"], older["duplicates"], same["duplicates"]) == (1, 1, 1)
    [day] = await daily(client, alice, "steps", "2026-03-01", "2026-03-01")
    assert day["value"] == 1200
    assert day["by_source"] == {"phone": 1200}


async def test_a_replacement_that_moves_to_another_day_leaves_the_old_day(client, accounts):
    alice = await accounts.create()
    await post(client, alice, steps(1000, "2026-03-01T09:00:00Z", external_id="w1"))

    await post(client, alice, steps(800, "2026-03-02T09:00:00Z", external_id="w1", version=1))

    days = await daily(client, alice, "steps", "2026-03-01", "2026-03-02")
    assert [(d["date"], d["value"]) for d in days] == [("2026-03-02", 800)]


async def test_bad_samples_are_rejected_and_good_ones_stored(client, accounts):
    alice = await accounts.create()
    result = await post(
        client,
        alice,
        steps(100, "2026-03-01T09:00:00Z"),
        steps(100, "2026-03-01T09:00:00"),  # no offset
        {"metric": "floors", "value": 3, "start": "2026-03-01T09:00:00Z", "source": "phone"},
        steps(-5, "2026-03-01T10:00:00Z"),
        "not an object",
    )

    assert result["accepted"] == 1
    assert [r["index"] for r in result["rejected"]] == [1, 2, 3, 4]
    assert result["rejected"][0]["errors"][0]["loc"] == ["start"]
    assert result["rejected"][1]["errors"][0]["loc"] == ["metric"]


async def test_an_empty_or_unknown_shaped_body_is_422(client, accounts):
    alice = await accounts.create()
    bodies: list[dict[str, Any]] = [{"samples": []}, {"samples": [], "user_id": 2}, {}]
    for body in bodies:
        response = await client.post(SAMPLES, json=body, headers=alice.auth)
        assert response.status_code == 422, body


async def test_two_overlapping_sources_take_the_largest_or_the_priority(client, accounts):
    alice = await accounts.create()
    await post(
        client,
        alice,
        steps(6000, "2026-03-01T09:00:00Z", source="watch"),
        steps(4000, "2026-03-01T09:00:00Z", source="phone"),
        steps(3000, "2026-03-01T18:00:00Z", source="phone"),
        steps(2000, "2026-03-02T09:00:00Z", source="phone"),
    )

    largest = await daily(client, alice, "steps", "2026-03-01", "2026-03-02")
    response = await client.put(
        f"{API}/fitness/sources", json={"priority": ["watch", "phone"]}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "priority": ["watch", "phone"],
        "merge": "priority",
        "known": ["phone", "watch"],
    }
    by_priority = await daily(client, alice, "steps", "2026-03-01", "2026-03-02")
    await client.put(f"{API}/fitness/sources", json={"priority": []}, headers=alice.auth)
    back = await daily(client, alice, "steps", "2026-03-01", "2026-03-02")

    assert [d["value"] for d in largest] == [7000, 2000]
    assert largest[0]["by_source"] == {"watch": 6000, "phone": 7000}
    assert [d["value"] for d in by_priority] == [6000, 2000]  # no watch on the 2nd: phone
    assert back == largest


async def test_a_sample_at_half_past_eleven_local_lands_on_its_day_across_dst(client, accounts):
    alice = await accounts.create(timezone="Europe/Berlin")
    # Berlin moved to summer time on 2026-03-29; 23:30 local is 22:30Z before, 21:30Z after.
    await post(
        client,
        alice,
        steps(100, "2026-03-28T23:30:00+01:00"),
        steps(200, "2026-03-29T23:30:00+02:00"),
        steps(400, "2026-03-29T22:10:00Z"),  # 00:10 of the 30th in Berlin
        steps(800, "2026-03-29T21:30:00Z"),  # the second sample's instant: the same sample
    )

    days = await daily(client, alice, "steps", "2026-03-27", "2026-03-31")

    assert [(d["date"], d["value"]) for d in days] == [
        ("2026-03-28", 100),
        ("2026-03-29", 200),
        ("2026-03-30", 400),
    ]


async def test_weight_is_the_days_last_heart_rate_its_average_sleep_its_wake_day(client, accounts):
    alice = await accounts.create()
    await post(
        client,
        alice,
        {"metric": "weight_kg", "value": 71.0, "start": "2026-03-01T20:00:00Z", "source": "s"},
        {"metric": "weight_kg", "value": 70.0, "start": "2026-03-01T07:00:00Z", "source": "s"},
        {
            "metric": "resting_heart_rate",
            "value": 60,
            "start": "2026-03-01T07:00:00Z",
            "source": "w",
        },
        {
            "metric": "resting_heart_rate",
            "value": 64,
            "start": "2026-03-01T19:00:00Z",
            "source": "w",
        },
        {
            "metric": "sleep_minutes",
            "value": 450,
            "start": "2026-03-01T23:00:00Z",
            "end": "2026-03-02T06:30:00Z",
            "source": "w",
        },
    )

    weight = await daily(client, alice, "weight_kg", "2026-03-01", "2026-03-02")
    heart = await daily(client, alice, "resting_heart_rate", "2026-03-01", "2026-03-02")
    sleep = await daily(client, alice, "sleep_minutes", "2026-03-01", "2026-03-02")

    assert [(d["date"], d["value"]) for d in weight] == [("2026-03-01", 71.0)]
    assert [(d["date"], d["value"]) for d in heart] == [("2026-03-01", 62.0)]
    assert [(d["date"], d["value"]) for d in sleep] == [("2026-03-02", 450)]


async def test_replacing_the_days_last_weight_with_an_earlier_one_finds_the_last_again(
    client, accounts
):
    alice = await accounts.create()
    weigh = {"metric": "weight_kg", "source": "scale"}
    await post(
        client,
        alice,
        weigh | {"value": 70.0, "start": "2026-03-01T07:00:00Z", "external_id": "a"},
        weigh | {"value": 71.0, "start": "2026-03-01T20:00:00Z", "external_id": "b"},
    )

    await post(
        client,
        alice,
        weigh | {"value": 69.0, "start": "2026-03-01T06:00:00Z", "external_id": "b", "version": 1},
    )

    [day] = await daily(client, alice, "weight_kg", "2026-03-01", "2026-03-01")
    assert day["value"] == 70.0


async def test_a_batch_of_ten_thousand_with_some_rejected(client, accounts):
    alice = await accounts.create()
    samples: list[Any] = [
        steps(
            1,
            f"2026-03-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
            external_id=f"phone-sample-{n:08d}",
        )
        for n in range(9990)
    ]
    samples += [steps(1, "2026-03-01T12:00:00")] * 10  # no offset
    # Over the 1 MiB limit of other bodies: this path takes batches of 10,000.
    assert len(json.dumps({"samples": samples})) > 1_048_576

    result = await post(client, alice, *samples)

    assert result["accepted"] == 9990
    assert [r["index"] for r in result["rejected"]] == list(range(9990, 10000))
    [day] = await daily(client, alice, "steps", "2026-03-01", "2026-03-01")
    assert day["value"] == 9990


async def test_more_than_ten_thousand_samples_is_422(client, accounts):
    alice = await accounts.create()
    body = {"samples": [steps(1, "2026-03-01T09:00:00Z")] * 10_001}
    response = await client.post(SAMPLES, json=body, headers=alice.auth)
    assert response.status_code == 422


async def test_post_fitness_adds_steps_to_today_from_api(client, accounts, frozen_clock):
    alice = await accounts.create()
    frozen_clock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    for _ in range(2):
        response = await client.post(f"{API}/fitness", json={"steps": 5000}, headers=alice.auth)
        assert response.status_code == 200, response.text
    frozen_clock(datetime(2026, 3, 1, 12, 1, tzinfo=UTC))
    await client.post(f"{API}/fitness", json={"steps": 1000}, headers=alice.auth)

    [day] = await daily(client, alice, "steps", "2026-03-01", "2026-03-01")
    # The same instant twice is the same sample: a retry counts once.
    assert day["by_source"] == {"api": 6000}


async def goal_notifications(runtime, user_id: int) -> int:
    async with runtime.database.reader() as session:
        rows = await session.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.event == "fitness_goal_reached")
        )
        count: int = rows.scalar_one()
        return count


async def test_reaching_a_goal_tells_once(client, accounts, runtime):
    alice = await accounts.create()
    response = await client.put(
        f"{API}/fitness/goals/steps", json={"daily_target": 10000}, headers=alice.auth
    )
    assert response.json() == {"metric": "steps", "daily_target": 10000}

    await post(client, alice, steps(6000, "2026-03-01T09:00:00Z"))
    assert await goal_notifications(runtime, alice.id) == 0
    await post(client, alice, steps(5000, "2026-03-01T12:00:00Z"))
    await post(client, alice, steps(1000, "2026-03-01T13:00:00Z"))
    await post(client, alice, steps(5000, "2026-03-01T12:00:00Z"))

    assert await goal_notifications(runtime, alice.id) == 1
    [day] = await daily(client, alice, "steps", "2026-03-01", "2026-03-01")
    assert (day["goal"], day["met"]) == (10000, True)


async def test_twenty_concurrent_batches_earn_one_notification(client, accounts, runtime):
    alice = await accounts.create()
    await client.put(f"{API}/fitness/goals/steps", json={"daily_target": 100}, headers=alice.auth)
    batches = [
        [steps(10, f"2026-03-01T10:{n:02d}:{m:02d}Z", source=f"s{n}") for m in range(20)]
        for n in range(20)
    ]

    results = await asyncio.gather(
        *(client.post(SAMPLES, json={"samples": b}, headers=alice.auth) for b in batches)
    )

    assert [r.status_code for r in results] == [200] * 20
    assert await goal_notifications(runtime, alice.id) == 1
    [day] = await daily(client, alice, "steps", "2026-03-01", "2026-03-01")
    assert len(day["by_source"]) == 20


async def test_goals_are_listed_and_deleted(client, accounts):
    alice = await accounts.create()
    await client.put(f"{API}/fitness/goals/steps", json={"daily_target": 8000}, headers=alice.auth)

    listed = await client.get(f"{API}/fitness/goals", headers=alice.auth)
    deleted = await client.delete(f"{API}/fitness/goals/steps", headers=alice.auth)
    again = await client.delete(f"{API}/fitness/goals/steps", headers=alice.auth)

    assert listed.json() == [{"metric": "steps", "daily_target": 8000}]
    assert (deleted.status_code, again.status_code) == (204, 404)


async def test_summary_counts_goal_days_and_runs(client, accounts, frozen_clock):
    alice = await accounts.create()
    await client.put(f"{API}/fitness/goals/steps", json={"daily_target": 100}, headers=alice.auth)
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    for day, value in ((1, 150), (2, 120), (3, 50), (5, 100), (6, 300), (9, 100)):
        await post(client, alice, steps(value, f"2026-03-{day:02d}T09:00:00Z"))

    response = await client.get(
        f"{API}/fitness/summary",
        params={"metric": "steps", "from": "2026-03-01", "to": "2026-03-10"},
        headers=alice.auth,
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "metric": "steps",
        "from": "2026-03-01",
        "to": "2026-03-10",
        "days": 6,
        "total": 820,
        "daily_average": 820 / 6,
        "best_day": {"date": "2026-03-06", "value": 300},
        "goal": 100,
        "days_met": 5,
        "current_run": 1,
        "longest_run": 2,
    }


async def test_a_range_backwards_or_too_long_is_422(client, accounts):
    alice = await accounts.create()
    for params in (
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"from": "2000-01-01", "to": "2026-01-01"},
    ):
        response = await client.get(DAILY, params={"metric": "steps", **params}, headers=alice.auth)
        assert response.status_code == 422, params
    response = await client.get(DAILY, params={"metric": "floors"}, headers=alice.auth)
    assert response.status_code == 422


async def test_another_users_samples_are_not_seen(client, accounts):
    alice, bob = await accounts.create(), await accounts.create()
    await post(client, alice, steps(1000, "2026-03-01T09:00:00Z"))

    assert await daily(client, bob, "steps", "2026-03-01", "2026-03-01") == []
    result = await post(client, bob, steps(1000, "2026-03-01T09:00:00Z"))
    assert result["accepted"] == 1


async def test_registration_takes_fitness_goals(client, accounts):
    alice = await accounts.create(fitness_goals={"steps": 10000, "sleep_minutes": 420})

    response = await client.get(f"{API}/fitness/goals", headers=alice.auth)

    assert response.json() == [
        {"metric": "sleep_minutes", "daily_target": 420},
        {"metric": "steps", "daily_target": 10000},
    ]


async def test_registration_refuses_unknown_fitness_metrics(client):
    body = {"username": "carol", "email": "carol@example.com", "password": "a long password"}
    response = await client.post(
        f"{API}/auth/register", json=body | {"fitness_goals": {"floors": 10}}
    )
    assert response.status_code == 422
