"""Listing, reading, changing, archiving, reordering and deleting habits, and their rule history."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from habitual.models import Checkin, HabitRule
from tests.factories import API, Account, create_habit

STEPS = {"kind": "measurable", "goal_value": 10_000, "unit": "steps"}


async def local_today(client: httpx.AsyncClient, owner: Account) -> date:
    """The owner's date as the server sees it, so that tests hold across midnight."""
    response = await client.get(f"{API}/today", headers=owner.auth)
    assert response.status_code == 200, response.text
    return date.fromisoformat(response.json()["date"])


async def list_habits(client: httpx.AsyncClient, owner: Account, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/habits", params=params, headers=owner.auth)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def names(client: httpx.AsyncClient, owner: Account, **params: Any) -> list[str]:
    return [habit["name"] for habit in (await list_habits(client, owner, **params))["items"]]


async def patch(
    client: httpx.AsyncClient, owner: Account, habit_id: int, **fields: Any
) -> dict[str, Any]:
    response = await client.patch(f"{API}/habits/{habit_id}", json=fields, headers=owner.auth)
    assert response.status_code == 200, response.text
    habit: dict[str, Any] = response.json()
    return habit


async def check_in(
    client: httpx.AsyncClient, owner: Account, habit_id: int, day: date | str, **body: Any
) -> dict[str, Any]:
    response = await client.put(
        f"{API}/habits/{habit_id}/checkins/{day}",
        json={"status": "done"} | body,
        headers=owner.auth,
    )
    assert response.status_code in (200, 201), response.text
    checkin: dict[str, Any] = response.json()
    return checkin


async def rules(client: httpx.AsyncClient, owner: Account, habit_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/habits/{habit_id}/rules", headers=owner.auth)
    assert response.status_code == 200, response.text
    history: list[dict[str, Any]] = response.json()
    return history


async def three_habits(client: httpx.AsyncClient, owner: Account) -> None:
    """Walk (weekly, measurable), read (daily), Meditate (every 2 days), made in that order."""
    await create_habit(client, owner, name="Walk", frequency="weekly", times_per_period=3, **STEPS)
    await create_habit(client, owner, name="read", frequency="daily")
    await create_habit(client, owner, name="Meditate", frequency="every_n_days", every_n_days=2)


# --- list ------------------------------------------------------------------------------------


async def test_list_pages_through_the_habits_with_the_total(client, accounts):
    user = await accounts.create()
    await three_habits(client, user)

    first = await list_habits(client, user, page_size=1)
    second = await list_habits(client, user, page_size=1, page=2)
    beyond = await list_habits(client, user, page_size=1, page=4)

    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 1)
    assert [habit["name"] for habit in first["items"]] == ["Walk"]
    assert (second["total"], second["page"]) == (3, 2)
    assert [habit["name"] for habit in second["items"]] == ["read"]
    assert (beyond["total"], beyond["items"]) == (3, [])


async def test_list_shows_only_the_callers_habits(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    await create_habit(client, alice, name="Read")
    await create_habit(client, bob, name="Swim")

    page = await list_habits(client, alice)

    assert page["total"] == 1
    assert [habit["name"] for habit in page["items"]] == ["Read"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Walk", "read", "Meditate"]),
        ("position", ["Walk", "read", "Meditate"]),
        ("-position", ["Meditate", "read", "Walk"]),
        ("name", ["Meditate", "read", "Walk"]),
        ("-name", ["Walk", "read", "Meditate"]),
        ("frequency", ["read", "Meditate", "Walk"]),
        ("-frequency", ["Walk", "Meditate", "read"]),
        ("created_at", ["Walk", "read", "Meditate"]),
        ("-created_at", ["Meditate", "read", "Walk"]),
    ],
)
async def test_list_sorts_by_the_given_field(sort, expected, client, accounts):
    user = await accounts.create()
    await three_habits(client, user)
    params = {} if sort is None else {"sort": sort}

    assert await names(client, user, **params) == expected


async def test_list_refuses_an_unknown_sort_field(client, accounts):
    user = await accounts.create()

    response = await client.get(f"{API}/habits", params={"sort": "user_id"}, headers=user.auth)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", "sort"]


async def test_list_shows_the_active_habits_unless_asked_for_archived_ones(client, accounts):
    user = await accounts.create()
    await three_habits(client, user)
    read = (await list_habits(client, user, q="read"))["items"][0]
    await patch(client, user, read["id"], archived=True)

    assert await names(client, user) == ["Walk", "Meditate"]
    assert (await list_habits(client, user))["total"] == 2
    assert await names(client, user, archived="false") == ["Walk", "Meditate"]
    assert await names(client, user, archived="true") == ["read"]
    assert await names(client, user, archived="all") == ["Walk", "read", "Meditate"]
    assert await names(client, user, archived="All") == ["Walk", "read", "Meditate"]
    assert await names(client, user, archived="True") == ["read"]


@pytest.mark.parametrize("archived", ["maybe", "yes", "1", "", "none"])
async def test_list_refuses_an_unknown_archived_value(archived, client, accounts):
    user = await accounts.create()

    response = await client.get(f"{API}/habits", params={"archived": archived}, headers=user.auth)

    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["errors"]] == [["query", "archived"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("EA", ["read"]), ("a", ["Walk", "read", "Meditate"]), ("walk", ["Walk"]), ("%", [])],
)
async def test_list_filters_by_part_of_the_name_in_any_case(q, expected, client, accounts):
    user = await accounts.create()
    await three_habits(client, user)

    page = await list_habits(client, user, q=q)

    assert [habit["name"] for habit in page["items"]] == expected
    assert page["total"] == len(expected)


async def test_list_name_filter_takes_wildcards_literally(client, accounts):
    user = await accounts.create()
    await create_habit(client, user, name="10_000 steps")
    await create_habit(client, user, name="10x000 steps")

    assert await names(client, user, q="0_0") == ["10_000 steps"]


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [("daily", ["read"]), ("weekly", ["Walk"]), ("every_n_days", ["Meditate"]), ("monthly", [])],
)
async def test_list_filters_by_frequency(frequency, expected, client, accounts):
    user = await accounts.create()
    await three_habits(client, user)

    assert await names(client, user, frequency=frequency) == expected


@pytest.mark.parametrize(
    ("kind", "expected"), [("measurable", ["Walk"]), ("boolean", ["read", "Meditate"])]
)
async def test_list_filters_by_kind(kind, expected, client, accounts):
    user = await accounts.create()
    await three_habits(client, user)

    assert await names(client, user, kind=kind) == expected


# --- one habit -------------------------------------------------------------------------------


async def test_get_answers_the_habit_as_created(client, accounts):
    user = await accounts.create()
    habit = await create_habit(
        client,
        user,
        name="Read",
        description="Twenty pages",
        target_days=["monday", "friday"],
        start_date="2026-01-05",
        color="#4caf50",
        icon="book",
    )

    response = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)

    assert response.status_code == 200, response.text
    assert response.json() == habit
    expected = {
        "name": "Read",
        "description": "Twenty pages",
        "frequency": "daily",
        "times_per_period": None,
        "target_days": ["monday", "friday"],
        "every_n_days": None,
        "kind": "boolean",
        "goal_value": None,
        "goal_type": None,
        "unit": None,
        "start_date": "2026-01-05",
        "end_date": None,
        "color": "#4caf50",
        "icon": "book",
        "position": 0,
        "archived": False,
        "archived_at": None,
    }
    assert {key: habit[key] for key in expected} == expected


async def test_missing_habit_is_not_found(client, accounts):
    user = await accounts.create()

    response = await client.get(f"{API}/habits/987654", headers=user.auth)

    assert response.status_code == 404, response.text


async def test_patch_changes_only_the_given_fields(client, accounts):
    user = await accounts.create()
    habit = await create_habit(
        client, user, name="Read", description="Twenty pages", color="#4caf50", icon="book"
    )

    changed = await patch(client, user, habit["id"], description="Thirty pages", icon=None)

    assert changed["description"] == "Thirty pages"
    assert changed["icon"] is None
    untouched = {key for key in habit if key not in {"description", "icon", "updated_at"}}
    assert {key: changed[key] for key in untouched} == {key: habit[key] for key in untouched}
    again = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)
    assert again.json() == changed


async def test_put_replaces_every_field_and_keeps_position_and_start_date(client, accounts):
    user = await accounts.create()
    await create_habit(client, user, name="Walk")
    habit = await create_habit(
        client,
        user,
        name="Read",
        description="Twenty pages",
        start_date="2026-01-05",
        color="#4caf50",
        icon="book",
        target_days=["monday"],
    )

    response = await client.put(
        f"{API}/habits/{habit['id']}",
        json={"name": "Read more", "frequency": "weekly", "times_per_period": 2},
        headers=user.auth,
    )

    assert response.status_code == 200, response.text
    replaced = response.json()
    assert replaced["name"] == "Read more"
    assert (replaced["frequency"], replaced["times_per_period"]) == ("weekly", 2)
    assert replaced["target_days"] is None
    assert (replaced["description"], replaced["color"], replaced["icon"]) == (None, None, None)
    assert (replaced["position"], replaced["start_date"]) == (1, "2026-01-05")
    assert (replaced["id"], replaced["created_at"]) == (habit["id"], habit["created_at"])


async def test_put_keeps_an_archived_habit_archived(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, name="Read")
    archived = await patch(client, user, habit["id"], archived=True)

    response = await client.put(
        f"{API}/habits/{habit['id']}",
        json={"name": "Read", "frequency": "daily"},
        headers=user.auth,
    )

    assert response.status_code == 200, response.text
    assert response.json()["archived"] is True
    assert response.json()["archived_at"] == archived["archived_at"]


async def test_delete_removes_the_habit_with_its_checkins_and_rules(client, accounts, runtime):
    user = await accounts.create()
    today = await local_today(client, user)
    habit = await create_habit(client, user, start_date=(today - timedelta(days=5)).isoformat())
    kept = await create_habit(client, user, start_date=(today - timedelta(days=5)).isoformat())
    for days_ago in (0, 1, 2):
        await check_in(client, user, habit["id"], today - timedelta(days=days_ago))
    await check_in(client, user, kept["id"], today)

    response = await client.delete(f"{API}/habits/{habit['id']}", headers=user.auth)

    assert response.status_code == 204, response.text
    assert response.content == b""
    gone = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)
    assert gone.status_code == 404
    async with runtime.database.reader() as session:
        counts = {}
        for model in (Checkin, HabitRule):
            for habit_id in (habit["id"], kept["id"]):
                statement = select(func.count()).where(model.habit_id == habit_id)
                counts[model.__name__, habit_id] = await session.scalar(statement)
    assert counts == {
        ("Checkin", habit["id"]): 0,
        ("HabitRule", habit["id"]): 0,
        ("Checkin", kept["id"]): 1,
        ("HabitRule", kept["id"]): 1,
    }


async def test_deleting_twice_is_not_found(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user)
    await client.delete(f"{API}/habits/{habit['id']}", headers=user.auth)

    response = await client.delete(f"{API}/habits/{habit['id']}", headers=user.auth)

    assert response.status_code == 404, response.text


# --- archive and order -----------------------------------------------------------------------


async def test_patch_archived_archives_and_restores(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, name="Read")

    archived = await patch(client, user, habit["id"], archived=True)
    assert archived["archived"] is True
    assert archived["archived_at"] is not None
    assert await names(client, user, archived="false") == []

    restored = await patch(client, user, habit["id"], archived=False)
    assert restored["archived"] is False
    assert restored["archived_at"] is None
    assert await names(client, user, archived="false") == ["Read"]


async def test_archiving_an_archived_habit_keeps_its_archived_at(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user)
    first = await patch(client, user, habit["id"], archived=True)

    again = await patch(client, user, habit["id"], archived=True, description="paused")

    assert again["archived_at"] == first["archived_at"]


async def test_new_habits_go_after_the_others(client, accounts):
    user = await accounts.create()
    positions = [(await create_habit(client, user))["position"] for _ in range(3)]

    assert positions == [0, 1, 2]


async def test_creating_at_a_position_shifts_the_others(client, accounts):
    user = await accounts.create()
    for name in ("A", "B", "C"):
        await create_habit(client, user, name=name)

    await create_habit(client, user, name="New", position=1)

    page = await list_habits(client, user, sort="position")
    assert [(habit["name"], habit["position"]) for habit in page["items"]] == [
        ("A", 0),
        ("New", 1),
        ("B", 2),
        ("C", 3),
    ]


async def test_moving_a_habit_down_shifts_the_ones_between_up(client, accounts):
    user = await accounts.create()
    ids = {name: (await create_habit(client, user, name=name))["id"] for name in "ABCD"}

    moved = await patch(client, user, ids["A"], position=2)

    assert moved["position"] == 2
    page = await list_habits(client, user, sort="position")
    assert [(habit["name"], habit["position"]) for habit in page["items"]] == [
        ("B", 0),
        ("C", 1),
        ("A", 2),
        ("D", 3),
    ]


async def test_moving_a_habit_up_shifts_the_ones_between_down(client, accounts):
    user = await accounts.create()
    ids = {name: (await create_habit(client, user, name=name))["id"] for name in "ABCD"}

    await patch(client, user, ids["D"], position=1)

    page = await list_habits(client, user, sort="position")
    assert [(habit["name"], habit["position"]) for habit in page["items"]] == [
        ("A", 0),
        ("D", 1),
        ("B", 2),
        ("C", 3),
    ]


async def test_reordering_leaves_another_users_habits_alone(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    alices = [(await create_habit(client, alice, name=name))["id"] for name in "AB"]
    for name in "XYZ":
        await create_habit(client, bob, name=name)

    await patch(client, alice, alices[0], position=1)

    page = await list_habits(client, bob, sort="position")
    assert [(habit["name"], habit["position"]) for habit in page["items"]] == [
        ("X", 0),
        ("Y", 1),
        ("Z", 2),
    ]


# --- schedule changes and history ------------------------------------------------------------


async def test_patching_daily_to_weekly_drops_the_target_days(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, target_days=["monday", "friday"])

    changed = await patch(client, user, habit["id"], frequency="weekly", times_per_period=2)

    assert (changed["frequency"], changed["times_per_period"]) == ("weekly", 2)
    assert changed["target_days"] is None


async def test_patching_weekly_to_daily_drops_times_per_period(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, frequency="weekly", times_per_period=3)

    changed = await patch(client, user, habit["id"], frequency="daily")

    assert changed["times_per_period"] is None
    assert changed["target_days"] == [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]


async def test_a_new_habit_has_one_rule_from_its_start_date(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, start_date="2026-01-05", **STEPS)

    assert await rules(client, user, habit["id"]) == [
        {
            "effective_from": "2026-01-05",
            "frequency": "daily",
            "times_per_period": None,
            "target_days": [
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
            ],
            "every_n_days": None,
            "goal_value": 10_000,
            "goal_type": "at_least",
        }
    ]


async def test_changing_only_looks_adds_no_rule(client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, start_date="2026-01-05", **STEPS)

    await patch(client, user, habit["id"], name="Steps", color="#123456", unit="paces")

    assert [rule["effective_from"] for rule in await rules(client, user, habit["id"])] == [
        "2026-01-05"
    ]


async def test_changing_the_goal_adds_a_rule_from_today(client, accounts):
    user = await accounts.create()
    today = await local_today(client, user)
    start = today - timedelta(days=10)
    habit = await create_habit(client, user, start_date=start.isoformat(), **STEPS)

    await patch(client, user, habit["id"], goal_value=20_000)

    history = await rules(client, user, habit["id"])
    assert [(rule["effective_from"], rule["goal_value"]) for rule in history] == [
        (start.isoformat(), 10_000),
        (today.isoformat(), 20_000),
    ]


async def test_a_past_day_is_judged_by_the_goal_it_had(client, accounts):
    user = await accounts.create()
    today = await local_today(client, user)
    habit = await create_habit(
        client, user, start_date=(today - timedelta(days=10)).isoformat(), **STEPS
    )
    three_days_ago = today - timedelta(days=3)
    await check_in(client, user, habit["id"], three_days_ago, value=12_000)

    await patch(client, user, habit["id"], goal_value=20_000)
    today_checkin = await check_in(client, user, habit["id"], today, value=12_000)

    assert today_checkin["met"] is False
    response = await client.get(f"{API}/habits/{habit['id']}/checkins", headers=user.auth)
    assert response.status_code == 200, response.text
    assert [(checkin["date"], checkin["met"]) for checkin in response.json()] == [
        (three_days_ago.isoformat(), True),
        (today.isoformat(), False),
    ]


async def test_a_past_day_backfilled_after_the_goal_changed_is_judged_by_the_old_goal(
    client, accounts
):
    user = await accounts.create()
    today = await local_today(client, user)
    habit = await create_habit(
        client, user, start_date=(today - timedelta(days=10)).isoformat(), **STEPS
    )
    await patch(client, user, habit["id"], goal_value=20_000)

    backfilled = await check_in(client, user, habit["id"], today - timedelta(days=3), value=12_000)

    assert backfilled["met"] is True


async def test_changing_the_goal_twice_in_a_day_keeps_one_rule_for_that_day(client, accounts):
    user = await accounts.create()
    today = await local_today(client, user)
    start = today - timedelta(days=10)
    habit = await create_habit(client, user, start_date=start.isoformat(), **STEPS)

    await patch(client, user, habit["id"], goal_value=20_000)
    await patch(client, user, habit["id"], goal_value=15_000)

    history = await rules(client, user, habit["id"])
    assert [(rule["effective_from"], rule["goal_value"]) for rule in history] == [
        (start.isoformat(), 10_000),
        (today.isoformat(), 15_000),
    ]


async def test_changing_the_goal_back_the_same_day_leaves_the_history_as_it_was(client, accounts):
    user = await accounts.create()
    today = await local_today(client, user)
    start = today - timedelta(days=10)
    habit = await create_habit(client, user, start_date=start.isoformat(), **STEPS)

    await patch(client, user, habit["id"], goal_value=20_000)
    await patch(client, user, habit["id"], goal_value=10_000)

    history = await rules(client, user, habit["id"])
    assert [(rule["effective_from"], rule["goal_value"]) for rule in history] == [
        (start.isoformat(), 10_000),
    ]


async def test_changing_the_schedule_by_put_adds_a_rule_from_today(client, accounts):
    user = await accounts.create()
    today = await local_today(client, user)
    start = today - timedelta(days=10)
    habit = await create_habit(client, user, name="Read", start_date=start.isoformat())

    response = await client.put(
        f"{API}/habits/{habit['id']}",
        json={"name": "Read", "frequency": "weekly", "times_per_period": 4},
        headers=user.auth,
    )

    assert response.status_code == 200, response.text
    history = await rules(client, user, habit["id"])
    assert [(rule["effective_from"], rule["frequency"]) for rule in history] == [
        (start.isoformat(), "daily"),
        (today.isoformat(), "weekly"),
    ]
