"""GET /habits/{id}/stats: completions, due and met periods, streaks, totals and the series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import API, PROBLEM_JSON, create_habit
from tests.stats.backfill import TODAY, check_in, day, get_json, insert_done


def streak(length: int, start: str | None, end: str | None) -> dict[str, Any]:
    return {"length": length, "start": start, "end": end}


def bucket(start: str, completions: int, due: int, met: int) -> dict[str, Any]:
    return {
        "start": start,
        "completions": completions,
        "due": due,
        "met": met,
        "rate": met / due if due else None,
    }


@pytest.fixture
async def reading(client, alice) -> dict[str, Any]:
    """A daily habit over the ten days 06-08 (a Monday) to today, 06-17: 8 done, 1 skipped
    (06-10) and 1 missed (06-15)."""
    habit = await create_habit(client, alice, name="Read", start_date="2026-06-08")
    for done in ["06-08", "06-09", "06-11", "06-12", "06-13", "06-14", "06-16", "06-17"]:
        await check_in(client, alice, habit, f"2026-{done}")
    await check_in(client, alice, habit, "2026-06-10", "skipped")
    return habit


async def test_default_range_runs_from_the_start_to_today(client, alice, reading):
    stats = await get_json(client, alice, f"/habits/{reading['id']}/stats")

    assert stats["habit_id"] == reading["id"]
    assert (stats["from"], stats["to"]) == ("2026-06-08", "2026-06-17")
    assert stats["completed"] == 8
    assert stats["due"] == 9  # the skipped day is neither met nor missed
    assert stats["met"] == 8
    assert stats["success_rate"] == pytest.approx(8 / 9)
    assert stats["streak_unit"] == "days"


async def test_streaks_step_over_skips_and_stop_at_a_miss(client, alice, reading):
    stats = await get_json(client, alice, f"/habits/{reading['id']}/stats")

    # 06-08, 06-09, (06-10 skipped), 06-11 .. 06-14: six met days; then 06-15 missed.
    assert stats["longest_streak"] == streak(6, "2026-06-08", "2026-06-14")
    assert stats["current_streak"] == streak(2, "2026-06-16", "2026-06-17")


async def test_yes_no_habit_has_no_totals_and_a_score_between_0_and_1(client, alice, reading):
    stats = await get_json(client, alice, f"/habits/{reading['id']}/stats")

    assert stats["total_value"] is None
    assert stats["average_value"] is None
    assert 0 < stats["score"] <= 1


async def test_weekly_and_monthly_series_add_up_to_the_totals(client, alice, reading):
    stats = await get_json(client, alice, f"/habits/{reading['id']}/stats")

    assert stats["by_week"] == [
        bucket("2026-06-08", completions=6, due=6, met=6),
        bucket("2026-06-15", completions=2, due=3, met=2),
    ]
    assert stats["by_month"] == [bucket("2026-06-01", completions=8, due=9, met=8)]
    for series in (stats["by_week"], stats["by_month"]):
        assert sum(item["completions"] for item in series) == stats["completed"]
        assert sum(item["due"] for item in series) == stats["due"]
        assert sum(item["met"] for item in series) == stats["met"]


async def test_a_range_counts_only_its_own_days(client, alice, reading):
    stats = await get_json(
        client,
        alice,
        f"/habits/{reading['id']}/stats",
        **{"from": "2026-06-11", "to": "2026-06-15"},
    )

    assert (stats["from"], stats["to"]) == ("2026-06-11", "2026-06-15")
    assert (stats["completed"], stats["due"], stats["met"]) == (4, 5, 4)
    assert stats["success_rate"] == pytest.approx(4 / 5)
    # Streaks look at the whole history, whatever the range.
    assert stats["current_streak"] == streak(2, "2026-06-16", "2026-06-17")
    assert stats["by_week"] == [
        bucket("2026-06-08", completions=4, due=4, met=4),
        bucket("2026-06-15", completions=0, due=1, met=0),
    ]


async def test_days_before_the_start_and_after_today_never_count(client, alice, reading):
    whole = await get_json(client, alice, f"/habits/{reading['id']}/stats")

    wider = await get_json(
        client,
        alice,
        f"/habits/{reading['id']}/stats",
        **{"from": "2026-05-01", "to": "2026-08-31"},
    )

    assert (wider["from"], wider["to"]) == ("2026-06-08", "2026-06-17")
    assert wider == whole


async def test_a_range_wholly_in_the_future_has_nothing_due(client, alice, reading):
    stats = await get_json(
        client,
        alice,
        f"/habits/{reading['id']}/stats",
        **{"from": "2026-07-01", "to": "2026-07-31"},
    )

    assert (stats["completed"], stats["due"], stats["met"]) == (0, 0, 0)
    assert stats["success_rate"] is None
    assert stats["by_week"] == stats["by_month"] == []
    assert stats["current_streak"] == streak(2, "2026-06-16", "2026-06-17")


async def test_a_range_wholly_before_the_start_has_nothing_due(client, alice, reading):
    stats = await get_json(
        client,
        alice,
        f"/habits/{reading['id']}/stats",
        **{"from": "2026-01-01", "to": "2026-01-31"},
    )

    assert (stats["completed"], stats["due"], stats["met"]) == (0, 0, 0)
    assert stats["success_rate"] is None
    assert stats["score"] == 0
    assert stats["by_week"] == stats["by_month"] == []


async def test_a_habit_that_starts_tomorrow_has_nothing_due_yet(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-18")

    stats = await get_json(client, alice, f"/habits/{habit['id']}/stats")

    assert (stats["completed"], stats["due"], stats["met"]) == (0, 0, 0)
    assert stats["success_rate"] is None
    assert stats["current_streak"] == stats["longest_streak"] == streak(0, None, None)


async def test_only_to_before_the_start_gives_an_empty_range_not_a_422(client, alice, reading):
    stats = await get_json(client, alice, f"/habits/{reading['id']}/stats", to="2026-06-01")

    assert (stats["completed"], stats["due"], stats["met"]) == (0, 0, 0)
    assert stats["success_rate"] is None


async def test_today_counts_once_it_is_met_and_not_before(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-16")
    await check_in(client, alice, habit, "2026-06-16")

    before = await get_json(client, alice, f"/habits/{habit['id']}/stats")
    await check_in(client, alice, habit, "today")
    after = await get_json(client, alice, f"/habits/{habit['id']}/stats")

    assert (before["due"], before["met"], before["current_streak"]["length"]) == (1, 1, 1)
    assert (after["due"], after["met"], after["current_streak"]["length"]) == (2, 2, 2)


async def test_from_after_to_is_422(client, alice, reading):
    response = await client.get(
        f"{API}/habits/{reading['id']}/stats",
        params={"from": "2026-06-12", "to": "2026-06-11"},
        headers=alice.auth,
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert ["query", "from"] in [error["loc"] for error in response.json()["errors"]]


@pytest.mark.parametrize("params", [{"from": "0001-01-01"}, {"to": "9999-12-31"}])
async def test_dates_far_from_the_calendar_are_422(client, alice, reading, params):
    response = await client.get(
        f"{API}/habits/{reading['id']}/stats", params=params, headers=alice.auth
    )

    assert response.status_code == 422
    assert [["query", name] for name in params] == [
        error["loc"] for error in response.json()["errors"]
    ]


async def test_another_users_habit_is_not_found(client, alice, bob):
    theirs = await create_habit(client, bob)

    response = await client.get(f"{API}/habits/{theirs['id']}/stats", headers=alice.auth)

    assert response.status_code == 404


async def test_weekly_habit_counts_streaks_in_weeks(client, alice):
    # Weeks from Monday 05-25: met (2 of 2), missed (1 of 2), met, and this week met already.
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=2, start_date="2026-05-25"
    )
    for done in ["05-25", "05-27", "06-03", "06-09", "06-12", "06-15", "06-16"]:
        await check_in(client, alice, habit, f"2026-{done}")

    stats = await get_json(client, alice, f"/habits/{habit['id']}/stats")

    assert stats["streak_unit"] == "weeks"
    assert (stats["completed"], stats["due"], stats["met"]) == (7, 4, 3)
    assert stats["success_rate"] == pytest.approx(3 / 4)
    assert stats["current_streak"] == streak(2, "2026-06-08", "2026-06-21")
    assert stats["longest_streak"] == streak(2, "2026-06-08", "2026-06-21")
    assert stats["by_week"] == [
        bucket("2026-05-25", completions=2, due=1, met=1),
        bucket("2026-06-01", completions=1, due=1, met=0),
        bucket("2026-06-08", completions=2, due=1, met=1),
        bucket("2026-06-15", completions=2, due=1, met=1),
    ]
    assert stats["by_month"] == [
        bucket("2026-05-01", completions=2, due=1, met=1),
        bucket("2026-06-01", completions=5, due=3, met=2),
    ]


SUNDAY_NOON = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)  # the last day of the week of 06-15


@pytest.mark.parametrize("params", [{}, {"from": "2026-06-08", "to": "2026-06-21"}])
async def test_the_open_week_is_not_missed_on_its_last_day(client, alice, frozen_clock, params):
    # Three times a week from Monday 06-08: that week met; this week 1 of 3 by Sunday, today.
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=3, start_date="2026-06-08"
    )
    for done in ["06-08", "06-10", "06-12", "06-16"]:
        await check_in(client, alice, habit, f"2026-{done}")
    frozen_clock(SUNDAY_NOON)

    stats = await get_json(client, alice, f"/habits/{habit['id']}/stats", **params)

    assert (stats["completed"], stats["due"], stats["met"]) == (4, 1, 1)
    assert stats["success_rate"] == 1.0
    assert stats["current_streak"] == streak(1, "2026-06-08", "2026-06-14")
    assert stats["by_week"] == [
        bucket("2026-06-08", completions=3, due=1, met=1),
        bucket("2026-06-15", completions=1, due=0, met=0),
    ]


async def test_weekly_habit_is_not_due_in_the_week_it_started_midway(client, alice):
    # Started on Wednesday 06-10: the first whole week is 06-15, still open and not met.
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=3, start_date="2026-06-10"
    )
    await check_in(client, alice, habit, "2026-06-11")

    stats = await get_json(client, alice, f"/habits/{habit['id']}/stats")

    assert (stats["completed"], stats["due"], stats["met"]) == (1, 0, 0)
    assert stats["success_rate"] is None


async def test_monthly_habit_counts_streaks_in_months(client, alice):
    # March met, April missed, May met, June met already.
    habit = await create_habit(client, alice, frequency="monthly", start_date="2026-03-01")
    for done in ["2026-03-10", "2026-05-05", "2026-06-02"]:
        await check_in(client, alice, habit, done)

    stats = await get_json(client, alice, f"/habits/{habit['id']}/stats")

    assert stats["streak_unit"] == "months"
    assert (stats["completed"], stats["due"], stats["met"]) == (3, 4, 3)
    assert stats["current_streak"] == streak(2, "2026-05-01", "2026-06-30")
    assert stats["longest_streak"] == streak(2, "2026-05-01", "2026-06-30")
    assert [item["start"] for item in stats["by_month"]] == [
        "2026-03-01",
        "2026-04-01",
        "2026-05-01",
        "2026-06-01",
    ]
    assert [item["rate"] for item in stats["by_month"]] == [1.0, 0.0, 1.0, 1.0]


async def test_measurable_habit_totals_and_averages_its_values(client, alice):
    habit = await create_habit(
        client,
        alice,
        kind="measurable",
        goal_value=10_000,
        unit="steps",
        start_date="2026-06-14",
    )
    await check_in(client, alice, habit, "2026-06-14", value=12_000)
    await check_in(client, alice, habit, "2026-06-15", value=5_000)  # done, short of the goal
    await check_in(client, alice, habit, "2026-06-16", value=10_000)

    stats = await get_json(client, alice, f"/habits/{habit['id']}/stats")

    assert stats["completed"] == 3
    assert stats["total_value"] == 27_000
    assert stats["average_value"] == 9_000
    # 06-15 fell short (missed); today has no check-in yet (pending, not counted).
    assert (stats["due"], stats["met"]) == (3, 2)
    assert stats["current_streak"] == streak(1, "2026-06-16", "2026-06-16")
    assert stats["longest_streak"] == streak(1, "2026-06-16", "2026-06-16")


async def test_measurable_habit_without_values_totals_zero(client, alice):
    habit = await create_habit(
        client, alice, kind="measurable", goal_value=8, unit="glasses", start_date="2026-06-16"
    )

    stats = await get_json(client, alice, f"/habits/{habit['id']}/stats")

    assert stats["total_value"] == 0
    assert stats["average_value"] is None


async def test_a_year_of_history_adds_up(client, runtime, alice):
    # 365 days up to today; every tenth day (index 9, 19, .., 359) missed: 36 misses.
    start = TODAY - timedelta(days=364)
    habit = await create_habit(client, alice, start_date=start.isoformat())
    await insert_done(
        runtime, alice, habit["id"], (start + timedelta(days=n) for n in range(365) if n % 10 != 9)
    )

    stats = await get_json(client, alice, f"/habits/{habit['id']}/stats")

    assert (stats["completed"], stats["due"], stats["met"]) == (329, 365, 329)
    assert stats["current_streak"] == streak(5, str(start + timedelta(days=360)), str(TODAY))
    # Runs of nine; the latest of equal runs is the longest.
    assert stats["longest_streak"] == streak(
        9, str(start + timedelta(days=350)), str(start + timedelta(days=358))
    )
    assert len(stats["by_month"]) == 13
    assert stats["by_month"][0]["start"] == day("2025-06-01").isoformat()
    for series in (stats["by_week"], stats["by_month"]):
        assert sum(item["completions"] for item in series) == 329
        assert sum(item["due"] for item in series) == 365
        assert sum(item["met"] for item in series) == 329
