"""How much one account may keep: habits per user and reminders per habit, then 409."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from habitual.config import Settings
from tests.factories import API, PROBLEM_JSON, Account

HABITS, REMINDERS = f"{API}/habits", f"{API}/reminders"


def test_the_limits_have_sensible_defaults():
    defaults = Settings(_env_file=None)
    assert defaults.max_habits_per_user == 500
    assert defaults.max_reminders_per_habit == 20


async def habit_total(http: httpx.AsyncClient, owner: Account) -> int:
    response = await http.get(HABITS, params={"archived": "all"}, headers=owner.auth)
    total: int = response.json()["total"]
    return total


def assert_limit_reached(response: httpx.Response, words: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["title"] == "Conflict"
    assert words in problem["detail"]


async def test_past_the_habit_limit_a_new_habit_is_a_409(app_factory, accounts):
    async with app_factory(max_habits_per_user=2) as http:
        alice = await accounts.create("alice")
        for name in ("Read", "Run"):
            created = await http.post(HABITS, json={"name": name}, headers=alice.auth)
            assert created.status_code == 201

        response = await http.post(HABITS, json={"name": "Write"}, headers=alice.auth)

        assert_limit_reached(response, "limit of habits (2)")
        assert await habit_total(http, alice) == 2


async def test_archived_habits_count_towards_the_limit(app_factory, accounts):
    async with app_factory(max_habits_per_user=1) as http:
        alice = await accounts.create("alice")
        read = (await http.post(HABITS, json={"name": "Read"}, headers=alice.auth)).json()
        await http.patch(f"{HABITS}/{read['id']}", json={"archived": True}, headers=alice.auth)

        response = await http.post(HABITS, json={"name": "Run"}, headers=alice.auth)

        assert_limit_reached(response, "archived habits count too")


async def test_deleting_a_habit_makes_room_for_another(app_factory, accounts):
    async with app_factory(max_habits_per_user=1) as http:
        alice = await accounts.create("alice")
        read = (await http.post(HABITS, json={"name": "Read"}, headers=alice.auth)).json()
        await http.delete(f"{HABITS}/{read['id']}", headers=alice.auth)

        response = await http.post(HABITS, json={"name": "Run"}, headers=alice.auth)

        assert response.status_code == 201


async def test_the_habit_limit_is_per_user(app_factory, accounts):
    async with app_factory(max_habits_per_user=1) as http:
        alice = await accounts.create("alice")
        bob = await accounts.create("bob")
        await http.post(HABITS, json={"name": "Read"}, headers=alice.auth)

        response = await http.post(HABITS, json={"name": "Read"}, headers=bob.auth)

        assert response.status_code == 201


async def test_parallel_creations_never_pass_the_habit_limit(app_factory, accounts):
    async with app_factory(max_habits_per_user=3) as http:
        alice = await accounts.create("alice")

        responses = await asyncio.gather(
            *(http.post(HABITS, json={"name": f"Habit {n}"}, headers=alice.auth) for n in range(12))
        )

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201] * 3 + [409] * 9
        assert await habit_total(http, alice) == 3


async def new_habit(http: httpx.AsyncClient, owner: Account, name: str) -> dict[str, Any]:
    response = await http.post(HABITS, json={"name": name}, headers=owner.auth)
    assert response.status_code == 201, response.text
    habit: dict[str, Any] = response.json()
    return habit


async def remind(http: httpx.AsyncClient, owner: Account, habit: dict[str, Any]) -> httpx.Response:
    body = {"habit_id": habit["id"], "time": "07:30"}
    return await http.post(REMINDERS, json=body, headers=owner.auth)


async def reminder_total(http: httpx.AsyncClient, owner: Account) -> int:
    total: int = (await http.get(REMINDERS, headers=owner.auth)).json()["total"]
    return total


async def test_past_the_reminder_limit_a_new_reminder_is_a_409(app_factory, accounts):
    async with app_factory(max_reminders_per_habit=2) as http:
        alice = await accounts.create("alice")
        read = await new_habit(http, alice, "Read")
        for _ in range(2):
            assert (await remind(http, alice, read)).status_code == 201

        response = await remind(http, alice, read)

        assert_limit_reached(response, "limit of reminders (2)")
        assert await reminder_total(http, alice) == 2


async def test_the_reminder_limit_is_per_habit(app_factory, accounts):
    async with app_factory(max_reminders_per_habit=1) as http:
        alice = await accounts.create("alice")
        read, run = await new_habit(http, alice, "Read"), await new_habit(http, alice, "Run")
        assert (await remind(http, alice, read)).status_code == 201

        response = await remind(http, alice, run)

        assert response.status_code == 201


async def test_moving_a_reminder_to_a_full_habit_is_a_409(app_factory, accounts):
    async with app_factory(max_reminders_per_habit=1) as http:
        alice = await accounts.create("alice")
        read, run = await new_habit(http, alice, "Read"), await new_habit(http, alice, "Run")
        await remind(http, alice, read)
        moving = (await remind(http, alice, run)).json()

        response = await http.patch(
            f"{REMINDERS}/{moving['id']}", json={"habit_id": read["id"]}, headers=alice.auth
        )
        unchanged = await http.get(f"{REMINDERS}/{moving['id']}", headers=alice.auth)

        assert_limit_reached(response, "limit of reminders (1)")
        assert unchanged.json()["habit_id"] == run["id"]


async def test_changing_a_reminder_of_a_full_habit_is_allowed(app_factory, accounts):
    async with app_factory(max_reminders_per_habit=1) as http:
        alice = await accounts.create("alice")
        read = await new_habit(http, alice, "Read")
        reminder = (await remind(http, alice, read)).json()

        response = await http.patch(
            f"{REMINDERS}/{reminder['id']}",
            json={"habit_id": read["id"], "time": "08:00"},
            headers=alice.auth,
        )

        assert response.status_code == 200, response.text


async def test_parallel_reminders_never_pass_the_limit(app_factory, accounts):
    async with app_factory(max_reminders_per_habit=3) as http:
        alice = await accounts.create("alice")
        read = await new_habit(http, alice, "Read")

        responses = await asyncio.gather(*(remind(http, alice, read) for _ in range(12)))

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201] * 3 + [409] * 9
        assert await reminder_total(http, alice) == 3
