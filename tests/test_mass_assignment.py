"""Fields a client must never set: naming one in a body is a 422, and nothing at all changes."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import API, create_habit

# Each with a value that would change something if it were taken.
PROTECTED_FIELDS = {
    "role": "admin",
    "id": 424_242,
    "is_active": False,
    "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
    "user_id": 424_242,
}
protected_fields = pytest.mark.parametrize("name", sorted(PROTECTED_FIELDS))


def assert_refused(response: httpx.Response, name: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert ["body", name] in [error["loc"] for error in response.json()["errors"]]


@protected_fields
async def test_update_me_refuses_a_protected_field_and_changes_nothing(name, client, accounts):
    user = await accounts.create()
    before = (await client.get(f"{API}/users/me", headers=user.auth)).json()

    response = await client.patch(
        f"{API}/users/me",
        json={"timezone": "Europe/Berlin", name: PROTECTED_FIELDS[name]},
        headers=user.auth,
    )

    assert_refused(response, name)
    after = await client.get(f"{API}/users/me", headers=user.auth)
    assert after.json() == before
    assert after.json()["role"] == "user"


@protected_fields
async def test_register_refuses_a_protected_field_and_creates_no_account(name, client):
    body = {"username": "mallory", "email": "mallory@example.com", "password": "a long password"}

    response = await client.post(f"{API}/auth/register", json=body | {name: PROTECTED_FIELDS[name]})

    assert_refused(response, name)
    again = await client.post(f"{API}/auth/register", json=body)
    assert again.status_code == 201, "the refused registration must not have taken the name"
    assert again.json()["role"] == "user"
    assert again.json()["is_active"] is True


@protected_fields
async def test_replace_profile_refuses_a_protected_field_and_changes_nothing(
    name, client, accounts
):
    user = await accounts.create()
    await client.put(f"{API}/users/me/profile", json={"first_name": "Ada"}, headers=user.auth)

    response = await client.put(
        f"{API}/users/me/profile",
        json={"first_name": "Eve", name: PROTECTED_FIELDS[name]},
        headers=user.auth,
    )

    assert_refused(response, name)
    profile = await client.get(f"{API}/users/me/profile", headers=user.auth)
    assert profile.json() == {"first_name": "Ada", "last_name": None, "dob": None, "bio": None}


@protected_fields
async def test_create_token_refuses_a_protected_field_and_creates_no_token(name, client, accounts):
    user = await accounts.create()
    body = {"name": "cron", "scopes": ["habits:read"], name: PROTECTED_FIELDS[name]}

    response = await client.post(f"{API}/users/me/tokens", json=body, headers=user.auth)

    assert_refused(response, name)
    tokens = await client.get(f"{API}/users/me/tokens", headers=user.auth)
    assert tokens.json() == []


@pytest.mark.parametrize(("name", "value"), [("id", 1), ("username", "renamed")])
async def test_admin_update_refuses_id_and_username_and_changes_nothing(
    name, value, client, accounts
):
    admin = await accounts.create_admin()
    user = await accounts.create()
    before = (await client.get(f"{API}/admin/users/{user.id}", headers=admin.auth)).json()

    response = await client.patch(
        f"{API}/admin/users/{user.id}",
        json={"role": "admin", name: value},
        headers=admin.auth,
    )

    assert_refused(response, name)
    after = await client.get(f"{API}/admin/users/{user.id}", headers=admin.auth)
    assert after.json() == before
    assert after.json()["role"] == "user"


# Fields of a habit that only the server sets: the owner, the id and the timestamps.
HABIT_SERVER_FIELDS = {
    "user_id": 424_242,
    "id": 424_242,
    "archived_at": "2020-01-01T00:00:00Z",
    "created_at": "2020-01-01T00:00:00Z",
}
habit_server_fields = pytest.mark.parametrize("name", sorted(HABIT_SERVER_FIELDS))
NEW_HABIT = {"name": "Read", "frequency": "daily"}


@habit_server_fields
async def test_create_habit_refuses_a_server_field_and_creates_no_habit(name, client, accounts):
    user = await accounts.create()
    other = await accounts.create()

    response = await client.post(
        f"{API}/habits", json=NEW_HABIT | {name: HABIT_SERVER_FIELDS[name]}, headers=user.auth
    )

    assert_refused(response, name)
    for account in (user, other):
        habits = await client.get(f"{API}/habits", headers=account.auth)
        assert habits.json()["total"] == 0
    again = await client.post(f"{API}/habits", json=NEW_HABIT, headers=user.auth)
    assert again.status_code == 201, "the refused habit must not have taken the name"


@habit_server_fields
async def test_update_habit_refuses_a_server_field_and_changes_nothing(name, client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, name="Read")

    response = await client.patch(
        f"{API}/habits/{habit['id']}",
        json={"name": "Write", "archived": True, name: HABIT_SERVER_FIELDS[name]},
        headers=user.auth,
    )

    assert_refused(response, name)
    after = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)
    assert after.json() == habit


@habit_server_fields
async def test_replace_habit_refuses_a_server_field_and_changes_nothing(name, client, accounts):
    user = await accounts.create()
    habit = await create_habit(client, user, name="Read")

    response = await client.put(
        f"{API}/habits/{habit['id']}",
        json={"name": "Write", "frequency": "weekly", name: HABIT_SERVER_FIELDS[name]},
        headers=user.auth,
    )

    assert_refused(response, name)
    after = await client.get(f"{API}/habits/{habit['id']}", headers=user.auth)
    assert after.json() == habit
