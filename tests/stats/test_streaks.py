"""GET /streaks: the current and longest streak of every active habit, in its own unit."""

from __future__ import annotations

from typing import Any

from tests.factories import API, create_habit
from tests.stats.backfill import check_in, get_json


def streak(length: int, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    return {"length": length, "start": start, "end": end}


async def test_each_active_habit_has_its_current_and_longest_streak(client, alice, bob):
    # Read: 06-05 .. 06-09 met, 06-10 missed, 06-11 skipped, 06-12 .. 06-16 met, today open.
    read = await create_habit(client, alice, name="Read", start_date="2026-06-05")
    for done in ["06-05", "06-06", "06-07", "06-08", "06-09", "06-13", "06-14", "06-15"]:
        await check_in(client, alice, read, f"2026-{done}")
    await check_in(client, alice, read, "2026-06-11", "skipped")
    await check_in(client, alice, read, "2026-06-12")
    await check_in(client, alice, read, "2026-06-16")
    # Gym: twice a week from Monday 06-01; both whole weeks met, this one not yet.
    gym = await create_habit(
        client, alice, name="Gym", frequency="weekly", times_per_period=2, start_date="2026-06-01"
    )
    for done in ["06-01", "06-03", "06-09", "06-10", "06-15"]:
        await check_in(client, alice, gym, f"2026-{done}")
    # Budget: monthly from March; March missed, April and May met, June not yet.
    budget = await create_habit(
        client, alice, name="Budget", frequency="monthly", start_date="2026-03-01"
    )
    for done in ["2026-04-30", "2026-05-01"]:
        await check_in(client, alice, budget, done)
    fresh = await create_habit(client, alice, name="Fresh")
    old = await create_habit(client, alice, name="Old", start_date="2026-06-01")
    await check_in(client, alice, old, "2026-06-16")
    await client.patch(f"{API}/habits/{old['id']}", json={"archived": True}, headers=alice.auth)
    await create_habit(client, bob, name="Bob's")

    streaks = await get_json(client, alice, "/streaks")

    assert streaks == [
        {
            "habit_id": read["id"],
            "name": "Read",
            "unit": "days",
            "current": streak(5, "2026-06-12", "2026-06-16"),
            "longest": streak(5, "2026-06-12", "2026-06-16"),  # the latest of equal runs
        },
        {
            "habit_id": gym["id"],
            "name": "Gym",
            "unit": "weeks",
            "current": streak(2, "2026-06-01", "2026-06-14"),
            "longest": streak(2, "2026-06-01", "2026-06-14"),
        },
        {
            "habit_id": budget["id"],
            "name": "Budget",
            "unit": "months",
            "current": streak(2, "2026-04-01", "2026-05-31"),
            "longest": streak(2, "2026-04-01", "2026-05-31"),
        },
        {
            "habit_id": fresh["id"],
            "name": "Fresh",
            "unit": "days",
            "current": streak(0),
            "longest": streak(0),
        },
    ]


async def test_a_miss_ends_the_current_streak_but_not_the_longest(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-10")
    for done in ["06-10", "06-11", "06-12", "06-13", "06-15", "06-16", "06-17"]:
        await check_in(client, alice, habit, f"2026-{done}")

    [streaks] = await get_json(client, alice, "/streaks")

    assert streaks["current"] == streak(3, "2026-06-15", "2026-06-17")
    assert streaks["longest"] == streak(4, "2026-06-10", "2026-06-13")


async def test_every_n_days_counts_in_days(client, alice):
    # Every other day from 06-09: 06-09, 06-11, 06-13, 06-15 done; today (06-17) done too.
    habit = await create_habit(
        client, alice, frequency="every_n_days", every_n_days=2, start_date="2026-06-09"
    )
    for done in ["06-09", "06-11", "06-13", "06-15", "06-17"]:
        await check_in(client, alice, habit, f"2026-{done}")

    [streaks] = await get_json(client, alice, "/streaks")

    assert streaks["unit"] == "days"
    assert streaks["current"] == streak(5, "2026-06-09", "2026-06-17")


async def test_a_user_without_habits_has_no_streaks(client, alice):
    assert await get_json(client, alice, "/streaks") == []
