"""/admin/habits: every user's habits for administrators, and putting them in categories."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import API, Account, create_habit

ADMIN_HABITS = f"{API}/admin/habits"
CATEGORIES = f"{API}/categories"


async def new_category(client: httpx.AsyncClient, admin: Account, name: str) -> int:
    response = await client.post(CATEGORIES, json={"name": name}, headers=admin.auth)
    assert response.status_code == 201, response.text
    category_id: int = response.json()["id"]
    return category_id


async def test_an_admin_lists_every_users_habits_with_their_owner(client, accounts):
    admin = await accounts.create_admin()
    alice, bob = await accounts.create("alice"), await accounts.create("bob")
    await create_habit(client, alice, name="Read")
    await create_habit(client, bob, name="Run")

    response = await client.get(ADMIN_HABITS, params={"sort": "name"}, headers=admin.auth)

    assert response.status_code == 200, response.text
    body = response.json()
    assert [(item["name"], item["user_id"], item["username"]) for item in body["items"]] == [
        ("Read", alice.id, "alice"),
        ("Run", bob.id, "bob"),
    ]
    assert body["total"] == 2


async def test_the_list_filters_by_user(client, accounts):
    admin = await accounts.create_admin()
    alice, bob = await accounts.create(), await accounts.create()
    await create_habit(client, alice, name="Read")
    await create_habit(client, bob, name="Run")

    response = await client.get(ADMIN_HABITS, params={"user_id": bob.id}, headers=admin.auth)

    assert [item["name"] for item in response.json()["items"]] == ["Run"]


async def test_the_list_filters_by_category_and_name(client, accounts):
    admin = await accounts.create_admin()
    health = await new_category(client, admin, "Health")
    alice, bob = await accounts.create(), await accounts.create()
    await create_habit(client, alice, name="Morning run", category_ids=[health])
    await create_habit(client, bob, name="Evening run", category_ids=[health])
    await create_habit(client, bob, name="Long run")
    await create_habit(client, bob, name="Yoga", category_ids=[health])

    response = await client.get(
        ADMIN_HABITS,
        params={"category_id": health, "q": "RUN", "sort": "-name"},
        headers=admin.auth,
    )

    body = response.json()
    assert [item["name"] for item in body["items"]] == ["Morning run", "Evening run"]
    assert all(item["category_ids"] == [health] for item in body["items"])
    assert body["total"] == 2


async def test_the_list_is_paginated_and_counts_every_match(client, accounts):
    admin = await accounts.create_admin()
    for owner in [await accounts.create() for _ in range(3)]:
        for name in ("A", "B"):
            await create_habit(client, owner, name=name)

    first = await client.get(ADMIN_HABITS, params={"page_size": 4}, headers=admin.auth)
    second = await client.get(ADMIN_HABITS, params={"page_size": 4, "page": 2}, headers=admin.auth)
    past = await client.get(ADMIN_HABITS, params={"page_size": 4, "page": 3}, headers=admin.auth)

    ids = [item["id"] for item in first.json()["items"] + second.json()["items"]]
    assert len(ids) == len(set(ids)) == 6
    assert [page.json()["total"] for page in (first, second, past)] == [6, 6, 6]
    assert past.json()["items"] == []


async def test_archived_habits_are_listed_when_asked_for(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    await create_habit(client, alice, name="Old")
    habit = await create_habit(client, alice, name="Older")
    await client.patch(f"{API}/habits/{habit['id']}", json={"archived": True}, headers=alice.auth)

    active = await client.get(ADMIN_HABITS, headers=admin.auth)
    archived = await client.get(ADMIN_HABITS, params={"archived": "true"}, headers=admin.auth)
    every = await client.get(ADMIN_HABITS, params={"archived": "all"}, headers=admin.auth)

    assert [item["name"] for item in active.json()["items"]] == ["Old"]
    assert [item["name"] for item in archived.json()["items"]] == ["Older"]
    assert every.json()["total"] == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [("user_id", "0"), ("user_id", "alice"), ("category_id", "-3"), ("sort", "owner")],
)
async def test_bad_filters_are_422_naming_the_parameter(client, accounts, name, value):
    admin = await accounts.create_admin()

    response = await client.get(ADMIN_HABITS, params={name: value}, headers=admin.auth)

    assert response.status_code == 422
    assert ["query", name] in [error["loc"] for error in response.json()["errors"]]


async def test_a_user_may_not_list_everyones_habits(client, accounts):
    alice = await accounts.create()
    await create_habit(client, alice)

    response = await client.get(ADMIN_HABITS, headers=alice.auth)

    assert response.status_code == 403


async def test_an_admin_puts_anyones_habit_in_categories(client, accounts):
    admin = await accounts.create_admin()
    health, mind = (
        await new_category(client, admin, "Health"),
        await new_category(client, admin, "Mind"),
    )
    alice = await accounts.create("alice")
    habit = await create_habit(client, alice, name="Yoga", category_ids=[mind])
    path = f"{ADMIN_HABITS}/{habit['id']}/categories"

    response = await client.put(
        path, json={"category_ids": [health, mind, health]}, headers=admin.auth
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["category_ids"], body["user_id"], body["username"]) == (
        sorted([health, mind]),
        alice.id,
        "alice",
    )
    seen_by_owner = await client.get(f"{API}/habits/{habit['id']}", headers=alice.auth)
    assert seen_by_owner.json()["category_ids"] == sorted([health, mind])


async def test_an_empty_list_takes_the_habit_out_of_every_category(client, accounts):
    admin = await accounts.create_admin()
    health = await new_category(client, admin, "Health")
    alice = await accounts.create()
    habit = await create_habit(client, alice, category_ids=[health])

    response = await client.put(
        f"{ADMIN_HABITS}/{habit['id']}/categories", json={"category_ids": []}, headers=admin.auth
    )

    assert response.json()["category_ids"] == []


async def test_putting_a_habit_in_an_unknown_category_is_422_and_changes_nothing(client, accounts):
    admin = await accounts.create_admin()
    health = await new_category(client, admin, "Health")
    alice = await accounts.create()
    habit = await create_habit(client, alice, category_ids=[health])

    response = await client.put(
        f"{ADMIN_HABITS}/{habit['id']}/categories",
        json={"category_ids": [987654]},
        headers=admin.auth,
    )

    assert response.status_code == 422
    assert ["body", "category_ids"] in [error["loc"] for error in response.json()["errors"]]
    seen_by_owner = await client.get(f"{API}/habits/{habit['id']}", headers=alice.auth)
    assert seen_by_owner.json()["category_ids"] == [health]


async def test_a_user_may_not_put_a_habit_in_categories_there_even_their_own(client, accounts):
    admin = await accounts.create_admin()
    health = await new_category(client, admin, "Health")
    alice = await accounts.create()
    habit = await create_habit(client, alice)

    response = await client.put(
        f"{ADMIN_HABITS}/{habit['id']}/categories",
        json={"category_ids": [health]},
        headers=alice.auth,
    )

    assert response.status_code == 403
    seen = await client.get(f"{API}/habits/{habit['id']}", headers=alice.auth)
    assert seen.json()["category_ids"] == []


async def test_putting_an_unknown_habit_in_categories_is_404(client, accounts):
    admin = await accounts.create_admin()

    response = await client.put(
        f"{ADMIN_HABITS}/987654/categories", json={"category_ids": []}, headers=admin.auth
    )

    assert response.status_code == 404
