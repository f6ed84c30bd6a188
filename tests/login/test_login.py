"""Logging in: by username or email in any case, the token pair it returns, and what fails."""

from __future__ import annotations

import httpx

from tests.factories import API

TOKEN_PAIR_KEYS = {"access_token", "refresh_token", "token_type", "expires_in", "device_token"}


async def log_in(client: httpx.AsyncClient, **body: str) -> httpx.Response:
    return await client.post(f"{API}/auth/login", json=body)


async def test_login_by_username_returns_a_bearer_token_pair(client, accounts, settings):
    alice = await accounts.create("alice")

    response = await log_in(client, username="alice", password=alice.password)

    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == TOKEN_PAIR_KEYS
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == settings.access_token_ttl_seconds
    assert tokens["refresh_token"].startswith("hab_rt_")


async def test_login_by_email_returns_a_token_pair(client, accounts):
    alice = await accounts.create("alice")

    response = await log_in(client, email=alice.email, password=alice.password)

    assert response.status_code == 200
    assert set(response.json()) == TOKEN_PAIR_KEYS


async def test_an_email_may_also_be_given_as_the_username(client, accounts):
    alice = await accounts.create("alice")

    response = await log_in(client, username=alice.email, password=alice.password)

    assert response.status_code == 200


async def test_login_by_username_ignores_case(client, accounts):
    await accounts.create("MixedCase")

    for spelling in ("mixedcase", "MIXEDCASE", "mIxEdCaSe"):
        response = await log_in(client, username=spelling, password="correct horse battery")
        assert response.status_code == 200, spelling


async def test_login_by_email_ignores_case(client, accounts):
    alice = await accounts.create("alice")

    response = await log_in(client, email=alice.email.upper(), password=alice.password)

    assert response.status_code == 200


async def test_the_access_token_from_login_authenticates_the_user(client, accounts):
    alice = await accounts.create("alice")
    tokens = (await log_in(client, username="alice", password=alice.password)).json()

    response = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )

    assert response.status_code == 200
    assert response.json()["id"] == alice.id


async def test_the_oauth2_password_form_logs_in(client, accounts):
    alice = await accounts.create("alice")

    response = await client.post(
        f"{API}/auth/token", data={"username": "alice", "password": alice.password}
    )

    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == TOKEN_PAIR_KEYS
    assert tokens["token_type"] == "bearer"
    assert tokens["refresh_token"].startswith("hab_rt_")


async def test_the_oauth2_password_form_rejects_a_wrong_password(client, accounts):
    await accounts.create("alice")

    response = await client.post(
        f"{API}/auth/token", data={"username": "alice", "password": "not the password"}
    )

    assert response.status_code == 401


async def test_unknown_user_and_wrong_password_get_identical_answers(client, accounts):
    await accounts.create("alice")

    unknown = await log_in(client, username="nobody", password="correct horse battery")
    wrong_password = await log_in(client, username="alice", password="not the password")

    assert unknown.status_code == wrong_password.status_code == 401
    assert unknown.content == wrong_password.content
    assert unknown.headers["content-type"] == wrong_password.headers["content-type"]
    assert unknown.headers["www-authenticate"] == wrong_password.headers["www-authenticate"]


async def test_a_deactivated_user_cannot_log_in(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create("alice")
    deactivation = await client.patch(
        f"{API}/admin/users/{alice.id}", json={"is_active": False}, headers=admin.auth
    )
    assert deactivation.status_code == 200

    response = await log_in(client, username="alice", password=alice.password)
    wrong_password = await log_in(client, username="alice", password="not the password")

    assert response.status_code == 401
    assert response.content == wrong_password.content


async def test_login_with_both_username_and_email_is_invalid(client, accounts):
    alice = await accounts.create("alice")

    response = await log_in(client, username="alice", email=alice.email, password=alice.password)

    assert response.status_code == 422


async def test_login_with_neither_username_nor_email_is_invalid(client, accounts):
    alice = await accounts.create("alice")

    response = await log_in(client, password=alice.password)

    assert response.status_code == 422
