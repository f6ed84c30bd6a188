"""GET /stats: totals across the active habits, the best streak, consistency and weekdays."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import API, PROBLEM_JSON, create_habit
from tests.stats.backfill import check_in, get_json

NO_DAYS = {
    "monday": 0,
    "tuesday": 0,
    "wednesday": 0,
    "thursday": 0,
    "friday": 0,
    "saturday": 0,
    "sunday": 0,
}


@pytest.fixture
async def habits(client, alice, bob) -> dict[str, dict[str, Any]]:
    """Three active habits and an archived one, with check-ins from Saturday 06-13 to today.

    Read (daily from 06-13): done every day, a streak of 5.
    Walk (daily from 06-14): Sunday done, Monday missed, Tuesday skipped, Wednesday done.
    Swim (3 times a week from Monday 06-15): one so far; the week is open, nothing due yet.
    """
    read = await create_habit(client, alice, name="Read", start_date="2026-06-13")
    for done in ["06-13", "06-14", "06-15", "06-16", "06-17"]:
        await check_in(client, alice, read, f"2026-{done}")
    walk = await create_habit(client, alice, name="Walk", start_date="2026-06-14")
    await check_in(client, alice, walk, "2026-06-14")
    await check_in(client, alice, walk, "2026-06-16", "skipped")
    await check_in(client, alice, walk, "2026-06-17")
    swim = await create_habit(
        client, alice, name="Swim", frequency="weekly", times_per_period=3, start_date="2026-06-15"
    )
    await check_in(client, alice, swim, "2026-06-15")
    old = await create_habit(client, alice, name="Old", start_date="2026-06-01")
    for done in ["06-10", "06-11", "06-12", "06-13", "06-14", "06-15", "06-16"]:
        await check_in(client, alice, old, f"2026-{done}")
    response = await client.patch(
        f"{API}/habits/{old['id']}", json={"archived": True}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    theirs = await create_habit(client, bob, start_date="2026-06-01")
    await check_in(client, bob, theirs, "2026-06-17")
    return {"read": read, "walk": walk, "swim": swim}


async def test_default_is_the_last_30_days_across_the_active_habits(client, alice, habits):
    summary = await get_json(client, alice, "/stats")

    assert (summary["from"], summary["to"]) == ("2026-05-19", "2026-06-17")
    assert summary["habits"] == 3
    assert summary["completed"] == 5 + 2 + 1
    assert summary["due"] == 5 + 3 + 0
    assert summary["met"] == 5 + 2 + 0
    assert summary["success_rate"] == pytest.approx(7 / 8)


async def test_best_current_streak_and_the_most_and_least_consistent(client, alice, habits):
    summary = await get_json(client, alice, "/stats")

    read, walk = habits["read"], habits["walk"]
    assert summary["best_current_streak"] == {
        "habit_id": read["id"],
        "name": "Read",
        "length": 5,
        "unit": "days",
    }
    assert summary["most_consistent"] == {
        "habit_id": read["id"],
        "name": "Read",
        "success_rate": 1.0,
    }
    # Swim had nothing due yet: it has no rate, so it is neither most nor least consistent.
    assert summary["least_consistent"] == {
        "habit_id": walk["id"],
        "name": "Walk",
        "success_rate": pytest.approx(2 / 3),
    }


async def test_done_check_ins_are_counted_per_weekday(client, alice, habits):
    summary = await get_json(client, alice, "/stats")

    by_weekday = summary["completions_by_weekday"]
    assert list(by_weekday) == list(NO_DAYS)
    # Read: Sat, Sun, Mon, Tue, Wed; Walk: Sun, Wed (Tuesday was skipped); Swim: Mon.
    assert by_weekday == NO_DAYS | {
        "monday": 2,
        "tuesday": 1,
        "wednesday": 2,
        "saturday": 1,
        "sunday": 2,
    }
    assert sum(by_weekday.values()) == summary["completed"]


async def test_a_range_counts_only_its_own_days(client, alice, habits):
    summary = await get_json(client, alice, "/stats", **{"from": "2026-06-15", "to": "2026-06-16"})

    assert (summary["from"], summary["to"]) == ("2026-06-15", "2026-06-16")
    # Read: met twice; Walk: Monday missed, Tuesday skipped; Swim: done Monday, not due.
    assert (summary["completed"], summary["due"], summary["met"]) == (3, 3, 2)
    assert summary["success_rate"] == pytest.approx(2 / 3)
    assert summary["completions_by_weekday"] == NO_DAYS | {"monday": 2, "tuesday": 1}
    assert summary["least_consistent"]["name"] == "Walk"
    assert summary["least_consistent"]["success_rate"] == 0.0
    # Streaks look at the whole history, whatever the range.
    assert summary["best_current_streak"]["length"] == 5


async def test_a_user_without_habits_gets_zeros_and_nulls(client, alice):
    summary = await get_json(client, alice, "/stats")

    assert summary == {
        "from": "2026-05-19",
        "to": "2026-06-17",
        "habits": 0,
        "completed": 0,
        "due": 0,
        "met": 0,
        "success_rate": None,
        "best_current_streak": None,
        "most_consistent": None,
        "least_consistent": None,
        "completions_by_weekday": NO_DAYS,
    }


async def test_no_best_streak_while_no_habit_has_one(client, alice):
    await create_habit(client, alice, start_date="2026-06-15")  # two misses, today open

    summary = await get_json(client, alice, "/stats")

    assert summary["best_current_streak"] is None
    assert summary["success_rate"] == 0.0


async def test_best_streak_of_a_weekly_habit_is_in_weeks(client, alice):
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=1, start_date="2026-06-01"
    )
    for done in ["2026-06-02", "2026-06-10"]:
        await check_in(client, alice, habit, done)

    summary = await get_json(client, alice, "/stats")

    assert summary["best_current_streak"] == {
        "habit_id": habit["id"],
        "name": habit["name"],
        "length": 2,
        "unit": "weeks",
    }


async def test_from_after_to_is_422(client, alice):
    response = await client.get(
        f"{API}/stats", params={"from": "2026-06-12", "to": "2026-06-11"}, headers=alice.auth
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert ["query", "from"] in [error["loc"] for error in response.json()["errors"]]


async def test_a_default_range_before_year_1_is_422_not_an_overflow(client, alice):
    response = await client.get(f"{API}/stats", params={"to": "0001-01-03"}, headers=alice.auth)

    assert response.status_code == 422
    assert ["query", "to"] in [error["loc"] for error in response.json()["errors"]]
