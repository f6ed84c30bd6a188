"""Streak milestones over long histories: the first window of 40 periods, widened to 366 when
no miss inside it ends the streak. Histories go in with one SQL statement; the last check-in
goes through the API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import pytest

from habitual.runtime import Runtime
from tests.factories import API, Account, create_habit
from tests.notifications.test_events import (
    NOW,
    TODAY,
    check_in,
    delivery_rows,
    inbox,
    notification_rows,
)

THIS_MONDAY = date(2026, 6, 15)  # TODAY is the Thursday of this week


@pytest.fixture
async def alice(accounts, frozen_clock):
    account = await accounts.create()
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    return account


def days_ago(*numbers: int) -> list[date]:
    return [TODAY - timedelta(days=number) for number in numbers]


def mondays_ago(*numbers: int) -> list[date]:
    return [THIS_MONDAY - timedelta(weeks=number) for number in numbers]


async def insert_checkins(
    runtime: Runtime, owner: Account, habit: dict[str, Any], days: Iterable[date], status: str
) -> None:
    """Check-ins of `days`, written in one statement past the API (so they tell nothing)."""
    days = list(days)
    rows = ", ".join(
        f"($1, $2, ${4 + 2 * index}, ${5 + 2 * index}, NULL, NULL, $3, $3)"
        for index in range(len(days))
    )
    sql = (
        "INSERT INTO checkins "  # noqa: S608 - only placeholders are formatted in
        "(user_id, habit_id, local_date, status, value, note, created_at, updated_at) "
        f"VALUES {rows}"
    )
    values = [value for day in days for value in (day, status)]
    await runtime.database.raw.write(
        lambda connection: connection.execute(sql, owner.id, habit["id"], NOW, *values)
    )


async def current_streak(client, owner: Account, habit: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{API}/habits/{habit['id']}/stats", headers=owner.auth)
    assert response.status_code == 200, response.text
    streak: dict[str, Any] = response.json()["current_streak"]
    return streak


async def daily_habit(client, owner: Account) -> dict[str, Any]:
    start = TODAY - timedelta(days=200)  # long before any history below: a miss ends it
    return await create_habit(client, owner, name="Walk", start_date=start.isoformat())


async def test_the_hundredth_day_in_a_row_notifies_the_100_day_milestone(
    client, alice, runtime, settings
):
    habit = await daily_habit(client, alice)
    await insert_checkins(runtime, alice, habit, days_ago(*range(1, 100)), "done")

    await check_in(client, alice, habit)

    items = await inbox(client, alice, runtime, settings)
    assert [item["event"] for item in items] == ["streak_milestone"]
    assert items[0]["title"] == "100 days in a row: Walk"
    assert items[0]["body"] == "You kept Walk going for 100 days."
    assert items[0]["data"] == {
        "habit_id": habit["id"],
        "length": 100,
        "unit": "days",
        "start": "2026-03-11",
        "end": "2026-06-18",
    }
    assert await notification_rows(runtime) == 1


async def test_the_thirtieth_day_in_a_row_notifies_the_30_day_milestone(
    client, alice, runtime, settings
):
    habit = await daily_habit(client, alice)
    await insert_checkins(runtime, alice, habit, days_ago(*range(1, 30)), "done")

    await check_in(client, alice, habit)

    items = await inbox(client, alice, runtime, settings)
    assert [item["event"] for item in items] == ["streak_milestone"]
    assert items[0]["title"] == "30 days in a row: Walk"
    assert items[0]["data"] == {
        "habit_id": habit["id"],
        "length": 30,
        "unit": "days",
        "start": "2026-05-20",
        "end": "2026-06-18",
    }
    assert await notification_rows(runtime) == 1


async def test_a_miss_50_days_ago_keeps_99_done_days_from_counting_as_100_in_a_row(
    client, alice, runtime
):
    habit = await daily_habit(client, alice)
    done = [number for number in range(1, 100) if number != 50]
    await insert_checkins(runtime, alice, habit, days_ago(*done), "done")

    await check_in(client, alice, habit)

    assert await current_streak(client, alice, habit) == {
        "length": 50,
        "start": "2026-04-30",
        "end": "2026-06-18",
    }
    assert await notification_rows(runtime, "streak_milestone") == 0


async def test_skips_in_the_last_40_days_do_not_make_a_39_day_streak_look_like_30(
    client, alice, runtime
):
    habit = await daily_habit(client, alice)
    # A miss 50 days ago; then 9 done days, 11 skipped ones, and 29 done days up to yesterday.
    # The last 40 days alone hold 30 done days (with today) and no miss: the streak is older.
    await insert_checkins(runtime, alice, habit, days_ago(*range(41, 50)), "done")
    await insert_checkins(runtime, alice, habit, days_ago(*range(30, 41)), "skipped")
    await insert_checkins(runtime, alice, habit, days_ago(*range(1, 30)), "done")

    await check_in(client, alice, habit)

    assert await current_streak(client, alice, habit) == {
        "length": 39,
        "start": "2026-04-30",
        "end": "2026-06-18",
    }
    assert await notification_rows(runtime, "streak_milestone") == 0


async def test_the_seventh_week_in_a_row_notifies_the_7_week_milestone(
    client, alice, runtime, settings
):
    habit = await create_habit(
        client, alice, name="Gym", frequency="weekly", times_per_period=1, start_date="2025-06-02"
    )
    await insert_checkins(runtime, alice, habit, mondays_ago(*range(1, 7)), "done")

    await check_in(client, alice, habit)

    items = await inbox(client, alice, runtime, settings)
    assert [item["event"] for item in items] == ["streak_milestone", "target_met"]
    assert items[0]["title"] == "7 weeks in a row: Gym"
    assert items[0]["data"] == {
        "habit_id": habit["id"],
        "length": 7,
        "unit": "weeks",
        "start": "2026-05-04",
        "end": "2026-06-21",
    }
    assert await notification_rows(runtime) == 2


async def test_the_hundredth_week_in_a_row_notifies_the_100_week_milestone(
    client, alice, runtime, settings
):
    start = mondays_ago(100)[0]  # the week before the streak is missed
    habit = await create_habit(
        client, alice, name="Gym", frequency="weekly", times_per_period=1, start_date=str(start)
    )
    await insert_checkins(runtime, alice, habit, mondays_ago(*range(1, 100)), "done")

    await check_in(client, alice, habit)

    items = await inbox(client, alice, runtime, settings)
    assert [item["event"] for item in items] == ["streak_milestone", "target_met"]
    assert items[0]["title"] == "100 weeks in a row: Gym"
    assert items[0]["data"] == {
        "habit_id": habit["id"],
        "length": 100,
        "unit": "weeks",
        "start": str(mondays_ago(99)[0]),
        "end": "2026-06-21",
    }


async def test_resending_todays_met_check_in_records_nothing_new(client, alice, runtime):
    habit = await daily_habit(client, alice)
    await check_in(client, alice, habit)
    # Six more days in a row appear past the API: today's streak is now 7, told by nobody.
    await insert_checkins(runtime, alice, habit, days_ago(*range(1, 7)), "done")

    await check_in(client, alice, habit)

    assert await notification_rows(runtime) == 0
    assert await delivery_rows(runtime) == 0


async def test_turning_todays_skip_into_done_notifies_the_milestone_it_completes(
    client, alice, runtime
):
    habit = await daily_habit(client, alice)
    await insert_checkins(runtime, alice, habit, days_ago(*range(1, 7)), "done")
    await check_in(client, alice, habit, status="skipped")
    assert await notification_rows(runtime) == 0

    await check_in(client, alice, habit)

    assert await notification_rows(runtime, "streak_milestone") == 1
    assert await notification_rows(runtime) == 1


async def test_a_goal_reached_on_a_day_50_days_ago_is_told_when_it_is_filled_in(
    client, alice, runtime, settings
):
    habit = await create_habit(
        client,
        alice,
        name="Read",
        kind="measurable",
        goal_value=10,
        unit="pages",
        start_date=str(TODAY - timedelta(days=200)),
    )

    await check_in(client, alice, habit, str(TODAY - timedelta(days=50)), value=12)

    items = await inbox(client, alice, runtime, settings)
    assert [item["event"] for item in items] == ["goal_reached"]
    assert items[0]["body"] == "Read: 12 pages on 2026-04-29, goal 10 pages."


async def test_a_weekly_target_met_45_weeks_ago_is_told_when_it_is_filled_in(
    client, alice, runtime, settings
):
    habit = await create_habit(
        client, alice, name="Gym", frequency="weekly", times_per_period=1, start_date="2024-06-03"
    )

    await check_in(client, alice, habit, str(mondays_ago(45)[0]))

    items = await inbox(client, alice, runtime, settings)
    assert [item["event"] for item in items] == ["target_met"]
    assert items[0]["data"] == {
        "habit_id": habit["id"],
        "period_start": "2025-08-04",
        "period_end": "2025-08-10",
    }
