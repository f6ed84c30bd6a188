"""A habit's `category_ids`: set on create, replace and patch, read back, filtered by, and
let go of when a category is deleted."""

from __future__ import annotations

import pytest

from tests.factories import API, create_habit

CATEGORIES = f"{API}/categories"
HABITS = f"{API}/habits"


@pytest.fixture
async def admin(accounts):
    return await accounts.create_admin()


@pytest.fixture
async def category(client, admin):
    """Makes a category by name and gives its id."""

    async def make(name: str) -> int:
        response = await client.post(CATEGORIES, json={"name": name}, headers=admin.auth)
        assert response.status_code == 201, response.text
        category_id: int = response.json()["id"]
        return category_id

    return make


async def test_a_habit_is_created_in_categories_and_read_with_them(client, accounts, category):
    health, mind = await category("Health"), await category("Mind")
    alice = await accounts.create()

    habit = await create_habit(client, alice, category_ids=[mind, health])

    assert habit["category_ids"] == sorted([health, mind])
    one = await client.get(f"{HABITS}/{habit['id']}", headers=alice.auth)
    assert one.json()["category_ids"] == sorted([health, mind])
    listed = await client.get(HABITS, headers=alice.auth)
    assert listed.json()["items"][0]["category_ids"] == sorted([health, mind])


async def test_a_habit_created_without_categories_has_none(client, accounts):
    alice = await accounts.create()

    habit = await create_habit(client, alice)

    assert habit["category_ids"] == []


async def test_repeated_category_ids_count_once(client, accounts, category):
    health = await category("Health")
    alice = await accounts.create()

    habit = await create_habit(client, alice, category_ids=[health, health, health])

    assert habit["category_ids"] == [health]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
async def test_an_unknown_category_id_is_422_naming_the_field(client, accounts, category, method):
    health = await category("Health")
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Read", category_ids=[health])
    path = HABITS if method == "POST" else f"{HABITS}/{habit['id']}"
    body = {"name": "Walk"} if method != "PATCH" else {}

    response = await client.request(
        method, path, json=body | {"category_ids": [health, 987654]}, headers=alice.auth
    )

    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert ["body", "category_ids"] in [error["loc"] for error in errors]
    assert "987654" in response.json()["detail"]
    listed = (await client.get(HABITS, headers=alice.auth)).json()["items"]
    assert [(item["name"], item["category_ids"]) for item in listed] == [("Read", [health])]


@pytest.mark.parametrize("bad", [[0], ["1"], [True], [1.0], "1", None, list(range(1, 22))])
async def test_category_ids_that_are_not_a_list_of_ids_are_422(client, accounts, bad):
    alice = await accounts.create()

    response = await client.post(
        HABITS, json={"name": "Read", "category_ids": bad}, headers=alice.auth
    )

    assert response.status_code == 422, response.text
    assert any(error["loc"][:2] == ["body", "category_ids"] for error in response.json()["errors"])


async def test_patch_replaces_the_categories_and_an_empty_list_clears_them(
    client, accounts, category
):
    health, mind = await category("Health"), await category("Mind")
    alice = await accounts.create()
    habit = await create_habit(client, alice, category_ids=[health])
    path = f"{HABITS}/{habit['id']}"

    moved = await client.patch(path, json={"category_ids": [mind]}, headers=alice.auth)
    kept = await client.patch(path, json={"name": "Read more"}, headers=alice.auth)
    cleared = await client.patch(path, json={"category_ids": []}, headers=alice.auth)

    assert moved.json()["category_ids"] == [mind]
    assert moved.json()["updated_at"] > habit["updated_at"]
    assert kept.json()["category_ids"] == [mind]
    assert cleared.json()["category_ids"] == []


async def test_put_without_category_ids_takes_the_habit_out_of_them(client, accounts, category):
    health = await category("Health")
    alice = await accounts.create()
    habit = await create_habit(client, alice, category_ids=[health])

    response = await client.put(
        f"{HABITS}/{habit['id']}", json={"name": "Read"}, headers=alice.auth
    )

    assert response.status_code == 200
    assert response.json()["category_ids"] == []


async def test_the_habit_list_filters_by_category(client, accounts, category):
    health, mind = await category("Health"), await category("Mind")
    alice = await accounts.create()
    await create_habit(client, alice, name="Run", category_ids=[health])
    await create_habit(client, alice, name="Read", category_ids=[mind])
    await create_habit(client, alice, name="Yoga", category_ids=[health, mind])
    await create_habit(client, alice, name="Nothing")

    response = await client.get(HABITS, params={"category_id": health}, headers=alice.auth)

    body = response.json()
    assert [item["name"] for item in body["items"]] == ["Run", "Yoga"]
    assert body["total"] == 2


async def test_the_category_filter_shows_only_your_own_habits(client, accounts, category):
    health = await category("Health")
    alice, bob = await accounts.create(), await accounts.create()
    await create_habit(client, bob, name="Run", category_ids=[health])

    response = await client.get(HABITS, params={"category_id": health}, headers=alice.auth)

    assert response.json()["total"] == 0


@pytest.mark.parametrize("bad", ["0", "first", "-1", str(2**63)])
async def test_a_bad_category_filter_is_422(client, accounts, bad):
    alice = await accounts.create()

    response = await client.get(HABITS, params={"category_id": bad}, headers=alice.auth)

    assert response.status_code == 422
    assert ["query", "category_id"] in [error["loc"] for error in response.json()["errors"]]


async def test_a_page_of_habits_reads_each_habits_own_categories(client, accounts, category):
    ids = [await category(f"Category {number}") for number in range(5)]
    alice = await accounts.create()
    for number in range(12):
        await create_habit(client, alice, name=f"Habit {number:02}", category_ids=ids[: number % 5])

    response = await client.get(HABITS, params={"page_size": 7, "page": 2}, headers=alice.auth)

    items = response.json()["items"]
    assert [item["name"] for item in items] == [f"Habit {number:02}" for number in range(7, 12)]
    assert [item["category_ids"] for item in items] == [ids[: n % 5] for n in range(7, 12)]


async def test_deleting_a_category_takes_it_off_habits_and_changes_nothing_else(
    client, accounts, admin, category
):
    health, mind = await category("Health"), await category("Mind")
    alice = await accounts.create()
    habit = await create_habit(client, alice, category_ids=[health, mind])
    await client.put(
        f"{HABITS}/{habit['id']}/checkins/today", json={"status": "done"}, headers=alice.auth
    )
    before = (await client.get(f"{HABITS}/{habit['id']}", headers=alice.auth)).json()

    response = await client.delete(f"{CATEGORIES}/{health}", headers=admin.auth)

    assert response.status_code == 204
    after = (await client.get(f"{HABITS}/{habit['id']}", headers=alice.auth)).json()
    assert after == before | {"category_ids": [mind]}
    checkins = await client.get(f"{HABITS}/{habit['id']}/checkins", headers=alice.auth)
    assert len(checkins.json()) == 1
    remaining = (await client.get(CATEGORIES, headers=alice.auth)).json()["items"]
    assert [item["id"] for item in remaining] == [mind]


async def test_deleting_a_habit_keeps_its_categories(client, accounts, category):
    health = await category("Health")
    alice = await accounts.create()
    habit = await create_habit(client, alice, category_ids=[health])

    await client.delete(f"{HABITS}/{habit['id']}", headers=alice.auth)

    remaining = (await client.get(CATEGORIES, headers=alice.auth)).json()["items"]
    assert [item["id"] for item in remaining] == [health]
