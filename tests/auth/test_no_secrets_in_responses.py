"""No answer ever carries a password hash, a token digest, or anything argon2 produced."""

from __future__ import annotations

import httpx

from tests.factories import API

SECRET_MARKERS = ("password_hash", "token_hash", "$argon2")


def assert_no_secrets(response: httpx.Response) -> None:
    for marker in SECRET_MARKERS:
        assert marker not in response.text, f"{response.request.url} leaks {marker!r}"


async def test_auth_and_account_responses_carry_no_hashes(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    personal_token = await accounts.personal_token(alice, "profile:read")
    responses = [
        await client.post(
            f"{API}/auth/register",
            json={"username": "carol", "email": "carol@example.com", "password": "long enough pw"},
        ),
        await client.post(
            f"{API}/auth/login", json={"username": alice.username, "password": alice.password}
        ),
        await client.post(
            f"{API}/auth/login", json={"username": alice.username, "password": "wrong password"}
        ),
        await client.post(
            f"{API}/auth/token", data={"username": alice.username, "password": alice.password}
        ),
        await client.post(f"{API}/auth/refresh", json={"refresh_token": alice.refresh_token}),
        await client.post(f"{API}/auth/refresh", json={"refresh_token": alice.refresh_token}),
        await client.get(f"{API}/users/me", headers=admin.auth),
        await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {personal_token}"}),
        await client.get(f"{API}/users/me/tokens", headers=admin.auth),
        await client.get(f"{API}/admin/users", headers=admin.auth),
        await client.get(f"{API}/admin/users/{alice.id}", headers=admin.auth),
        await client.patch(
            f"{API}/admin/users/{alice.id}", json={"is_active": False}, headers=admin.auth
        ),
        await client.post(
            f"{API}/admin/users",
            json={"username": "dave", "email": "dave@example.com", "password": "long enough pw"},
            headers=admin.auth,
        ),
    ]

    statuses = [response.status_code for response in responses]
    assert statuses == [201, 200, 401, 200, 200, 401, 200, 200, 200, 200, 200, 200, 201]
    for response in responses:
        assert_no_secrets(response)


async def test_the_personal_token_listing_carries_no_digest(client, accounts):
    alice = await accounts.create()
    await accounts.personal_token(alice, "habits:read")

    response = await client.get(f"{API}/users/me/tokens", headers=alice.auth)

    assert response.status_code == 200
    assert len(response.json()) == 1
    assert_no_secrets(response)


async def test_a_validation_error_does_not_echo_the_password_hash(client, accounts):
    alice = await accounts.create()

    response = await client.put(
        f"{API}/users/me/password",
        json={"current_password": alice.password, "new_password": "short"},
        headers=alice.auth,
    )

    assert response.status_code == 422
    assert_no_secrets(response)
