from __future__ import annotations

import pytest
from sqlalchemy import func, select

from habitual.models import AuthSession, PersonalAccessToken, Profile, User
from tests.factories import API, PASSWORD, PROBLEM_JSON

USERS = f"{API}/admin/users"


async def usernames(client, admin, **params) -> list[str]:
    response = await client.get(USERS, params=params, headers=admin.auth)
    assert response.status_code == 200, response.text
    return [user["username"] for user in response.json()["items"]]


async def test_the_account_list_is_paginated(client, accounts):
    admin = await accounts.create_admin()
    for _ in range(4):
        await accounts.create()
    response = await client.get(USERS, params={"page": 2, "page_size": 2}, headers=admin.auth)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "total", "page", "page_size"}
    assert (body["total"], body["page"], body["page_size"]) == (5, 2, 2)
    assert len(body["items"]) == 2


async def test_the_last_page_holds_the_remainder(client, accounts):
    admin = await accounts.create_admin()
    for _ in range(4):
        await accounts.create()
    response = await client.get(USERS, params={"page": 3, "page_size": 2}, headers=admin.auth)
    assert response.json()["total"] == 5
    assert len(response.json()["items"]) == 1


@pytest.mark.parametrize("page_size", [0, 101])
async def test_a_page_size_outside_1_to_100_is_refused(client, accounts, page_size):
    admin = await accounts.create_admin()
    response = await client.get(USERS, params={"page_size": page_size}, headers=admin.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_accounts_sort_by_username_ignoring_case(client, accounts):
    admin = await accounts.create_admin("root")
    for name in ("charlie", "Alpha", "bravo"):
        await accounts.create(name)
    assert await usernames(client, admin, sort="username") == ["Alpha", "bravo", "charlie", "root"]


async def test_accounts_sort_newest_first(client, accounts):
    admin = await accounts.create_admin("root")
    for name in ("charlie", "alpha", "bravo"):
        await accounts.create(name)
    assert await usernames(client, admin, sort="-created_at") == [
        "bravo",
        "alpha",
        "charlie",
        "root",
    ]


async def test_accounts_sort_by_email(client, accounts):
    admin = await accounts.create_admin("root")
    await accounts.create("alpha", email="zulu@example.com")
    await accounts.create("bravo", email="mike@example.com")
    await accounts.create("charlie", email="alpha@example.com")
    assert await usernames(client, admin, sort="email") == ["charlie", "bravo", "root", "alpha"]


async def test_an_unknown_sort_is_a_422_problem(client, accounts):
    admin = await accounts.create_admin()
    response = await client.get(USERS, params={"sort": "password_hash"}, headers=admin.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"][0]["loc"] == ["query", "sort"]


async def test_search_matches_part_of_a_username_ignoring_case(client, accounts):
    admin = await accounts.create_admin("root")
    await accounts.create("alice")
    await accounts.create("bob")
    assert await usernames(client, admin, q="LIC") == ["alice"]


async def test_search_matches_part_of_an_email_ignoring_case(client, accounts):
    admin = await accounts.create_admin("root")
    await accounts.create("alice", email="wonder@Example.net")
    await accounts.create("bob")
    assert await usernames(client, admin, q="example.NET") == ["alice"]


async def test_search_treats_like_wildcards_literally(client, accounts):
    admin = await accounts.create_admin("root")
    await accounts.create("alice")
    assert await usernames(client, admin, q="%") == []
    assert await usernames(client, admin, q="_") == []


async def test_accounts_filter_by_role(client, accounts):
    admin = await accounts.create_admin("root")
    await accounts.create("alice")
    assert await usernames(client, admin, role="admin") == ["root"]
    assert await usernames(client, admin, role="user") == ["alice"]


async def test_accounts_filter_by_activation(client, accounts):
    admin = await accounts.create_admin("root")
    alice = await accounts.create("alice")
    await accounts.create("bob")
    await client.patch(f"{USERS}/{alice.id}", json={"is_active": False}, headers=admin.auth)
    assert await usernames(client, admin, is_active="false") == ["alice"]
    assert await usernames(client, admin, is_active="true", sort="username") == ["bob", "root"]


async def test_an_admin_can_create_another_admin_who_can_list_accounts(client, accounts):
    admin = await accounts.create_admin()
    body = {"username": "second", "email": "second@example.com", "password": PASSWORD}
    response = await client.post(USERS, json=body | {"role": "admin"}, headers=admin.auth)
    assert response.status_code == 201
    assert response.json()["role"] == "admin"
    tokens = await accounts.login("second")
    listing = await client.get(USERS, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert listing.status_code == 200


async def test_an_admin_can_create_accounts_while_registration_is_closed(app_factory, accounts):
    admin = await accounts.create_admin()
    body = {"username": "invited", "email": "invited@example.com", "password": PASSWORD}
    async with app_factory(registration_open=False) as closed:
        response = await closed.post(USERS, json=body, headers=admin.auth)
    assert response.status_code == 201
    assert response.json()["role"] == "user"


async def test_creating_an_account_with_a_taken_username_is_409(client, accounts):
    admin = await accounts.create_admin()
    await accounts.create("alice")
    body = {"username": "Alice", "email": "other@example.com", "password": PASSWORD}
    response = await client.post(USERS, json=body, headers=admin.auth)
    assert response.status_code == 409


async def test_an_admin_can_read_any_account(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    response = await client.get(f"{USERS}/{alice.id}", headers=admin.auth)
    assert response.status_code == 200
    # An admin sees the usage plan; never the phone number nor the leaderboard preference.
    private = {"phone", "leaderboard_opt_in"}
    own_view = {key: value for key, value in alice.data.items() if key not in private}
    assert response.json() == own_view | {"rate_limit": None}


async def test_an_unknown_account_is_404(client, accounts):
    admin = await accounts.create_admin()
    response = await client.get(f"{USERS}/999999", headers=admin.auth)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_an_admin_can_promote_a_user(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    response = await client.patch(f"{USERS}/{alice.id}", json={"role": "admin"}, headers=admin.auth)
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert (await client.get(USERS, headers=alice.auth)).status_code == 200


async def test_deactivating_an_account_ends_its_logins(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    response = await client.patch(
        f"{USERS}/{alice.id}", json={"is_active": False}, headers=admin.auth
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert (await client.get(f"{API}/users/me", headers=alice.auth)).status_code == 401


async def test_a_reactivated_account_can_log_in_again(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    await client.patch(f"{USERS}/{alice.id}", json={"is_active": False}, headers=admin.auth)
    response = await client.patch(
        f"{USERS}/{alice.id}", json={"is_active": True}, headers=admin.auth
    )
    assert response.json()["is_active"] is True
    await accounts.login(alice.username)


async def test_the_last_active_admin_cannot_demote_itself(client, accounts):
    admin = await accounts.create_admin()
    response = await client.patch(f"{USERS}/{admin.id}", json={"role": "user"}, headers=admin.auth)
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (await client.get(f"{USERS}/{admin.id}", headers=admin.auth)).json()["role"] == "admin"


async def test_the_last_active_admin_cannot_deactivate_itself(client, accounts):
    admin = await accounts.create_admin()
    response = await client.patch(
        f"{USERS}/{admin.id}", json={"is_active": False}, headers=admin.auth
    )
    assert response.status_code == 409
    assert (await client.get(f"{USERS}/{admin.id}", headers=admin.auth)).json()["is_active"]


async def test_the_last_active_admin_cannot_delete_itself(client, accounts):
    admin = await accounts.create_admin()
    response = await client.delete(f"{USERS}/{admin.id}", headers=admin.auth)
    assert response.status_code == 409
    assert (await client.get(f"{USERS}/{admin.id}", headers=admin.auth)).status_code == 200


async def test_a_deactivated_admin_does_not_count_as_the_other_admin(client, accounts):
    root = await accounts.create_admin()
    spare = await accounts.create_admin()
    await client.patch(f"{USERS}/{spare.id}", json={"is_active": False}, headers=root.auth)
    response = await client.patch(f"{USERS}/{root.id}", json={"role": "user"}, headers=root.auth)
    assert response.status_code == 409


async def test_with_two_admins_one_can_be_demoted(client, accounts):
    root = await accounts.create_admin()
    other = await accounts.create_admin()
    response = await client.patch(f"{USERS}/{other.id}", json={"role": "user"}, headers=root.auth)
    assert response.status_code == 200
    assert response.json()["role"] == "user"
    assert (await client.get(USERS, headers=other.auth)).status_code == 403


async def test_deleting_an_account_removes_it_and_its_data(client, accounts, runtime):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    await accounts.personal_token(alice, "profile:read")
    response = await client.delete(f"{USERS}/{alice.id}", headers=admin.auth)
    assert response.status_code == 204
    assert (await client.get(f"{USERS}/{alice.id}", headers=admin.auth)).status_code == 404
    async with runtime.database.reader() as session:
        for model, column in (
            (User, User.id),
            (Profile, Profile.user_id),
            (AuthSession, AuthSession.user_id),
            (PersonalAccessToken, PersonalAccessToken.user_id),
        ):
            statement = select(func.count()).select_from(model).where(column == alice.id)
            assert (await session.execute(statement)).scalar_one() == 0, model.__tablename__


async def test_deleting_an_unknown_account_is_404(client, accounts):
    admin = await accounts.create_admin()
    response = await client.delete(f"{USERS}/999999", headers=admin.auth)
    assert response.status_code == 404


async def test_a_user_cannot_list_accounts(client, accounts):
    alice = await accounts.create()
    response = await client.get(USERS, headers=alice.auth)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON
