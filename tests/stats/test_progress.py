"""GET /progress: each day's status, value, due and met, and each period's outcome."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import API, PROBLEM_JSON, create_habit
from tests.stats.backfill import check_in, get_json

HABIT_PROGRESS_FIELDS = {"id", "name", "frequency", "kind", "unit", "days", "periods"}


def days_of(habit: dict[str, Any]) -> list[tuple[str, str | None, float | None, bool, bool]]:
    """(date, status, value, due, met) for each day."""
    return [
        (item["date"], item["status"], item["value"], item["due"], item["met"])
        for item in habit["days"]
    ]


def periods_of(habit: dict[str, Any]) -> list[tuple[str, str, str, int, int]]:
    """(start, end, outcome, met_days, required) for each period."""
    return [
        (item["start"], item["end"], item["outcome"], item["met_days"], item["required"])
        for item in habit["periods"]
    ]


async def progress_error(client, owner, **params: Any) -> list[list[Any]]:
    response = await client.get(f"{API}/progress", params=params, headers=owner.auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [error["loc"] for error in response.json()["errors"]]


async def test_default_is_the_last_seven_days_of_each_active_habit(client, alice):
    habit = await create_habit(client, alice, name="Read", start_date="2026-06-12")
    await check_in(client, alice, habit, "2026-06-12")
    await check_in(client, alice, habit, "2026-06-13", "skipped")
    await check_in(client, alice, habit, "2026-06-15")

    progress = await get_json(client, alice, "/progress")

    assert (progress["from"], progress["to"]) == ("2026-06-11", "2026-06-17")
    [read] = progress["habits"]
    assert set(read) == HABIT_PROGRESS_FIELDS
    assert (read["id"], read["name"], read["frequency"], read["kind"], read["unit"]) == (
        habit["id"],
        "Read",
        "daily",
        "boolean",
        None,
    )
    assert days_of(read) == [
        ("2026-06-11", None, None, False, False),  # before the start
        ("2026-06-12", "done", None, True, True),
        ("2026-06-13", "skipped", None, True, False),
        ("2026-06-14", None, None, True, False),
        ("2026-06-15", "done", None, True, True),
        ("2026-06-16", None, None, True, False),
        ("2026-06-17", None, None, True, False),  # today, still open
    ]
    assert periods_of(read) == [
        ("2026-06-12", "2026-06-12", "met", 1, 1),
        ("2026-06-13", "2026-06-13", "skipped", 0, 1),
        ("2026-06-14", "2026-06-14", "missed", 0, 1),
        ("2026-06-15", "2026-06-15", "met", 1, 1),
        ("2026-06-16", "2026-06-16", "missed", 0, 1),
        ("2026-06-17", "2026-06-17", "pending", 0, 1),
    ]


async def test_days_off_a_habits_target_days_are_not_due(client, alice):
    habit = await create_habit(
        client, alice, target_days=["monday", "wednesday", "friday"], start_date="2026-06-08"
    )
    await check_in(client, alice, habit, "2026-06-12")  # Friday
    await check_in(client, alice, habit, "2026-06-13")  # Saturday: done, though not asked for

    [progress] = (await get_json(client, alice, "/progress"))["habits"]

    assert [(item["date"], item["due"], item["met"]) for item in progress["days"]] == [
        ("2026-06-11", False, False),
        ("2026-06-12", True, True),
        ("2026-06-13", False, True),
        ("2026-06-14", False, False),
        ("2026-06-15", True, False),
        ("2026-06-16", False, False),
        ("2026-06-17", True, False),
    ]
    assert [(start, outcome) for start, _, outcome, _, _ in periods_of(progress)] == [
        ("2026-06-12", "met"),
        ("2026-06-15", "missed"),
        ("2026-06-17", "pending"),
    ]


async def test_a_week_that_began_before_from_still_decides_its_days(client, alice):
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=2, start_date="2026-06-01"
    )
    for done in ["2026-06-09", "2026-06-12", "2026-06-16"]:  # 06-09 lies before `from`
        await check_in(client, alice, habit, done)

    progress = await get_json(client, alice, "/progress", **{"from": "2026-06-10"})

    [weekly] = progress["habits"]
    assert (progress["from"], progress["to"]) == ("2026-06-10", "2026-06-17")
    assert periods_of(weekly) == [
        ("2026-06-08", "2026-06-14", "met", 2, 2),
        ("2026-06-15", "2026-06-21", "pending", 1, 2),
    ]
    assert [
        (item["date"], item["status"], item["due"], item["met"]) for item in weekly["days"]
    ] == [
        ("2026-06-10", None, True, False),
        ("2026-06-11", None, True, False),
        ("2026-06-12", "done", True, True),
        ("2026-06-13", None, True, False),
        ("2026-06-14", None, True, False),
        ("2026-06-15", None, True, False),
        ("2026-06-16", "done", True, True),
        ("2026-06-17", None, True, False),
    ]


async def test_measurable_days_carry_their_values_and_meet_by_the_goal(client, alice):
    habit = await create_habit(
        client,
        alice,
        name="Walk",
        kind="measurable",
        goal_value=10_000,
        unit="steps",
        start_date="2026-06-15",
    )
    await check_in(client, alice, habit, "2026-06-15", value=12_000)
    await check_in(client, alice, habit, "2026-06-16", value=4_000)

    progress = await get_json(client, alice, "/progress", **{"from": "2026-06-15"})

    [walk] = progress["habits"]
    assert (walk["kind"], walk["unit"]) == ("measurable", "steps")
    assert days_of(walk) == [
        ("2026-06-15", "done", 12_000, True, True),
        ("2026-06-16", "done", 4_000, True, False),
        ("2026-06-17", None, None, True, False),
    ]
    assert [outcome for _, _, outcome, _, _ in periods_of(walk)] == ["met", "missed", "pending"]


async def test_days_after_today_are_listed_but_never_due(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-16")
    await check_in(client, alice, habit, "2026-06-16")

    progress = await get_json(
        client, alice, "/progress", **{"from": "2026-06-16", "to": "2026-06-19"}
    )

    [item] = progress["habits"]
    assert (progress["from"], progress["to"]) == ("2026-06-16", "2026-06-19")
    assert [(day["date"], day["due"], day["met"]) for day in item["days"]] == [
        ("2026-06-16", True, True),
        ("2026-06-17", True, False),
        ("2026-06-18", False, False),
        ("2026-06-19", False, False),
    ]
    assert [start for start, *_ in periods_of(item)] == ["2026-06-16", "2026-06-17"]


async def test_habit_filters_by_part_of_the_name_and_leaves_out_archived_ones(client, alice):
    morning = await create_habit(client, alice, name="Morning run")
    await create_habit(client, alice, name="Evening reading")
    five_k = await create_habit(client, alice, name="Run 5k")
    water = await create_habit(client, alice, name="50% more water")
    old = await create_habit(client, alice, name="Old run")
    archived = await client.patch(
        f"{API}/habits/{old['id']}", json={"archived": True}, headers=alice.auth
    )
    assert archived.status_code == 200, archived.text

    runs = await get_json(client, alice, "/progress", habit="RUN")
    percent = await get_json(client, alice, "/progress", habit="%")
    everything = await get_json(client, alice, "/progress")

    assert [item["id"] for item in runs["habits"]] == [morning["id"], five_k["id"]]
    assert [item["id"] for item in percent["habits"]] == [water["id"]]
    assert old["id"] not in [item["id"] for item in everything["habits"]]
    assert len(everything["habits"]) == 4


async def test_habit_id_picks_one_habit_even_an_archived_one(client, alice):
    await create_habit(client, alice, name="Read")
    old = await create_habit(client, alice, name="Old")
    await client.patch(f"{API}/habits/{old['id']}", json={"archived": True}, headers=alice.auth)

    progress = await get_json(client, alice, "/progress", habit_id=old["id"])

    assert [item["name"] for item in progress["habits"]] == ["Old"]


async def test_habit_id_of_another_user_is_not_found(client, alice, bob):
    theirs = await create_habit(client, bob)

    response = await client.get(
        f"{API}/progress", params={"habit_id": theirs["id"]}, headers=alice.auth
    )
    missing = await client.get(f"{API}/progress", params={"habit_id": 987_654}, headers=alice.auth)

    assert response.status_code == missing.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_another_users_habits_are_not_listed(client, alice, bob):
    await create_habit(client, bob, name="Bob's")

    progress = await get_json(client, alice, "/progress")

    assert progress["habits"] == []


async def test_from_after_to_is_422(client, alice):
    locations = await progress_error(client, alice, **{"from": "2026-06-12", "to": "2026-06-11"})

    assert ["query", "from"] in locations


async def test_a_range_is_at_most_366_days(client, alice):
    await create_habit(client, alice, start_date="2025-06-01")

    longest = await get_json(
        client, alice, "/progress", **{"from": "2025-06-17", "to": "2026-06-17"}
    )
    locations = await progress_error(client, alice, **{"from": "2025-06-16", "to": "2026-06-17"})

    [habit] = longest["habits"]
    assert len(habit["days"]) == 366
    assert ["query", "from"] in locations


async def test_only_to_ends_the_default_week_there(client, alice):
    progress = await get_json(client, alice, "/progress", to="2026-06-03")

    assert (progress["from"], progress["to"]) == ("2026-05-28", "2026-06-03")


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0001-01-01", "to": "0001-01-05"},  # a week before `from` is before year 1
        {"from": "9999-12-25", "to": "9999-12-31"},  # the day after `to` is after year 9999
        {"to": "0001-01-03"},
        {"to": "0"},  # not a Unix timestamp
        {"from": "2026-6-1"},
    ],
    ids=["year 1", "year 9999", "default week before year 1", "a number", "no leading zeros"],
)
async def test_dates_must_be_iso_and_near_enough_to_never_overflow(client, alice, params):
    locations = await progress_error(client, alice, **params)

    assert [["query", name] for name in params] == locations


async def test_a_nul_character_in_the_name_filter_is_422(client, alice):
    locations = await progress_error(client, alice, habit="a\x00b")

    assert ["query", "habit"] in locations
