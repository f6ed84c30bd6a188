"""GET /today: the user's date, every active habit, whether it is due, and how far it has come."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from habitual.checkins import repository as checkins_repository
from tests.checkins.test_timezones import DST_INSTANTS
from tests.factories import API, PROBLEM_JSON, create_habit

TODAY_URL = f"{API}/today"
ME = f"{API}/users/me"
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)  # Wednesday 2026-06-17 in UTC
TODAY_FIELDS = {"date", "timezone", "week_start", "day_start", "habits"}
HABIT_FIELDS = {
    "id",
    "name",
    "kind",
    "frequency",
    "unit",
    "color",
    "icon",
    "due",
    "status",
    "value",
    "goal_value",
    "goal_type",
    "met",
    "progress",
    "period",
}
PERIOD_FIELDS = {"start", "end", "done", "target", "remaining"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def alice(accounts, frozen_clock):
    account = await accounts.create()
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    return account


async def today_of(client, owner, **params) -> dict[str, Any]:
    response = await client.get(TODAY_URL, params=params, headers=owner.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def habit_today(client, owner, habit: dict[str, Any]) -> dict[str, Any]:
    listed = (await today_of(client, owner))["habits"]
    entries: list[dict[str, Any]] = [item for item in listed if item["id"] == habit["id"]]
    assert len(entries) == 1, listed
    return entries[0]


async def check_in(client, owner, habit: dict[str, Any], day: str, **body) -> None:
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/{day}",
        json={"status": "done"} | body,
        headers=owner.auth,
    )
    assert response.status_code in (200, 201), response.text


async def test_today_answers_the_date_and_settings_of_the_users_zone(
    client, accounts, frozen_clock
):
    tokyo = await accounts.create(timezone="Asia/Tokyo")
    frozen_clock(at("2026-06-17T20:00:00"))  # 05:00 on the 18th in Tokyo
    body = await today_of(client, tokyo)
    assert set(body) == TODAY_FIELDS
    assert body == {
        "date": "2026-06-18",
        "timezone": "Asia/Tokyo",
        "week_start": "monday",
        "day_start": 0,
        "habits": [],
    }


async def test_tz_overrides_the_users_zone_for_one_call(client, accounts, frozen_clock):
    tokyo = await accounts.create(timezone="Asia/Tokyo")
    frozen_clock(at("2026-06-17T20:00:00"))  # 09:00 on the 17th in Pago Pago
    body = await today_of(client, tokyo, tz="Pacific/Pago_Pago")
    assert (body["date"], body["timezone"]) == ("2026-06-17", "Pacific/Pago_Pago")
    assert (await today_of(client, tokyo))["timezone"] == "Asia/Tokyo"


async def test_an_unknown_tz_is_refused(client, alice):
    response = await client.get(TODAY_URL, params={"tz": "Mars/Olympus"}, headers=alice.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert [issue["loc"] for issue in response.json()["errors"]] == [["query", "tz"]]


async def test_today_needs_credentials(client):
    response = await client.get(TODAY_URL)
    assert response.status_code == 401


@pytest.mark.parametrize(("zone", "instant", "expected"), DST_INSTANTS)
async def test_today_around_a_dst_change_is_the_local_date(
    client, accounts, frozen_clock, zone, instant, expected
):
    owner = await accounts.create(timezone=zone)
    frozen_clock(at(instant))
    assert (await today_of(client, owner))["date"] == expected


async def test_today_follows_day_start(client, accounts, frozen_clock):
    owner = await accounts.create()
    await client.patch(ME, json={"day_start": 4}, headers=owner.auth)
    frozen_clock(at("2026-06-17T01:30:00"))
    body = await today_of(client, owner)
    assert (body["date"], body["day_start"]) == ("2026-06-16", 4)


async def test_every_active_habit_is_listed_with_exactly_the_documented_fields(client, alice):
    read = await create_habit(client, alice, name="Read", start_date="2026-06-01")
    run = await create_habit(
        client, alice, name="Run", frequency="weekly", times_per_period=3, start_date="2026-06-01"
    )
    body = await today_of(client, alice)
    assert [habit["id"] for habit in body["habits"]] == [read["id"], run["id"]]
    assert all(set(habit) == HABIT_FIELDS for habit in body["habits"])
    assert set(body["habits"][1]["period"]) == PERIOD_FIELDS


async def test_a_yes_no_habit_without_a_check_in_is_due_and_not_yet_met(client, alice):
    habit = await create_habit(client, alice, name="Read", color="#4caf50", start_date="2026-06-01")
    assert await habit_today(client, alice, habit) == {
        "id": habit["id"],
        "name": "Read",
        "kind": "boolean",
        "frequency": "daily",
        "unit": None,
        "color": "#4caf50",
        "icon": None,
        "due": True,
        "status": None,
        "value": None,
        "goal_value": None,
        "goal_type": None,
        "met": False,
        "progress": 0.0,
        "period": None,
    }


async def test_an_archived_habit_is_not_listed(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-01")
    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"archived": True}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    assert (await today_of(client, alice))["habits"] == []


async def test_a_habit_that_starts_tomorrow_is_not_listed(client, alice):
    await create_habit(client, alice, start_date="2026-06-18")
    assert (await today_of(client, alice))["habits"] == []


async def test_a_habit_that_starts_today_is_listed(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-17")
    assert [item["id"] for item in (await today_of(client, alice))["habits"]] == [habit["id"]]


async def test_a_habit_that_ended_yesterday_is_not_listed(client, alice):
    await create_habit(client, alice, start_date="2026-06-01", end_date="2026-06-16")
    assert (await today_of(client, alice))["habits"] == []


async def test_another_users_habits_are_not_listed(client, accounts, frozen_clock):
    alice, bob = await accounts.create(), await accounts.create()
    frozen_clock(NOW)
    await create_habit(client, bob, start_date="2026-06-01")
    assert (await today_of(client, alice))["habits"] == []


@pytest.mark.parametrize(
    ("instant", "due"),
    [
        ("2026-06-15T12:00:00", True),  # Monday
        ("2026-06-16T12:00:00", False),  # Tuesday
        ("2026-06-17T12:00:00", True),  # Wednesday
        ("2026-06-20T12:00:00", False),  # Saturday
    ],
)
async def test_a_daily_habit_with_target_days_is_due_only_on_those_weekdays(
    client, accounts, frozen_clock, instant, due
):
    owner = await accounts.create()
    frozen_clock(at(instant))
    habit = await create_habit(
        client, owner, target_days=["monday", "wednesday"], start_date="2026-06-01"
    )
    assert (await habit_today(client, owner, habit))["due"] is due


@pytest.mark.parametrize(
    ("instant", "due"),
    [
        ("2026-06-10T12:00:00", True),  # 0 days after the start
        ("2026-06-11T12:00:00", False),
        ("2026-06-12T12:00:00", False),
        ("2026-06-13T12:00:00", True),  # 3 days after
        ("2026-06-16T12:00:00", True),  # 6 days after
        ("2026-06-17T12:00:00", False),
    ],
)
async def test_an_every_n_days_habit_is_due_every_nth_day_from_its_start(
    client, accounts, frozen_clock, instant, due
):
    owner = await accounts.create()
    frozen_clock(at(instant))
    habit = await create_habit(
        client, owner, frequency="every_n_days", every_n_days=3, start_date="2026-06-10"
    )
    assert (await habit_today(client, owner, habit))["due"] is due


async def test_a_weekly_habit_shows_how_many_of_its_target_this_week_has(client, alice):
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=3, start_date="2026-06-01"
    )
    await check_in(client, alice, habit, "2026-06-12")  # last week: does not count
    await check_in(client, alice, habit, "2026-06-15")
    await check_in(client, alice, habit, "2026-06-16")
    entry = await habit_today(client, alice, habit)
    assert entry["period"] == {
        "start": "2026-06-15",
        "end": "2026-06-21",
        "done": 2,
        "target": 3,
        "remaining": 1,
    }
    assert entry["due"] is True
    assert entry["progress"] == pytest.approx(2 / 3)


async def test_a_weekly_habit_counts_todays_check_in_in_its_period(client, alice):
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=2, start_date="2026-06-01"
    )
    await check_in(client, alice, habit, "2026-06-17")
    entry = await habit_today(client, alice, habit)
    assert (entry["period"]["done"], entry["period"]["remaining"]) == (1, 1)
    assert (entry["status"], entry["met"]) == ("done", True)


async def test_a_weekly_habit_counts_neither_skipped_nor_unmet_days(client, alice):
    habit = await create_habit(
        client,
        alice,
        frequency="weekly",
        times_per_period=3,
        kind="measurable",
        goal_value=5,
        start_date="2026-06-01",
    )
    await check_in(client, alice, habit, "2026-06-15", value=5)
    await check_in(client, alice, habit, "2026-06-16", value=2)
    await check_in(client, alice, habit, "2026-06-17", status="skipped")
    entry = await habit_today(client, alice, habit)
    assert (entry["period"]["done"], entry["period"]["remaining"]) == (1, 2)


@pytest.mark.parametrize("listed_at_most", [100, 1])
async def test_periods_count_the_same_whether_habits_are_listed_or_the_range_is_read(
    client, alice, monkeypatch, listed_at_most
):
    # Past MAX_LISTED_HABITS weekly or monthly habits, the check-ins of the whole range are read
    # instead of those of the listed habits; the answer must not change.
    monkeypatch.setattr(checkins_repository, "MAX_LISTED_HABITS", listed_at_most)
    daily = await create_habit(client, alice, name="Read", start_date="2026-06-01")
    weekly = await create_habit(
        client, alice, name="Run", frequency="weekly", times_per_period=3, start_date="2026-06-01"
    )
    monthly = await create_habit(
        client, alice, name="Call", frequency="monthly", times_per_period=4, start_date="2026-06-01"
    )
    for day in ("2026-06-02", "2026-06-12", "2026-06-16"):
        for habit in (daily, weekly, monthly):
            await check_in(client, alice, habit, day)

    entries = {entry["name"]: entry for entry in (await today_of(client, alice))["habits"]}

    assert (entries["Read"]["status"], entries["Read"]["period"]) == (None, None)
    assert (entries["Run"]["period"]["start"], entries["Run"]["period"]["done"]) == (
        "2026-06-15",
        1,
    )
    assert (entries["Call"]["period"]["start"], entries["Call"]["period"]["done"]) == (
        "2026-06-01",
        3,
    )


async def test_a_weekly_habit_that_reached_its_target_before_today_is_not_due(client, alice):
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=2, start_date="2026-06-01"
    )
    await check_in(client, alice, habit, "2026-06-15")
    await check_in(client, alice, habit, "2026-06-16")
    entry = await habit_today(client, alice, habit)
    assert entry["due"] is False
    assert entry["period"]["remaining"] == 0
    assert entry["progress"] == 1.0


async def test_a_weekly_period_begins_on_the_users_week_start(client, alice):
    response = await client.patch(ME, json={"week_start": "sunday"}, headers=alice.auth)
    assert response.status_code == 200, response.text
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=3, start_date="2026-06-01"
    )
    await check_in(client, alice, habit, "2026-06-13")  # Saturday: the week before
    await check_in(client, alice, habit, "2026-06-14")  # Sunday: this week
    body = await today_of(client, alice)
    assert body["week_start"] == "sunday"
    (entry,) = body["habits"]
    assert entry["id"] == habit["id"]
    assert entry["period"] == {
        "start": "2026-06-14",
        "end": "2026-06-20",
        "done": 1,
        "target": 3,
        "remaining": 2,
    }


async def test_a_monthly_habit_shows_how_many_of_its_target_this_month_has(client, alice):
    habit = await create_habit(
        client, alice, frequency="monthly", times_per_period=4, start_date="2026-05-01"
    )
    await check_in(client, alice, habit, "2026-05-31")  # last month: does not count
    await check_in(client, alice, habit, "2026-06-01")
    await check_in(client, alice, habit, "2026-06-10")
    await check_in(client, alice, habit, "2026-06-11", status="skipped")
    entry = await habit_today(client, alice, habit)
    assert entry["period"] == {
        "start": "2026-06-01",
        "end": "2026-06-30",
        "done": 2,
        "target": 4,
        "remaining": 2,
    }
    assert entry["due"] is True
    assert entry["progress"] == 0.5


async def test_a_weekly_habit_that_starts_mid_week_is_not_due_that_week(client, alice):
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=1, start_date="2026-06-17"
    )
    entry = await habit_today(client, alice, habit)
    assert entry["due"] is False
    assert entry["period"]["start"] == "2026-06-15"


async def test_a_weekly_habit_that_started_mid_week_is_due_from_the_next_week(
    client, accounts, frozen_clock
):
    owner = await accounts.create()
    frozen_clock(at("2026-06-17T12:00:00"))
    habit = await create_habit(
        client, owner, frequency="weekly", times_per_period=1, start_date="2026-06-17"
    )
    frozen_clock(at("2026-06-22T12:00:00"))  # the next Monday
    assert (await habit_today(client, owner, habit))["due"] is True


async def test_a_weekly_habit_that_starts_on_the_first_day_of_the_week_is_due_at_once(
    client, alice
):
    habit = await create_habit(
        client, alice, frequency="weekly", times_per_period=1, start_date="2026-06-15"
    )
    assert (await habit_today(client, alice, habit))["due"] is True


async def test_a_monthly_habit_that_starts_mid_month_is_not_due_that_month(client, alice):
    habit = await create_habit(
        client, alice, frequency="monthly", times_per_period=1, start_date="2026-06-02"
    )
    assert (await habit_today(client, alice, habit))["due"] is False


@pytest.mark.parametrize(
    ("value", "progress", "met"),
    [(0, 0.0, False), (4, 0.4, False), (10, 1.0, True), (25, 1.0, True)],
)
async def test_an_at_least_habits_progress_is_its_value_over_the_goal_capped_at_one(
    client, alice, value, progress, met
):
    habit = await create_habit(
        client, alice, kind="measurable", goal_value=10, unit="pages", start_date="2026-06-01"
    )
    await check_in(client, alice, habit, "2026-06-17", value=value)
    entry = await habit_today(client, alice, habit)
    assert entry["progress"] == pytest.approx(progress)
    assert entry["met"] is met
    assert (entry["status"], entry["value"]) == ("done", value)
    assert (entry["goal_value"], entry["goal_type"], entry["unit"]) == (10, "at_least", "pages")


async def test_a_measurable_habit_without_a_check_in_has_no_progress(client, alice):
    habit = await create_habit(
        client, alice, kind="measurable", goal_value=10, start_date="2026-06-01"
    )
    entry = await habit_today(client, alice, habit)
    assert (entry["status"], entry["value"], entry["met"], entry["progress"]) == (
        None,
        None,
        False,
        0.0,
    )


async def test_an_at_most_habit_with_nothing_recorded_is_not_met(client, alice):
    habit = await create_habit(
        client, alice, kind="measurable", goal_value=2, goal_type="at_most", start_date="2026-06-01"
    )
    entry = await habit_today(client, alice, habit)
    assert (entry["met"], entry["progress"]) == (False, 0.0)


@pytest.mark.parametrize(("value", "met"), [(0, True), (2, True), (3, False)])
async def test_an_at_most_habit_is_met_all_or_nothing(client, alice, value, met):
    habit = await create_habit(
        client, alice, kind="measurable", goal_value=2, goal_type="at_most", start_date="2026-06-01"
    )
    await check_in(client, alice, habit, "2026-06-17", value=value)
    entry = await habit_today(client, alice, habit)
    assert (entry["met"], entry["progress"]) == (met, 1.0 if met else 0.0)


async def test_a_skipped_day_shows_as_skipped_and_not_met(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-01")
    await check_in(client, alice, habit, "2026-06-17", status="skipped")
    entry = await habit_today(client, alice, habit)
    assert (entry["status"], entry["value"], entry["met"], entry["progress"]) == (
        "skipped",
        None,
        False,
        0.0,
    )


async def test_a_yes_no_habit_checked_in_today_is_done_and_met(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-01")
    await check_in(client, alice, habit, "2026-06-17")
    entry = await habit_today(client, alice, habit)
    assert (entry["status"], entry["met"], entry["progress"]) == ("done", True, 1.0)


async def test_yesterdays_check_in_is_not_todays_status(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-01")
    await check_in(client, alice, habit, "2026-06-16")
    entry = await habit_today(client, alice, habit)
    assert (entry["status"], entry["met"]) == (None, False)


async def test_todays_status_follows_the_tz_override(client, accounts, frozen_clock):
    owner = await accounts.create(timezone="Pacific/Kiritimati")
    frozen_clock(at("2026-06-17T12:00:00"))  # 2026-06-18 02:00 in Kiritimati
    habit = await create_habit(client, owner, start_date="2026-06-01")
    await check_in(client, owner, habit, "2026-06-18")
    (local,) = (await today_of(client, owner))["habits"]
    (utc_view,) = (await today_of(client, owner, tz="UTC"))["habits"]
    assert local["status"] == "done"
    assert utc_view["status"] is None


async def test_a_schedule_change_not_yet_in_force_in_the_tz_keeps_the_old_period(
    client, accounts, frozen_clock
):
    owner = await accounts.create(timezone="Pacific/Kiritimati")
    frozen_clock(at("2026-06-17T12:00:00"))  # Thursday 06-18 in Kiritimati, Wednesday in UTC
    habit = await create_habit(
        client, owner, frequency="weekly", times_per_period=3, start_date="2026-06-01"
    )
    await check_in(client, owner, habit, "2026-06-15")
    await check_in(client, owner, habit, "2026-06-16")
    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"frequency": "daily"}, headers=owner.auth
    )
    assert response.status_code == 200, response.text  # daily from 06-18, Kiritimati's today

    (entry,) = (await today_of(client, owner, tz="UTC"))["habits"]

    assert entry["frequency"] == "weekly"
    assert entry["period"] == {
        "start": "2026-06-15",
        "end": "2026-06-21",
        "done": 2,
        "target": 3,
        "remaining": 1,
    }
