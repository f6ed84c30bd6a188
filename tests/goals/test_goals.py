"""/habits/{id}/goals: creation, validation, the maths by the habit's unit, achievement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from habitual.models import Notification
from habitual.runtime import Runtime
from tests.factories import API, create_habit

# 05:00 UTC on Thursday 18 June is 22:00 on Wednesday 17 June in Los Angeles.
NOW = datetime(2026, 6, 18, 5, 0, tzinfo=UTC)
TODAY = date(2026, 6, 17)
ZONE = "America/Los_Angeles"
GOAL_FIELDS = {
    "id",
    "habit_id",
    "target",
    "consecutive",
    "start_date",
    "end_date",
    "unit",
    "met",
    "remaining",
    "percent",
    "status",
    "achieved_on",
    "on_track",
    "created_at",
}


@pytest.fixture
async def alice(accounts, client, frozen_clock):
    account = await accounts.create()
    response = await client.patch(f"{API}/users/me", json={"timezone": ZONE}, headers=account.auth)
    assert response.status_code == 200, response.text
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    return account


@pytest.fixture
async def bob(accounts):
    return await accounts.create()


def days_before(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


async def habit_of(client, owner, start: str = "2026-05-01", **fields: Any) -> int:
    habit = await create_habit(client, owner, start_date=start, **fields)
    habit_id: int = habit["id"]
    return habit_id


async def check_in(client, owner, habit_id: int, day: str, status: str = "done") -> None:
    response = await client.put(
        f"{API}/habits/{habit_id}/checkins/{day}", json={"status": status}, headers=owner.auth
    )
    assert response.status_code in (200, 201), response.text


async def post_goal(client, owner, habit_id: int, **body: Any) -> Any:
    return await client.post(f"{API}/habits/{habit_id}/goals", json=body, headers=owner.auth)


async def new_goal(client, owner, habit_id: int, **body: Any) -> dict[str, Any]:
    response = await post_goal(client, owner, habit_id, **body)
    assert response.status_code == 201, response.text
    goal: dict[str, Any] = response.json()
    return goal


async def read_goal(client, owner, habit_id: int, goal_id: int) -> dict[str, Any]:
    response = await client.get(f"{API}/habits/{habit_id}/goals/{goal_id}", headers=owner.auth)
    assert response.status_code == 200, response.text
    goal: dict[str, Any] = response.json()
    return goal


async def goal_notifications(runtime: Runtime) -> int:
    statement = select(func.count()).select_from(Notification)
    async with runtime.database.reader() as session:
        statement = statement.where(Notification.event == "goal_achieved")
        return int((await session.execute(statement)).scalar_one())


async def test_a_goal_starts_today_in_the_owners_time_zone_and_is_open_ended(client, alice):
    habit_id = await habit_of(client, alice)

    goal = await new_goal(client, alice, habit_id, target=30)

    assert set(goal) == GOAL_FIELDS
    assert goal["start_date"] == "2026-06-17"
    assert goal["end_date"] is None
    assert goal["consecutive"] is False
    assert goal["unit"] == "days"
    assert (goal["met"], goal["remaining"], goal["percent"]) == (0, 30, 0)
    assert goal["status"] == "active"
    assert goal["achieved_on"] is None
    assert goal["on_track"] is True


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"target": 0}, "target"),
        ({"target": 3661}, "target"),
        ({"target": "30"}, "target"),
        ({"target": 5, "start_date": "2026-04-30"}, "start_date"),
        ({"target": 5, "start_date": "17/06/2026"}, "start_date"),
        ({"target": 5, "start_date": 1781654400}, "start_date"),
        ({"target": 5, "start_date": "2027-06-19"}, "start_date"),
        ({"target": 5, "start_date": "2026-06-17", "end_date": "2026-06-16"}, "end_date"),
        ({"target": 5, "start_date": "2026-06-01", "end_date": "2026-06-10"}, "end_date"),
        ({"target": 5, "end_date": "2036-12-31"}, "end_date"),
        ({"target": 5, "consecutive": 1}, "consecutive"),
        ({"target": 5, "owner_id": 1}, "owner_id"),
        ({"target": 10, "end_date": "2026-06-20"}, "target"),
    ],
)
async def test_bad_goals_are_422_naming_the_field_and_change_nothing(client, alice, body, loc):
    habit_id = await habit_of(client, alice)

    response = await post_goal(client, alice, habit_id, **body)

    assert response.status_code == 422, response.text
    assert loc in [error["loc"][-1] for error in response.json()["errors"]]
    listed = await client.get(f"{API}/habits/{habit_id}/goals", headers=alice.auth)
    assert listed.json()["total"] == 0


async def test_a_second_active_goal_is_409_and_the_first_stays(client, alice):
    habit_id = await habit_of(client, alice)
    first = await new_goal(client, alice, habit_id, target=30)

    response = await post_goal(client, alice, habit_id, target=10)

    assert response.status_code == 409
    assert (await read_goal(client, alice, habit_id, first["id"]))["status"] == "active"


async def test_abandoning_a_goal_keeps_it_as_history_and_frees_the_habit(client, alice):
    habit_id = await habit_of(client, alice)
    first = await new_goal(client, alice, habit_id, target=30)

    response = await client.delete(
        f"{API}/habits/{habit_id}/goals/{first['id']}", headers=alice.auth
    )
    second = await new_goal(client, alice, habit_id, target=10)

    assert response.status_code == 204
    listed = (await client.get(f"{API}/habits/{habit_id}/goals", headers=alice.auth)).json()
    assert [goal["id"] for goal in listed["items"]] == [second["id"], first["id"]]
    assert [goal["status"] for goal in listed["items"]] == ["active", "abandoned"]
    assert listed["total"] == 2


async def test_goals_are_paginated_newest_first(client, alice, frozen_clock):
    habit_id = await habit_of(client, alice)
    ids = []
    for minute in range(3):
        frozen_clock(NOW + timedelta(minutes=minute))
        goal = await new_goal(client, alice, habit_id, target=5)
        ids.append(goal["id"])
        await client.delete(f"{API}/habits/{habit_id}/goals/{goal['id']}", headers=alice.auth)

    response = await client.get(
        f"{API}/habits/{habit_id}/goals", params={"page": 2, "page_size": 2}, headers=alice.auth
    )

    assert response.json()["total"] == 3
    assert [goal["id"] for goal in response.json()["items"]] == [ids[0]]


async def test_a_count_goal_of_a_daily_habit_counts_met_local_days(client, alice):
    habit_id = await habit_of(client, alice)
    for n in (1, 2, 4):
        await check_in(client, alice, habit_id, days_before(n))
    await check_in(client, alice, habit_id, days_before(3), "skipped")

    goal = await new_goal(client, alice, habit_id, target=5, start_date=days_before(5))

    assert (goal["met"], goal["remaining"], goal["percent"]) == (3, 2, 60)
    assert goal["status"] == "active"


async def test_a_consecutive_goal_counts_the_current_run(client, alice):
    habit_id = await habit_of(client, alice)
    for n in (6, 5, 2, 1):  # 3 and 4 days ago missed: the run is two
        await check_in(client, alice, habit_id, days_before(n))

    goal = await new_goal(
        client, alice, habit_id, target=3, consecutive=True, start_date=days_before(7)
    )

    assert goal["met"] == 2
    assert goal["status"] == "active"
    await check_in(client, alice, habit_id, "today")
    reached = await read_goal(client, alice, habit_id, goal["id"])
    assert (reached["status"], reached["achieved_on"], reached["met"]) == (
        "achieved",
        "2026-06-17",
        3,
    )


async def test_a_weekly_goal_counts_met_weeks(client, alice):
    # Weeks from Monday: 1, 8 and 15 June; twice a week.
    habit_id = await habit_of(client, alice, frequency="weekly", times_per_period=2)
    for day in ("2026-06-01", "2026-06-02", "2026-06-08", "2026-06-09", "2026-06-15"):
        await check_in(client, alice, habit_id, day)

    goal = await new_goal(client, alice, habit_id, target=4, start_date="2026-06-03")

    assert goal["unit"] == "weeks"
    assert goal["met"] == 2  # this week has one day of two so far
    await check_in(client, alice, habit_id, "today")
    assert (await read_goal(client, alice, habit_id, goal["id"]))["met"] == 3


async def test_a_monthly_goal_counts_met_months(client, alice):
    habit_id = await habit_of(client, alice, frequency="monthly", times_per_period=1)
    await check_in(client, alice, habit_id, "2026-05-20")

    goal = await new_goal(client, alice, habit_id, target=2, start_date="2026-05-01")
    assert (goal["unit"], goal["met"], goal["status"]) == ("months", 1, "active")

    await check_in(client, alice, habit_id, "2026-06-02")

    reached = await read_goal(client, alice, habit_id, goal["id"])
    assert (reached["met"], reached["status"], reached["achieved_on"]) == (
        2,
        "achieved",
        "2026-06-17",
    )


async def test_a_goal_that_can_no_longer_be_reached_has_failed(client, alice, frozen_clock):
    habit_id = await habit_of(client, alice)
    goal = await new_goal(client, alice, habit_id, target=3, end_date="2026-06-19")
    assert goal["status"] == "active"

    frozen_clock(NOW + timedelta(days=1))  # today missed: two days left for three
    failed = await read_goal(client, alice, habit_id, goal["id"])

    assert (failed["status"], failed["on_track"]) == ("failed", False)
    # A failed goal no longer blocks a new one, and is closed as failed.
    await new_goal(client, alice, habit_id, target=1)
    assert (await read_goal(client, alice, habit_id, goal["id"]))["status"] == "failed"


async def test_a_goal_whose_end_passed_unreached_has_failed(client, alice, frozen_clock):
    habit_id = await habit_of(client, alice)
    goal = await new_goal(client, alice, habit_id, target=1, end_date="2026-06-18")

    frozen_clock(NOW + timedelta(days=2))

    assert (await read_goal(client, alice, habit_id, goal["id"]))["status"] == "failed"


async def test_on_track_follows_the_share_of_the_window_passed(client, alice, frozen_clock):
    habit_id = await habit_of(client, alice)
    goal = await new_goal(client, alice, habit_id, target=5, end_date="2026-06-26")  # 10 days
    await check_in(client, alice, habit_id, "today")

    frozen_clock(NOW + timedelta(days=4))  # 4 of 10 days passed: 2 expected, 1 met
    behind = await read_goal(client, alice, habit_id, goal["id"])
    await check_in(client, alice, habit_id, "2026-06-18")
    caught_up = await read_goal(client, alice, habit_id, goal["id"])

    assert (behind["status"], behind["on_track"]) == ("active", False)
    assert (caught_up["met"], caught_up["on_track"]) == (2, True)


async def test_reaching_a_goal_earns_one_notification_and_stays_achieved(client, alice, runtime):
    habit_id = await habit_of(client, alice)
    await check_in(client, alice, habit_id, days_before(1))
    goal = await new_goal(client, alice, habit_id, target=2, start_date=days_before(1))

    await check_in(client, alice, habit_id, "today")
    await check_in(client, alice, habit_id, "today")  # the same met day again
    await client.delete(f"{API}/habits/{habit_id}/checkins/today", headers=alice.auth)
    await check_in(client, alice, habit_id, "today")

    assert await goal_notifications(runtime) == 1
    await client.delete(f"{API}/habits/{habit_id}/checkins/{days_before(1)}", headers=alice.auth)
    after = await read_goal(client, alice, habit_id, goal["id"])
    assert (after["status"], after["achieved_on"], after["met"]) == ("achieved", "2026-06-17", 1)
    inbox = (await client.get(f"{API}/notifications", headers=alice.auth)).json()["items"]
    assert [item["data"]["goal_id"] for item in inbox if item["event"] == "goal_achieved"] == [
        goal["id"]
    ]


async def test_a_back_fill_that_reaches_a_goal_achieves_it(client, alice, runtime):
    habit_id = await habit_of(client, alice)
    await check_in(client, alice, habit_id, "today")
    goal = await new_goal(client, alice, habit_id, target=2, start_date=days_before(3))

    await check_in(client, alice, habit_id, days_before(2))

    assert (await read_goal(client, alice, habit_id, goal["id"]))["status"] == "achieved"
    assert await goal_notifications(runtime) == 1


async def test_a_goal_created_already_reached_is_achieved_at_once(client, alice, runtime):
    habit_id = await habit_of(client, alice)
    for n in (1, 2):
        await check_in(client, alice, habit_id, days_before(n))

    goal = await new_goal(client, alice, habit_id, target=2, start_date=days_before(2))

    assert (goal["status"], goal["achieved_on"], goal["remaining"]) == ("achieved", "2026-06-17", 0)
    assert await goal_notifications(runtime) == 1
    await new_goal(client, alice, habit_id, target=5)  # an achieved goal is not active


async def test_a_measurable_goal_counts_days_that_reach_the_value(client, alice):
    habit_id = await habit_of(client, alice, kind="measurable", goal_value=10, unit="pages")
    for n, pages in ((1, 12), (2, 5)):
        response = await client.put(
            f"{API}/habits/{habit_id}/checkins/{days_before(n)}",
            json={"status": "done", "value": pages},
            headers=alice.auth,
        )
        assert response.status_code == 201

    goal = await new_goal(client, alice, habit_id, target=3, start_date=days_before(2))

    assert goal["met"] == 1


async def test_a_goal_of_another_users_habit_is_not_found(client, bob, alice):
    habit_id = await habit_of(client, alice)
    goal = await new_goal(client, alice, habit_id, target=3)

    assert (await post_goal(client, bob, habit_id, target=3)).status_code == 404
    seen = await client.get(f"{API}/habits/{habit_id}/goals/{goal['id']}", headers=bob.auth)
    assert seen.status_code == 404
    bob_habit = await habit_of(client, bob)
    crossed = await client.get(f"{API}/habits/{bob_habit}/goals/{goal['id']}", headers=bob.auth)
    assert crossed.status_code == 404


async def test_a_consecutive_weekly_goal_counts_the_current_run_of_weeks(client, alice):
    habit_id = await habit_of(client, alice, frequency="weekly", times_per_period=1)
    for day in ("2026-05-26", "2026-06-09"):  # weeks of 25 May and 8 June; 1 June missed
        await check_in(client, alice, habit_id, day)

    goal = await new_goal(
        client, alice, habit_id, target=3, consecutive=True, start_date="2026-05-25"
    )
    assert (goal["unit"], goal["met"], goal["status"]) == ("weeks", 1, "active")

    await check_in(client, alice, habit_id, "today")  # this week is met: a run of two

    assert (await read_goal(client, alice, habit_id, goal["id"]))["met"] == 2
