"""Failed logins are limited per account and per client address, in memory or in Redis."""

from __future__ import annotations

import os

import httpx
import pytest
from limits.aio.storage import RedisStorage

from tests.factories import API

WRONG_PASSWORD = "not the password"
requires_redis = pytest.mark.skipif(
    not os.environ.get("HABITUAL_TEST_REDIS_URL"), reason="HABITUAL_TEST_REDIS_URL is not set"
)


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(f"{API}/auth/login", json={"username": username, "password": password})


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit()
    assert int(retry_after) > 0


# `runtime` is requested by every test here so the shared database and limits are emptied after.


async def test_an_account_is_throttled_after_too_many_failures(accounts, app_factory, runtime):
    alice = await accounts.create("alice")
    async with app_factory(login_max_failures_per_account=3) as client:
        for _ in range(3):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert_throttled(response)


async def test_the_account_limit_ignores_the_case_of_the_username(accounts, app_factory, runtime):
    alice = await accounts.create("alice")
    async with app_factory(login_max_failures_per_account=3) as client:
        for spelling in ("alice", "ALICE", "Alice"):
            assert (await log_in(client, spelling, WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert_throttled(response)


async def test_failures_below_the_limit_still_allow_a_login(accounts, app_factory, runtime):
    alice = await accounts.create("alice")
    async with app_factory(login_max_failures_per_account=3) as client:
        for _ in range(2):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert response.status_code == 200


async def test_an_address_is_throttled_after_failures_across_usernames(
    accounts, app_factory, runtime
):
    alice = await accounts.create("alice")
    async with app_factory(
        login_max_failures_per_address=3, login_max_failures_per_account=100
    ) as client:
        for username in ("nobody1", "nobody2", "nobody3"):
            assert (await log_in(client, username, WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert_throttled(response)


async def test_a_successful_login_clears_the_account_failure_count(accounts, app_factory, runtime):
    alice = await accounts.create("alice")
    async with app_factory(login_max_failures_per_account=3) as client:
        for _ in range(2):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401
        assert (await log_in(client, "alice", alice.password)).status_code == 200
        for _ in range(2):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert response.status_code == 200


async def test_a_throttled_account_does_not_block_another_account(accounts, app_factory, runtime):
    await accounts.create("alice")
    bob = await accounts.create("bob")
    async with app_factory(login_max_failures_per_account=3) as client:
        for _ in range(3):
            await log_in(client, "alice", WRONG_PASSWORD)

        response = await log_in(client, "bob", bob.password)

    assert response.status_code == 200


@requires_redis
async def test_the_login_limit_is_kept_in_redis_and_shared_by_app_instances(
    accounts, app_factory, runtime
):
    assert isinstance(runtime.limit_storage, RedisStorage)
    alice = await accounts.create("alice")
    async with (
        app_factory(login_max_failures_per_account=3) as first,
        app_factory(login_max_failures_per_account=3) as second,
    ):
        for _ in range(3):
            assert (await log_in(first, "alice", WRONG_PASSWORD)).status_code == 401

        response = await log_in(second, "alice", alice.password)

    assert_throttled(response)
