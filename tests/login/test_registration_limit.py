"""Registrations are counted per client address: 429 with Retry-After past the limit."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from habitual.config import Settings
from habitual.models import User
from tests.auth.test_login_throttle import assert_throttled
from tests.factories import API, PASSWORD


async def register(client: httpx.AsyncClient, username: str) -> httpx.Response:
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    return await client.post(f"{API}/auth/register", json=body)


async def user_count(runtime) -> int:
    async with runtime.database.reader() as session:
        count: int = (await session.execute(select(func.count()).select_from(User))).scalar_one()
        return count


async def test_registrations_past_the_limit_get_429_and_make_no_account(app_factory, runtime):
    async with app_factory(registration_limit_per_address="3/hour") as client:
        for number in range(3):
            assert (await register(client, f"person{number}")).status_code == 201

        response = await register(client, "one_too_many")

    retry_after = assert_throttled(response)
    assert 3500 < retry_after <= 3600
    assert response.json()["detail"] == "Too many registrations from this address; try again later."
    assert await user_count(runtime) == 3


async def test_taken_names_count_too(accounts, app_factory, runtime):
    await accounts.create("alice")
    async with app_factory(registration_limit_per_address="2/hour") as client:
        for _ in range(2):
            assert (await register(client, "alice")).status_code == 409

        assert_throttled(await register(client, "bob"))


async def test_the_limit_is_per_address(server, runtime):
    async with server(registration_limit_per_address="1/hour") as app:
        first, second = await app.at("198.51.100.1"), await app.at("192.0.2.50")
        assert (await register(first, "person1")).status_code == 201
        assert_throttled(await register(first, "person2"))

        assert (await register(second, "person3")).status_code == 201


def test_the_default_is_ten_an_hour():
    assert Settings(_env_file=None).registration_limit_per_address == "10/hour"
