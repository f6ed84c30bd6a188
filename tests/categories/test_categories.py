"""/categories: read by anyone signed in, changed by admins only, names unique ignoring case."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.factories import API, PROBLEM_JSON, Account

CATEGORIES = f"{API}/categories"
CATEGORY_FIELDS = {"id", "name", "description", "icon", "color", "created_at", "updated_at"}


async def create_category(
    client: httpx.AsyncClient, admin: Account, **fields: Any
) -> dict[str, Any]:
    response = await client.post(CATEGORIES, json={"name": "Health"} | fields, headers=admin.auth)
    assert response.status_code == 201, response.text
    category: dict[str, Any] = response.json()
    return category


async def test_an_admin_creates_a_category_with_every_field(client, accounts):
    admin = await accounts.create_admin()

    body = {"name": "  Health ", "description": "Body", "icon": "heart", "color": "#4CAF50"}
    response = await client.post(CATEGORIES, json=body, headers=admin.auth)

    assert response.status_code == 201, response.text
    category = response.json()
    assert set(category) == CATEGORY_FIELDS
    assert {key: category[key] for key in ("name", "description", "icon", "color")} == {
        "name": "Health",
        "description": "Body",
        "icon": "heart",
        "color": "#4caf50",
    }


async def test_anyone_signed_in_lists_the_categories_by_name_ignoring_case(client, accounts):
    admin = await accounts.create_admin()
    for name in ("sleep", "Health", "mind", "Diet"):
        await create_category(client, admin, name=name)
    alice = await accounts.create()

    response = await client.get(CATEGORIES, headers=alice.auth)

    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body["items"]] == ["Diet", "Health", "mind", "sleep"]
    assert body["total"] == 4


async def test_the_category_list_is_paginated(client, accounts):
    admin = await accounts.create_admin()
    for name in ("a", "b", "c"):
        await create_category(client, admin, name=name)

    response = await client.get(CATEGORIES, params={"page": 2, "page_size": 2}, headers=admin.auth)

    body = response.json()
    assert [item["name"] for item in body["items"]] == ["c"]
    assert (body["total"], body["page"], body["page_size"]) == (3, 2, 2)


async def test_a_personal_token_reads_categories_with_the_habits_read_scope(client, accounts):
    alice = await accounts.create()
    token = await accounts.personal_token(alice, "habits:read")

    response = await client.get(CATEGORIES, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200


@pytest.mark.parametrize("taken", ["Health", "health", "HEALTH", " hEaLtH "])
async def test_a_name_taken_in_any_case_is_409(client, accounts, taken):
    admin = await accounts.create_admin()
    await create_category(client, admin, name="Health")

    response = await client.post(CATEGORIES, json={"name": taken}, headers=admin.auth)

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (await client.get(CATEGORIES, headers=admin.auth)).json()["total"] == 1


async def test_names_that_fold_to_the_same_are_one_name(client, accounts):
    admin = await accounts.create_admin()
    await create_category(client, admin, name="Straße")

    response = await client.post(CATEGORIES, json={"name": "STRASSE"}, headers=admin.auth)

    assert response.status_code == 409


async def test_of_concurrent_creations_of_one_name_exactly_one_wins(client, accounts):
    admin = await accounts.create_admin()
    names = ["Health", "health", "HEALTH", "Health", "hEALTH", "healtH"]

    responses = await asyncio.gather(
        *(client.post(CATEGORIES, json={"name": name}, headers=admin.auth) for name in names)
    )

    assert sorted(response.status_code for response in responses) == [201] + [409] * 5
    assert (await client.get(CATEGORIES, headers=admin.auth)).json()["total"] == 1


async def test_renaming_to_a_name_taken_in_another_case_is_409(client, accounts):
    admin = await accounts.create_admin()
    await create_category(client, admin, name="Health")
    mind = await create_category(client, admin, name="Mind")

    response = await client.patch(
        f"{CATEGORIES}/{mind['id']}", json={"name": "HEALTH"}, headers=admin.auth
    )

    assert response.status_code == 409
    listed = (await client.get(CATEGORIES, headers=admin.auth)).json()["items"]
    assert [item["name"] for item in listed] == ["Health", "Mind"]


async def test_a_category_may_change_the_case_of_its_own_name(client, accounts):
    admin = await accounts.create_admin()
    health = await create_category(client, admin, name="health")

    response = await client.patch(
        f"{CATEGORIES}/{health['id']}", json={"name": "Health"}, headers=admin.auth
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Health"


async def test_patch_changes_only_the_fields_given_and_null_clears(client, accounts):
    admin = await accounts.create_admin()
    health = await create_category(
        client, admin, name="Health", description="Body", icon="heart", color="#ff0000"
    )

    response = await client.patch(
        f"{CATEGORIES}/{health['id']}", json={"icon": None, "color": "#00FF00"}, headers=admin.auth
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["icon"], body["color"]) == (
        "Health",
        "Body",
        None,
        "#00ff00",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 61),
        ("name", "Health\nand more"),
        ("name", None),
        ("name", 7),
        ("description", "x" * 501),
        ("icon", ""),
        ("icon", "x" * 65),
        ("icon", "he\x07art"),
        ("color", "green"),
        ("color", "#abc"),
        ("color", "4caf50"),
        ("id", 5),
    ],
)
async def test_bad_category_input_is_422_naming_the_field(client, accounts, field, value):
    admin = await accounts.create_admin()

    response = await client.post(
        CATEGORIES, json={"name": "Health", field: value}, headers=admin.auth
    )

    assert response.status_code == 422, response.text
    assert ["body", field] in [error["loc"] for error in response.json()["errors"]]
    assert (await client.get(CATEGORIES, headers=admin.auth)).json()["total"] == 0


async def test_a_user_may_not_create_change_or_delete_a_category(client, accounts):
    admin = await accounts.create_admin()
    health = await create_category(client, admin, name="Health")
    alice = await accounts.create()
    path = f"{CATEGORIES}/{health['id']}"

    created = await client.post(CATEGORIES, json={"name": "Mind"}, headers=alice.auth)
    changed = await client.patch(path, json={"name": "Mind"}, headers=alice.auth)
    deleted = await client.delete(path, headers=alice.auth)

    assert [created.status_code, changed.status_code, deleted.status_code] == [403, 403, 403]
    listed = (await client.get(CATEGORIES, headers=alice.auth)).json()["items"]
    assert [item["name"] for item in listed] == ["Health"]


async def test_an_unknown_category_is_404(client, accounts):
    admin = await accounts.create_admin()

    changed = await client.patch(f"{CATEGORIES}/987654", json={"name": "X"}, headers=admin.auth)
    deleted = await client.delete(f"{CATEGORIES}/987654", headers=admin.auth)

    assert [changed.status_code, deleted.status_code] == [404, 404]


async def test_a_deleted_categorys_name_is_free_again(client, accounts):
    admin = await accounts.create_admin()
    health = await create_category(client, admin, name="Health")
    await client.delete(f"{CATEGORIES}/{health['id']}", headers=admin.auth)

    response = await client.post(CATEGORIES, json={"name": "health"}, headers=admin.auth)

    assert response.status_code == 201
