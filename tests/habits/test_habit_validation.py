"""Every rule a habit's fields must follow: bad input is a 422 naming the field to change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.factories import API, PROBLEM_JSON, Account, create_habit

WEEK = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
STEPS = {"kind": "measurable", "goal_value": 10_000, "unit": "steps"}


async def post_habit(client: httpx.AsyncClient, owner: Account, **fields: Any) -> httpx.Response:
    body = {"name": "Read", "frequency": "daily"} | fields
    return await client.post(f"{API}/habits", json=body, headers=owner.auth)


def assert_invalid(response: httpx.Response, field: str) -> str:
    """A 422 whose only complaint is about `field`; gives the message."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    errors = response.json()["errors"]
    assert [error["loc"] for error in errors] == [["body", field]], errors
    message: str = errors[0]["msg"]
    return message


def assert_conflict(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM_JSON


async def habit_count(client: httpx.AsyncClient, owner: Account) -> int:
    """Every habit of the owner, active or archived."""
    response = await client.get(f"{API}/habits", params={"archived": "all"}, headers=owner.auth)
    total: int = response.json()["total"]
    return total


# --- name ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["R", "R" * 100])
async def test_name_of_1_to_100_characters_is_accepted(name, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, name=name)

    assert response.status_code == 201, response.text
    assert response.json()["name"] == name


@pytest.mark.parametrize("name", ["", "R" * 101])
async def test_name_of_0_or_101_characters_is_refused(name, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, name=name)

    assert_invalid(response, "name")
    assert await habit_count(client, user) == 0


async def test_name_is_required(client, accounts):
    user = await accounts.create()

    response = await client.post(f"{API}/habits", json={"frequency": "daily"}, headers=user.auth)

    assert_invalid(response, "name")


async def test_name_cannot_be_null_in_a_patch(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, name="Read")

    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"name": None}, headers=user.auth
    )

    assert response.status_code == 422, response.text
    after = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)
    assert after.json()["name"] == "Read"


async def test_name_already_used_by_an_active_habit_is_a_conflict_whatever_the_case(
    client, accounts
):
    user = await accounts.create()
    await create_habit(client, user, name="Read")

    response = await post_habit(client, user, name="rEAD")

    assert_conflict(response)
    assert await habit_count(client, user) == 1


async def test_name_conflict_ignores_case_beyond_ascii_too(client, accounts):
    user = await accounts.create()
    await create_habit(client, user, name="Ärger loslassen")

    response = await post_habit(client, user, name="äRGER LOSLASSEN")

    assert_conflict(response)


async def test_renaming_onto_an_active_habits_name_is_a_conflict(client, accounts):
    user = await accounts.create()
    await create_habit(client, user, name="Read")
    walk = await create_habit(client, user, name="Walk")

    response = await client.patch(
        f"{API}/habits/{walk['id']}", json={"name": "READ"}, headers=user.auth
    )

    assert_conflict(response)
    after = await client.get(f"{API}/habits/{walk['id']}", headers=user.auth)
    assert after.json()["name"] == "Walk"


async def test_renaming_a_habit_to_another_case_of_its_own_name_is_fine(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, name="read")

    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"name": "Read"}, headers=user.auth
    )

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Read"


async def test_another_users_habit_name_does_not_conflict(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    await create_habit(client, alice, name="Read")

    response = await post_habit(client, bob, name="Read")

    assert response.status_code == 201, response.text


async def test_an_archived_habits_name_can_be_reused(client, accounts):
    user = await accounts.create()
    old = await create_habit(client, user, name="Read")
    await client.patch(f"{API}/habits/{old['id']}", json={"archived": True}, headers=user.auth)

    response = await post_habit(client, user, name="read")

    assert response.status_code == 201, response.text
    assert await habit_count(client, user) == 2


async def test_unarchiving_a_habit_whose_name_was_reused_is_a_conflict(client, accounts):
    user = await accounts.create()
    old = await create_habit(client, user, name="Read")
    await client.patch(f"{API}/habits/{old['id']}", json={"archived": True}, headers=user.auth)
    await create_habit(client, user, name="READ")

    response = await client.patch(
        f"{API}/habits/{old['id']}", json={"archived": False}, headers=user.auth
    )

    assert_conflict(response)
    after = await client.get(f"{API}/habits/{old['id']}", headers=user.auth)
    assert after.json()["archived"] is True


# --- frequency and its fields -----------------------------------------------------------------


async def test_frequency_defaults_to_daily_on_every_day(client, accounts):
    user = await accounts.create()

    response = await client.post(f"{API}/habits", json={"name": "Read"}, headers=user.auth)

    assert response.status_code == 201, response.text
    habit = response.json()
    assert (habit["frequency"], habit["target_days"]) == ("daily", WEEK)


async def test_unknown_frequency_is_refused(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, frequency="hourly")

    assert_invalid(response, "frequency")


@pytest.mark.parametrize(("frequency", "times"), [("weekly", 1), ("weekly", 7), ("monthly", 31)])
async def test_times_per_period_within_the_period_is_accepted(frequency, times, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, frequency=frequency, times_per_period=times)

    assert response.status_code == 201, response.text
    assert response.json()["times_per_period"] == times


@pytest.mark.parametrize(
    ("frequency", "times"), [("weekly", 8), ("monthly", 32), ("weekly", 0), ("monthly", 0)]
)
async def test_times_per_period_outside_the_period_is_refused(frequency, times, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, frequency=frequency, times_per_period=times)

    assert_invalid(response, "times_per_period")
    assert await habit_count(client, user) == 0


async def test_weekly_times_per_period_defaults_to_once(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, frequency="weekly")

    assert response.status_code == 201, response.text
    assert response.json()["times_per_period"] == 1


@pytest.mark.parametrize("frequency", ["daily", "every_n_days"])
async def test_times_per_period_is_refused_for_daily_and_every_n_days(frequency, client, accounts):
    user = await accounts.create()
    extra = {"every_n_days": 3} if frequency == "every_n_days" else {}

    response = await post_habit(client, user, frequency=frequency, times_per_period=2, **extra)

    message = assert_invalid(response, "times_per_period")
    assert "weekly" in message


async def test_target_days_are_kept_for_a_daily_habit(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, target_days=["friday", "monday"])

    assert response.status_code == 201, response.text
    assert response.json()["target_days"] == ["monday", "friday"]


async def test_target_days_default_to_all_seven(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user)

    assert response.status_code == 201, response.text
    assert response.json()["target_days"] == WEEK


@pytest.mark.parametrize("frequency", ["weekly", "monthly", "every_n_days"])
async def test_target_days_are_only_for_daily_habits(frequency, client, accounts):
    user = await accounts.create()
    extra = {"every_n_days": 3} if frequency == "every_n_days" else {}

    response = await post_habit(client, user, frequency=frequency, target_days=["monday"], **extra)

    message = assert_invalid(response, "target_days")
    assert "daily" in message


async def test_target_days_cannot_be_empty(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, target_days=[])

    assert_invalid(response, "target_days")


async def test_target_days_cannot_repeat(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, target_days=["monday", "monday"])

    message = assert_invalid(response, "target_days")
    assert "repeat" in message
    assert await habit_count(client, user) == 0


async def test_target_days_take_three_letter_names_in_any_case(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, target_days=["Sun", "wed", "FRI", "Monday"])

    assert response.status_code == 201, response.text
    assert response.json()["target_days"] == ["monday", "wednesday", "friday", "sunday"]


async def test_target_days_cannot_repeat_a_day_in_its_other_form(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, target_days=["mon", "MONDAY"])

    message = assert_invalid(response, "target_days")
    assert "repeat" in message
    assert await habit_count(client, user) == 0


@pytest.mark.parametrize("day", ["funday", "mo", "mond", "tues", "mon.", " mon", 1])
async def test_target_days_must_be_weekday_names(day, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, target_days=[day])

    assert response.status_code == 422, response.text
    assert {tuple(error["loc"][:2]) for error in response.json()["errors"]} == {
        ("body", "target_days")
    }


@pytest.mark.parametrize("every", [2, 365])
async def test_every_n_days_from_2_to_365_is_accepted(every, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, frequency="every_n_days", every_n_days=every)

    assert response.status_code == 201, response.text
    assert response.json()["every_n_days"] == every


@pytest.mark.parametrize("every", [1, 366])
async def test_every_n_days_outside_2_to_365_is_refused(every, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, frequency="every_n_days", every_n_days=every)

    assert_invalid(response, "every_n_days")


async def test_every_n_days_is_required_for_an_every_n_days_habit(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, frequency="every_n_days")

    assert_invalid(response, "every_n_days")


@pytest.mark.parametrize("frequency", ["daily", "weekly", "monthly"])
async def test_every_n_days_is_refused_for_other_frequencies(frequency, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, frequency=frequency, every_n_days=3)

    assert_invalid(response, "every_n_days")


async def test_patch_refuses_a_field_the_frequency_does_not_have(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user)

    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"times_per_period": 2}, headers=user.auth
    )

    assert_invalid(response, "times_per_period")


async def test_patch_to_every_n_days_without_the_interval_is_refused(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user)

    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"frequency": "every_n_days"}, headers=user.auth
    )

    assert_invalid(response, "every_n_days")
    after = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)
    assert after.json() == habit


# --- kind and goal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("goal_value", 8), ("goal_type", "at_most"), ("unit", "glasses")]
)
async def test_a_boolean_habit_with_a_goal_field_is_refused_naming_it(
    field, value, client, accounts
):
    user = await accounts.create()

    response = await post_habit(client, user, kind="boolean", **{field: value})

    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", field]
    assert "remove it or use kind 'measurable'" in error["msg"]
    assert await habit_count(client, user) == 0


async def test_a_habit_is_boolean_by_default_and_has_no_goal(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user)

    assert response.status_code == 201, response.text
    habit = response.json()
    assert (habit["kind"], habit["goal_value"], habit["goal_type"], habit["unit"]) == (
        "boolean",
        None,
        None,
        None,
    )


async def test_a_measurable_habit_needs_a_goal_value(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, kind="measurable", unit="steps")

    message = assert_invalid(response, "goal_value")
    assert "> 0" in message


@pytest.mark.parametrize("goal", [0, -5, 1e13])
async def test_a_goal_value_outside_the_range_is_refused(goal, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, **STEPS | {"goal_value": goal})

    assert_invalid(response, "goal_value")


async def test_goal_type_defaults_to_at_least(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, **STEPS)

    assert response.status_code == 201, response.text
    habit = response.json()
    assert (habit["goal_value"], habit["goal_type"], habit["unit"]) == (10_000, "at_least", "steps")


async def test_goal_type_at_most_is_kept(client, accounts):
    user = await accounts.create()

    response = await post_habit(
        client, user, kind="measurable", goal_value=2, goal_type="at_most", unit="coffees"
    )

    assert response.status_code == 201, response.text
    assert response.json()["goal_type"] == "at_most"


async def test_unknown_goal_type_is_refused(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, **STEPS | {"goal_type": "exactly"})

    assert_invalid(response, "goal_type")


@pytest.mark.parametrize("unit", ["", "u" * 33])
async def test_unit_of_0_or_33_characters_is_refused(unit, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, **STEPS | {"unit": unit})

    assert_invalid(response, "unit")


async def test_kind_cannot_change_with_a_patch(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user)

    response = await client.patch(
        f"{API}/habits/{habit['id']}",
        json={"kind": "measurable", "goal_value": 8, "unit": "glasses"},
        headers=user.auth,
    )

    assert_invalid(response, "kind")
    after = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)
    assert after.json() == habit


async def test_kind_cannot_change_with_a_put(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, **STEPS)

    response = await client.put(
        f"{API}/habits/{habit['id']}",
        json={"name": habit["name"], "frequency": "daily", "kind": "boolean"},
        headers=user.auth,
    )

    assert_invalid(response, "kind")
    after = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)
    assert after.json() == habit


# --- dates -----------------------------------------------------------------------------------


async def test_end_date_before_start_date_is_refused(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, start_date="2026-03-10", end_date="2026-03-09")

    message = assert_invalid(response, "end_date")
    assert "start_date" in message
    assert await habit_count(client, user) == 0


async def test_end_date_on_the_start_date_is_accepted(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, start_date="2026-03-10", end_date="2026-03-10")

    assert response.status_code == 201, response.text
    assert (response.json()["start_date"], response.json()["end_date"]) == (
        "2026-03-10",
        "2026-03-10",
    )


async def test_patching_end_date_before_the_start_is_refused(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, start_date="2026-03-10")

    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"end_date": "2026-03-01"}, headers=user.auth
    )

    assert_invalid(response, "end_date")


async def test_start_date_defaults_to_the_users_local_today(client, accounts):
    kiritimati = ZoneInfo("Pacific/Kiritimati")  # UTC+14: often a day ahead of UTC
    user = await accounts.create(timezone="Pacific/Kiritimati")
    before = datetime.now(UTC).astimezone(kiritimati).date()

    response = await post_habit(client, user)

    after = datetime.now(UTC).astimezone(kiritimati).date()
    assert response.status_code == 201, response.text
    assert response.json()["start_date"] in {before.isoformat(), after.isoformat()}


async def test_start_date_must_be_a_date(client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, start_date="2026-02-30")

    assert_invalid(response, "start_date")


# --- looks and order -------------------------------------------------------------------------


@pytest.mark.parametrize("color", ["#4caf50", "#ABCDEF"])
async def test_color_as_hash_and_six_hex_digits_is_accepted(color, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, color=color)

    assert response.status_code == 201, response.text
    assert response.json()["color"] == color


@pytest.mark.parametrize("color", ["green", "4caf50", "#4caf5", "#4caf50ff", "#4caf5g", "#fff"])
async def test_color_other_than_hash_and_six_hex_digits_is_refused(color, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, color=color)

    assert_invalid(response, "color")


@pytest.mark.parametrize(
    ("field", "value"),
    [("description", "d" * 2001), ("icon", ""), ("icon", "i" * 65), ("position", -1)],
)
async def test_other_fields_out_of_bounds_are_refused(field, value, client, accounts):
    user = await accounts.create()

    response = await post_habit(client, user, **{field: value})

    assert_invalid(response, field)
