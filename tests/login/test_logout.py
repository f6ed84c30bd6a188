"""Ending logins: one, all of them, by a password change, or by an admin deactivating the user."""

from __future__ import annotations

import httpx

from tests.factories import API, Account


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})


async def me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {access_token}"})


async def log_out(
    client: httpx.AsyncClient, account: Account, refresh_token: str
) -> httpx.Response:
    return await client.post(
        f"{API}/auth/logout", json={"refresh_token": refresh_token}, headers=account.auth
    )


async def test_logout_revokes_the_access_token_at_once(client, accounts):
    alice = await accounts.create()

    response = await log_out(client, alice, alice.refresh_token)

    assert response.status_code == 204
    assert (await me(client, alice.access_token)).status_code == 401


async def test_logout_revokes_the_refresh_token(client, accounts):
    alice = await accounts.create()
    assert (await log_out(client, alice, alice.refresh_token)).status_code == 204

    assert (await refresh(client, alice.refresh_token)).status_code == 401


async def test_logout_leaves_the_users_other_logins_alone(client, accounts):
    alice = await accounts.create()
    other_login = await accounts.login(alice.username)
    assert (await log_out(client, alice, alice.refresh_token)).status_code == 204

    assert (await me(client, other_login["access_token"])).status_code == 200
    assert (await refresh(client, other_login["refresh_token"])).status_code == 200


async def test_logout_with_someone_elses_refresh_token_is_not_found(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()

    response = await log_out(client, alice, bob.refresh_token)

    assert response.status_code == 404
    assert (await me(client, bob.access_token)).status_code == 200
    assert (await me(client, alice.access_token)).status_code == 200


async def test_logout_needs_an_access_token(client, accounts):
    alice = await accounts.create()

    response = await client.post(f"{API}/auth/logout", json={"refresh_token": alice.refresh_token})

    assert response.status_code == 401
    assert (await me(client, alice.access_token)).status_code == 200


async def test_logout_all_revokes_every_login_of_the_user(client, accounts):
    alice = await accounts.create()
    other_login = await accounts.login(alice.username)

    response = await client.post(f"{API}/auth/logout-all", headers=alice.auth)

    assert response.status_code == 204
    for access_token in (alice.access_token, other_login["access_token"]):
        assert (await me(client, access_token)).status_code == 401
    for refresh_token in (alice.refresh_token, other_login["refresh_token"]):
        assert (await refresh(client, refresh_token)).status_code == 401


async def test_logout_all_leaves_other_users_logged_in(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()

    await client.post(f"{API}/auth/logout-all", headers=alice.auth)

    assert (await me(client, bob.access_token)).status_code == 200


async def test_a_password_change_revokes_every_login(client, accounts):
    alice = await accounts.create()
    other_login = await accounts.login(alice.username)

    response = await client.put(
        f"{API}/users/me/password",
        json={"current_password": alice.password, "new_password": "a brand new secret"},
        headers=alice.auth,
    )

    assert response.status_code == 204
    for access_token in (alice.access_token, other_login["access_token"]):
        assert (await me(client, access_token)).status_code == 401
    for refresh_token in (alice.refresh_token, other_login["refresh_token"]):
        assert (await refresh(client, refresh_token)).status_code == 401


async def test_after_a_password_change_only_the_new_password_logs_in(client, accounts):
    alice = await accounts.create()
    await client.put(
        f"{API}/users/me/password",
        json={"current_password": alice.password, "new_password": "a brand new secret"},
        headers=alice.auth,
    )

    with_new = await client.post(
        f"{API}/auth/login", json={"username": alice.username, "password": "a brand new secret"}
    )
    with_old = await client.post(
        f"{API}/auth/login", json={"username": alice.username, "password": alice.password}
    )

    assert with_new.status_code == 200
    assert with_old.status_code == 401


async def test_deactivating_a_user_revokes_their_access_token_at_once(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    assert (await me(client, alice.access_token)).status_code == 200

    response = await client.patch(
        f"{API}/admin/users/{alice.id}", json={"is_active": False}, headers=admin.auth
    )

    assert response.status_code == 200
    assert (await me(client, alice.access_token)).status_code == 401
    assert (await refresh(client, alice.refresh_token)).status_code == 401


async def test_deactivating_a_user_revokes_their_personal_access_tokens(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    personal_token = await accounts.personal_token(alice, "profile:read")
    assert (await me(client, personal_token)).status_code == 200

    response = await client.patch(
        f"{API}/admin/users/{alice.id}", json={"is_active": False}, headers=admin.auth
    )

    assert response.status_code == 200
    assert (await me(client, personal_token)).status_code == 401
