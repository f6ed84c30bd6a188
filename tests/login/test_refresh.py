"""Refresh tokens rotate on every use; a spent one coming back ends its whole login."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import update

from habitual.kit.clock import utcnow
from habitual.kit.secrets import token_digest
from habitual.models import RefreshToken
from tests.factories import API


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})


async def me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {access_token}"})


async def test_a_refresh_returns_a_new_token_pair(client, accounts, settings):
    alice = await accounts.create()

    response = await refresh(client, alice.refresh_token)

    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == settings.access_token_ttl_seconds
    assert tokens["refresh_token"].startswith("hab_rt_")
    assert tokens["refresh_token"] != alice.refresh_token


async def test_the_refreshed_access_token_authenticates_the_user(client, accounts):
    alice = await accounts.create()
    tokens = (await refresh(client, alice.refresh_token)).json()

    response = await me(client, tokens["access_token"])

    assert response.status_code == 200
    assert response.json()["id"] == alice.id


async def test_the_rotated_refresh_token_can_itself_be_refreshed(client, accounts):
    alice = await accounts.create()
    tokens = (await refresh(client, alice.refresh_token)).json()

    response = await refresh(client, tokens["refresh_token"])

    assert response.status_code == 200


async def test_a_refresh_token_works_only_once(client, accounts):
    alice = await accounts.create()
    assert (await refresh(client, alice.refresh_token)).status_code == 200

    response = await refresh(client, alice.refresh_token)

    assert response.status_code == 401


async def test_reusing_a_spent_refresh_token_revokes_the_newest_refresh_token(client, accounts):
    alice = await accounts.create()
    newest = (await refresh(client, alice.refresh_token)).json()
    assert (await refresh(client, alice.refresh_token)).status_code == 401

    response = await refresh(client, newest["refresh_token"])

    assert response.status_code == 401


async def test_reusing_a_spent_refresh_token_revokes_the_logins_access_tokens(client, accounts):
    alice = await accounts.create()
    newest = (await refresh(client, alice.refresh_token)).json()
    assert (await me(client, newest["access_token"])).status_code == 200
    assert (await refresh(client, alice.refresh_token)).status_code == 401

    assert (await me(client, newest["access_token"])).status_code == 401
    assert (await me(client, alice.access_token)).status_code == 401


async def test_reusing_a_spent_refresh_token_leaves_other_logins_alone(client, accounts):
    alice = await accounts.create()
    other_login = await accounts.login(alice.username)
    await refresh(client, alice.refresh_token)
    assert (await refresh(client, alice.refresh_token)).status_code == 401

    assert (await me(client, other_login["access_token"])).status_code == 200
    assert (await refresh(client, other_login["refresh_token"])).status_code == 200


async def test_an_unknown_refresh_token_is_unauthorized(client, accounts):
    await accounts.create()

    response = await refresh(client, "hab_rt_no-such-token")

    assert response.status_code == 401


async def test_an_expired_refresh_token_is_unauthorized(client, accounts, runtime):
    alice = await accounts.create()
    async with runtime.database.writer() as session, session.begin():
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == token_digest(alice.refresh_token))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )

    response = await refresh(client, alice.refresh_token)

    assert response.status_code == 401


async def test_an_access_token_is_not_a_refresh_token(client, accounts):
    alice = await accounts.create()

    response = await refresh(client, alice.access_token)

    assert response.status_code in {401, 422}


async def test_concurrent_refreshes_of_one_token_let_exactly_one_through(client, accounts):
    alice = await accounts.create()

    responses = await asyncio.gather(*(refresh(client, alice.refresh_token) for _ in range(10)))

    statuses = Counter(response.status_code for response in responses)
    assert statuses[200] == 1, statuses
    assert statuses[401] == 9, statuses
