"""PUT, DELETE and GET of a habit's check-ins: which days, which values, and when a day is met."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import API, CHECKIN_FIELDS, PROBLEM_JSON, create_habit

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # a Monday; 2026-06-15 in UTC
TODAY = "2026-06-15"
START = "2026-06-01"


def checkin_url(habit: dict[str, Any], day: str) -> str:
    return f"{API}/habits/{habit['id']}/checkins/{day}"


def checkins_url(habit: dict[str, Any]) -> str:
    return f"{API}/habits/{habit['id']}/checkins"


def error_locations(response) -> list[list[str | int]]:
    return [issue["loc"] for issue in response.json()["errors"]]


@pytest.fixture
async def alice(accounts, frozen_clock):
    account = await accounts.create()
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    return account


async def measurable_habit(client, owner, goal_type: str = "at_least", goal_value: float = 10):
    return await create_habit(
        client,
        owner,
        kind="measurable",
        goal_value=goal_value,
        goal_type=goal_type,
        unit="pages",
        start_date=START,
    )


async def test_a_first_check_in_of_a_day_answers_201_with_exactly_the_documented_fields(
    client, alice
):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(
        checkin_url(habit, "2026-06-10"),
        json={"status": "done", "note": "Easy"},
        headers=alice.auth,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CHECKIN_FIELDS
    assert body["date"] == "2026-06-10"
    assert body["status"] == "done"
    assert body["value"] is None
    assert body["note"] == "Easy"
    assert body["met"] is True


async def test_a_second_check_in_of_the_same_day_replaces_the_first_with_200(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    await client.put(
        checkin_url(habit, "2026-06-10"), json={"status": "done", "note": "x"}, headers=alice.auth
    )
    response = await client.put(
        checkin_url(habit, "2026-06-10"), json={"status": "skipped"}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == CHECKIN_FIELDS
    assert response.json()["status"] == "skipped"
    assert response.json()["note"] is None
    listed = await client.get(checkins_url(habit), headers=alice.auth)
    assert [checkin["status"] for checkin in listed.json()] == ["skipped"]


async def test_today_in_the_path_checks_in_the_users_current_date(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(
        checkin_url(habit, "today"), json={"status": "done"}, headers=alice.auth
    )
    assert response.status_code == 201, response.text
    assert response.json()["date"] == TODAY


async def test_a_past_day_since_the_start_can_be_back_filled(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(
        checkin_url(habit, START), json={"status": "done"}, headers=alice.auth
    )
    assert response.status_code == 201, response.text
    assert response.json()["date"] == START


async def test_a_day_before_the_habits_start_is_refused(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(
        checkin_url(habit, "2026-05-31"), json={"status": "done"}, headers=alice.auth
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert error_locations(response) == [["path", "date"]]


async def test_a_day_after_the_habits_end_is_refused(client, alice):
    habit = await create_habit(client, alice, start_date=START, end_date="2026-06-10")
    response = await client.put(
        checkin_url(habit, "2026-06-11"), json={"status": "done"}, headers=alice.auth
    )
    assert response.status_code == 422
    assert error_locations(response) == [["path", "date"]]


async def test_the_habits_last_day_can_be_checked_in(client, alice):
    habit = await create_habit(client, alice, start_date=START, end_date="2026-06-10")
    response = await client.put(
        checkin_url(habit, "2026-06-10"), json={"status": "done"}, headers=alice.auth
    )
    assert response.status_code == 201, response.text


async def test_a_day_after_today_is_refused_naming_the_users_today(client, accounts, frozen_clock):
    kiritimati = await accounts.create(timezone="Pacific/Kiritimati")
    frozen_clock(NOW)  # 2026-06-16 02:00 in Kiritimati
    habit = await create_habit(client, kiritimati, start_date=START)
    response = await client.put(
        checkin_url(habit, "2026-06-17"), json={"status": "done"}, headers=kiritimati.auth
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "2026-06-16" in response.json()["detail"]
    assert error_locations(response) == [["path", "date"]]


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "tomorrow", "2026-6-1", "20260601"])
async def test_a_path_that_is_not_a_date_or_today_is_refused(client, alice, day):
    habit = await create_habit(client, alice, start_date="2026-01-01")
    response = await client.put(
        checkin_url(habit, day), json={"status": "done"}, headers=alice.auth
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert ["path", "date"] in error_locations(response)


async def test_a_yes_no_habit_takes_no_value(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "done", "value": 1}, headers=alice.auth
    )
    assert response.status_code == 422
    assert error_locations(response) == [["body", "value"]]


async def test_a_measurable_habit_done_without_a_value_is_refused(client, alice):
    habit = await measurable_habit(client, alice)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "done"}, headers=alice.auth
    )
    assert response.status_code == 422
    assert error_locations(response) == [["body", "value"]]


async def test_a_skipped_day_with_a_value_is_refused(client, alice):
    habit = await measurable_habit(client, alice)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "skipped", "value": 3}, headers=alice.auth
    )
    assert response.status_code == 422
    assert error_locations(response) == [["body", "value"]]


async def test_a_negative_value_is_refused(client, alice):
    habit = await measurable_habit(client, alice)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "done", "value": -1}, headers=alice.auth
    )
    assert response.status_code == 422
    assert ["body", "value"] in error_locations(response)


async def test_an_unknown_status_is_refused(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "half"}, headers=alice.auth
    )
    assert response.status_code == 422
    assert ["body", "status"] in error_locations(response)


@pytest.mark.parametrize(("value", "met"), [(0, False), (9.5, False), (10, True), (25, True)])
async def test_an_at_least_day_is_met_when_the_value_reaches_the_goal(client, alice, value, met):
    habit = await measurable_habit(client, alice, "at_least", 10)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "done", "value": value}, headers=alice.auth
    )
    assert response.status_code == 201, response.text
    assert response.json()["value"] == value
    assert response.json()["met"] is met


@pytest.mark.parametrize(("value", "met"), [(0, True), (2, True), (3, True), (3.5, False)])
async def test_an_at_most_day_is_met_when_the_value_stays_within_the_goal(
    client, alice, value, met
):
    habit = await measurable_habit(client, alice, "at_most", 3)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "done", "value": value}, headers=alice.auth
    )
    assert response.status_code == 201, response.text
    assert response.json()["met"] is met


async def test_a_skipped_yes_no_day_is_not_met(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "skipped"}, headers=alice.auth
    )
    assert response.json()["met"] is False


@pytest.mark.parametrize("goal_type", ["at_least", "at_most"])
async def test_a_skipped_measurable_day_is_not_met(client, alice, goal_type):
    habit = await measurable_habit(client, alice, goal_type, 3)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "skipped"}, headers=alice.auth
    )
    assert response.status_code == 201, response.text
    assert response.json()["value"] is None
    assert response.json()["met"] is False


async def test_checking_in_another_users_habit_is_not_found(client, accounts, frozen_clock):
    alice, bob = await accounts.create(), await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(
        checkin_url(habit, TODAY), json={"status": "done"}, headers=bob.auth
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_checking_in_without_credentials_is_unauthorized(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.put(checkin_url(habit, TODAY), json={"status": "done"})
    assert response.status_code == 401


async def test_deleting_a_days_check_in_answers_204(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    await client.put(checkin_url(habit, TODAY), json={"status": "done"}, headers=alice.auth)
    response = await client.delete(checkin_url(habit, TODAY), headers=alice.auth)
    assert response.status_code == 204
    assert response.content == b""
    listed = await client.get(checkins_url(habit), headers=alice.auth)
    assert listed.json() == []


async def test_deleting_a_days_check_in_twice_is_not_found_the_second_time(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    await client.put(checkin_url(habit, TODAY), json={"status": "done"}, headers=alice.auth)
    await client.delete(checkin_url(habit, TODAY), headers=alice.auth)
    response = await client.delete(checkin_url(habit, TODAY), headers=alice.auth)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_check_ins_are_listed_oldest_first(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    for day in ("2026-06-10", "2026-06-03", "2026-06-07"):
        await client.put(checkin_url(habit, day), json={"status": "done"}, headers=alice.auth)
    response = await client.get(checkins_url(habit), headers=alice.auth)
    assert response.status_code == 200
    assert [checkin["date"] for checkin in response.json()] == [
        "2026-06-03",
        "2026-06-07",
        "2026-06-10",
    ]
    assert all(set(checkin) == CHECKIN_FIELDS for checkin in response.json())


async def test_the_listed_range_includes_both_ends(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    for day in ("2026-06-02", "2026-06-03", "2026-06-05", "2026-06-07", "2026-06-08"):
        await client.put(checkin_url(habit, day), json={"status": "done"}, headers=alice.auth)
    response = await client.get(
        checkins_url(habit), params={"from": "2026-06-03", "to": "2026-06-07"}, headers=alice.auth
    )
    assert response.status_code == 200
    assert [checkin["date"] for checkin in response.json()] == [
        "2026-06-03",
        "2026-06-05",
        "2026-06-07",
    ]


async def test_a_range_that_ends_before_it_begins_is_refused(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    response = await client.get(
        checkins_url(habit), params={"from": "2026-06-08", "to": "2026-06-07"}, headers=alice.auth
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert error_locations(response) == [["query", "from"]]


async def test_a_range_of_one_day_lists_that_day(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    await client.put(checkin_url(habit, "2026-06-07"), json={"status": "done"}, headers=alice.auth)
    response = await client.get(
        checkins_url(habit), params={"from": "2026-06-07", "to": "2026-06-07"}, headers=alice.auth
    )
    assert [checkin["date"] for checkin in response.json()] == ["2026-06-07"]


async def test_the_list_runs_from_the_habits_start_to_today_by_default(client, alice):
    habit = await create_habit(client, alice, start_date=START)
    for day in (START, "2026-06-08", TODAY):
        await client.put(checkin_url(habit, day), json={"status": "done"}, headers=alice.auth)
    response = await client.get(checkins_url(habit), headers=alice.auth)
    assert [checkin["date"] for checkin in response.json()] == [START, "2026-06-08", TODAY]


async def test_the_list_ends_at_the_users_today_by_default(client, accounts, frozen_clock):
    traveller = await accounts.create(timezone="Pacific/Kiritimati")
    frozen_clock(NOW)  # 2026-06-16 in Kiritimati, 2026-06-15 in UTC
    habit = await create_habit(client, traveller, start_date=START)
    for day in (TODAY, "2026-06-16"):
        await client.put(checkin_url(habit, day), json={"status": "done"}, headers=traveller.auth)
    await client.patch(f"{API}/users/me", json={"timezone": "UTC"}, headers=traveller.auth)
    response = await client.get(checkins_url(habit), headers=traveller.auth)
    assert [checkin["date"] for checkin in response.json()] == [TODAY]


async def test_a_listed_day_says_whether_it_was_met(client, alice):
    habit = await measurable_habit(client, alice, "at_least", 10)
    await client.put(
        checkin_url(habit, "2026-06-02"), json={"status": "done", "value": 12}, headers=alice.auth
    )
    await client.put(
        checkin_url(habit, "2026-06-03"), json={"status": "done", "value": 4}, headers=alice.auth
    )
    await client.put(
        checkin_url(habit, "2026-06-04"), json={"status": "skipped"}, headers=alice.auth
    )
    response = await client.get(checkins_url(habit), headers=alice.auth)
    assert [(checkin["date"], checkin["met"]) for checkin in response.json()] == [
        ("2026-06-02", True),
        ("2026-06-03", False),
        ("2026-06-04", False),
    ]
