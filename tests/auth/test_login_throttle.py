"""Failed logins are counted before the password is checked: per account from one client,
per account from anywhere (a device token of the account exempts), per client address."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from limits.aio.storage import RedisStorage

from tests.factories import API

WRONG_PASSWORD = "not the password"
requires_redis = pytest.mark.skipif(
    not os.environ.get("HABITUAL_TEST_REDIS_URL"), reason="HABITUAL_TEST_REDIS_URL is not set"
)


async def log_in(
    client: httpx.AsyncClient, username: str, password: str, **extra: str
) -> httpx.Response:
    body = {"username": username, "password": password} | extra
    return await client.post(f"{API}/auth/login", json=body)


def assert_throttled(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit()
    assert int(retry_after) > 0
    return int(retry_after)


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    for response in responses:
        if response.status_code == 429:
            assert_throttled(response)
    return Counter(response.status_code for response in responses)


# Finding 1: parallel guesses. Each attempt is counted before its password is checked.


async def test_parallel_wrong_logins_check_no_more_passwords_than_the_limit(
    accounts, server, runtime
):
    await accounts.create("alice")
    async with server() as app:  # the default: 5 failures per account and client
        client = await app.at("198.51.100.1")

        responses = await asyncio.gather(
            *(log_in(client, "alice", WRONG_PASSWORD) for _ in range(40))
        )

    assert statuses(responses) == {401: 5, 429: 35}


async def test_parallel_wrong_logins_across_names_stop_at_the_address_limit(server, runtime):
    async with server(login_limit_per_address="5/15 minutes") as app:
        client = await app.at("198.51.100.1")

        responses = await asyncio.gather(
            *(log_in(client, f"nobody{number}", WRONG_PASSWORD) for number in range(40))
        )

    assert statuses(responses) == {401: 5, 429: 35}


async def test_parallel_wrong_logins_from_many_addresses_stop_at_the_account_limit(
    accounts, server, runtime
):
    await accounts.create("alice")
    async with server(login_limit_per_account="5/15 minutes") as app:
        clients = [await app.at(f"198.51.100.{number}") for number in range(1, 41)]

        responses = await asyncio.gather(
            *(log_in(client, "alice", WRONG_PASSWORD) for client in clients)
        )

    assert statuses(responses) == {401: 5, 429: 35}


# Finding 2: an account is one allowance, whichever of its names is typed.


async def test_the_username_and_the_email_of_an_account_share_one_allowance(
    accounts, server, runtime
):
    alice = await accounts.create("alice")
    async with server() as app:  # 5 per account and client
        client = await app.at("198.51.100.1")
        for _ in range(3):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401
        for _ in range(2):
            assert (await log_in(client, alice.email.upper(), WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert_throttled(response)


async def test_an_unknown_name_is_counted_by_its_text_in_any_case(server, runtime):
    async with server(login_limit_per_account_address="3/15 minutes") as app:
        client = await app.at("198.51.100.1")
        for spelling in ("nobody", "NOBODY", " Nobody "):
            assert (await log_in(client, spelling, WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "nobody", WRONG_PASSWORD)

    assert_throttled(response)


# Finding 3: a guesser elsewhere cannot lock the owner out.


async def test_a_guesser_at_one_address_does_not_lock_out_the_owner_at_another(
    accounts, server, runtime
):
    alice = await accounts.create("alice")
    async with server() as app:
        guesser, owner = await app.at("198.51.100.1"), await app.at("192.0.2.50")
        for _ in range(5):
            assert (await log_in(guesser, "alice", WRONG_PASSWORD)).status_code == 401

        assert (await log_in(owner, "alice", alice.password)).status_code == 200
        assert_throttled(await log_in(guesser, "alice", alice.password))


async def test_guessers_at_many_addresses_hold_the_account_for_clients_without_a_device_token(
    accounts, server, runtime
):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account="3/15 minutes") as app:
        for number in range(1, 4):
            guesser = await app.at(f"198.51.100.{number}")
            assert (await log_in(guesser, "alice", WRONG_PASSWORD)).status_code == 401

        response = await log_in(await app.at("192.0.2.50"), "alice", alice.password)

    assert_throttled(response)


async def test_the_owner_with_a_device_token_logs_in_while_the_account_is_held(
    accounts, server, runtime
):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account="3/15 minutes") as app:
        owner = await app.at("192.0.2.50")
        first = await log_in(owner, "alice", alice.password)
        device_token = first.json()["device_token"]
        for number in range(1, 4):
            guesser = await app.at(f"198.51.100.{number}")
            assert (await log_in(guesser, "alice", WRONG_PASSWORD)).status_code == 401
        assert_throttled(await log_in(owner, "alice", alice.password))

        response = await log_in(owner, "alice", alice.password, device_token=device_token)

    assert response.status_code == 200, response.text
    assert response.json()["device_token"].startswith("hab_dev_")


async def test_the_oauth2_form_takes_a_device_token_too(accounts, server, runtime):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account="1/15 minutes") as app:
        owner = await app.at("192.0.2.50")
        device_token = (await log_in(owner, "alice", alice.password)).json()["device_token"]
        await log_in(await app.at("198.51.100.1"), "alice", WRONG_PASSWORD)
        form = {"username": "alice", "password": alice.password}

        without = await owner.post(f"{API}/auth/token", data=form)
        with_token = await owner.post(
            f"{API}/auth/token", data=form | {"device_token": device_token}
        )

    assert_throttled(without)
    assert with_token.status_code == 200, with_token.text
    assert with_token.json()["device_token"].startswith("hab_dev_")


async def test_a_device_token_works_from_another_address_and_by_email(accounts, server, runtime):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account="1/15 minutes") as app:
        device_token = (await log_in(await app.at("192.0.2.50"), "alice", alice.password)).json()[
            "device_token"
        ]
        await log_in(await app.at("198.51.100.1"), "alice", WRONG_PASSWORD)

        response = await log_in(
            await app.at("192.0.2.99"), alice.email, alice.password, device_token=device_token
        )

    assert response.status_code == 200, response.text


async def test_a_device_token_logs_in_from_an_address_that_guessers_used_up(
    accounts, server, runtime
):
    alice = await accounts.create("alice")
    async with server(login_limit_per_address="2/15 minutes") as app:
        shared_address = await app.at("198.51.100.1")
        tokens = (await log_in(shared_address, "alice", alice.password)).json()
        for number in range(2):
            await log_in(shared_address, f"nobody{number}", WRONG_PASSWORD)
        assert_throttled(await log_in(shared_address, "alice", alice.password))

        response = await log_in(
            shared_address, "alice", alice.password, device_token=tokens["device_token"]
        )

    assert response.status_code == 200


async def test_wrong_passwords_with_a_device_token_are_still_limited_per_device(
    accounts, server, runtime
):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account_address="3/15 minutes") as app:
        holder = await app.at("192.0.2.50")
        device_token = (await log_in(holder, "alice", alice.password)).json()["device_token"]
        for _ in range(3):
            response = await log_in(holder, "alice", WRONG_PASSWORD, device_token=device_token)
            assert response.status_code == 401

        response = await log_in(
            await app.at("192.0.2.99"), "alice", alice.password, device_token=device_token
        )
        assert_throttled(response)
        # Without the token the client is counted by its address and the account: not held.
        assert (await log_in(holder, "alice", alice.password)).status_code == 200


async def test_a_device_token_exempts_only_its_own_account(accounts, server, runtime):
    alice = await accounts.create("alice")
    bob = await accounts.create("bob")
    async with server(login_limit_per_account="1/15 minutes") as app:
        owner = await app.at("192.0.2.50")
        bobs_token = (await log_in(owner, "bob", bob.password)).json()["device_token"]
        await log_in(await app.at("198.51.100.1"), "alice", WRONG_PASSWORD)

        response = await log_in(owner, "alice", alice.password, device_token=bobs_token)

    assert_throttled(response)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),
        lambda token: token.replace("hab_dev_", "hab_dev_9", 1),
        lambda token: "hab_dev_not.a.device.token",
        lambda token: "hab_dev_é.1.x.ü",
        lambda token: "something else entirely",
    ],
)
async def test_a_forged_device_token_exempts_nothing(accounts, server, runtime, tamper):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account="1/15 minutes") as app:
        owner = await app.at("192.0.2.50")
        token = (await log_in(owner, "alice", alice.password)).json()["device_token"]
        await log_in(await app.at("198.51.100.1"), "alice", WRONG_PASSWORD)

        response = await log_in(owner, "alice", alice.password, device_token=tamper(token))

    assert_throttled(response)


async def test_a_new_password_forgets_every_device(accounts, server, runtime):
    alice = await accounts.create("alice")
    new_password = "a brand new password"
    async with server(login_limit_per_account="1/15 minutes") as app:
        owner = await app.at("192.0.2.50")
        tokens = (await log_in(owner, "alice", alice.password)).json()
        changed = await owner.put(
            f"{API}/users/me/password",
            json={"current_password": alice.password, "new_password": new_password},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert changed.status_code == 204
        await log_in(await app.at("198.51.100.1"), "alice", WRONG_PASSWORD)

        response = await log_in(owner, "alice", new_password, device_token=tokens["device_token"])

    assert_throttled(response)


async def test_a_device_token_expires(accounts, server, runtime, frozen_clock):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account="1/15 minutes", login_device_token_ttl_days=2) as app:
        owner = await app.at("192.0.2.50")
        frozen_clock(datetime.now(UTC))
        token = (await log_in(owner, "alice", alice.password)).json()["device_token"]
        await log_in(await app.at("198.51.100.1"), "alice", WRONG_PASSWORD)
        frozen_clock(datetime.now(UTC) + timedelta(days=3))

        response = await log_in(owner, "alice", alice.password, device_token=token)

    assert_throttled(response)


async def test_the_account_wide_delays_grow_step_by_step(accounts, server, runtime):
    await accounts.create("alice")
    async with server(login_limit_per_account="2/second;3/hour") as app:
        for number in (1, 2):
            guesser = await app.at(f"198.51.100.{number}")
            assert (await log_in(guesser, "alice", WRONG_PASSWORD)).status_code == 401
        short_wait = assert_throttled(await log_in(await app.at("198.51.100.3"), "alice", "x"))
        await asyncio.sleep(1.1)
        assert (
            await log_in(await app.at("198.51.100.4"), "alice", WRONG_PASSWORD)
        ).status_code == 401

        long_wait = assert_throttled(await log_in(await app.at("198.51.100.5"), "alice", "x"))

    assert short_wait <= 1
    assert 3500 < long_wait <= 3600


# Per client address: loose, and only failures use it up.


async def test_an_address_is_throttled_after_failures_across_usernames(accounts, server, runtime):
    alice = await accounts.create("alice")
    async with server(login_limit_per_address="3/15 minutes") as app:
        client = await app.at("198.51.100.1")
        for username in ("nobody1", "nobody2", "nobody3"):
            assert (await log_in(client, username, WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert_throttled(response)


async def test_successful_logins_do_not_use_up_the_address_allowance(accounts, server, runtime):
    people = [await accounts.create() for _ in range(4)]
    async with server(login_limit_per_address="3/15 minutes") as app:
        shared_address = await app.at("198.51.100.1")
        for person in people:
            assert (
                await log_in(shared_address, person.username, person.password)
            ).status_code == 200
        for _ in range(2):
            assert (await log_in(shared_address, "nobody", WRONG_PASSWORD)).status_code == 401

        response = await log_in(shared_address, people[0].username, people[0].password)

    assert response.status_code == 200


async def test_an_ipv6_client_is_counted_by_its_slash_64(server, runtime):
    async with server(login_limit_per_address="2/15 minutes") as app:
        for address in ("2001:db8:1:2::1", "2001:db8:1:2::2"):
            client = await app.at(address)
            assert (await log_in(client, "nobody", WRONG_PASSWORD)).status_code == 401

        assert_throttled(await log_in(await app.at("2001:db8:1:2::3"), "nobody", WRONG_PASSWORD))
        other_network = await app.at("2001:db8:1:3::1")
        assert (await log_in(other_network, "nobody", WRONG_PASSWORD)).status_code == 401


# Per account and client: tight, forgiven by a success.


async def test_a_client_is_throttled_on_an_account_after_too_many_failures(
    accounts, server, runtime
):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account_address="3/15 minutes") as app:
        client = await app.at("198.51.100.1")
        for _ in range(3):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert_throttled(response)


async def test_the_account_limit_ignores_the_case_of_the_username(accounts, server, runtime):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account_address="3/15 minutes") as app:
        client = await app.at("198.51.100.1")
        for spelling in ("alice", "ALICE", "Alice"):
            assert (await log_in(client, spelling, WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert_throttled(response)


async def test_failures_below_the_limit_still_allow_a_login(accounts, server, runtime):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account_address="3/15 minutes") as app:
        client = await app.at("198.51.100.1")
        for _ in range(2):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert response.status_code == 200


async def test_a_successful_login_clears_the_failure_count(accounts, server, runtime):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account_address="3/15 minutes") as app:
        client = await app.at("198.51.100.1")
        for _ in range(2):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401
        assert (await log_in(client, "alice", alice.password)).status_code == 200
        for _ in range(2):
            assert (await log_in(client, "alice", WRONG_PASSWORD)).status_code == 401

        response = await log_in(client, "alice", alice.password)

    assert response.status_code == 200


async def test_a_throttled_account_does_not_block_another_account(accounts, server, runtime):
    await accounts.create("alice")
    bob = await accounts.create("bob")
    async with server(login_limit_per_account_address="3/15 minutes") as app:
        client = await app.at("198.51.100.1")
        for _ in range(3):
            await log_in(client, "alice", WRONG_PASSWORD)

        response = await log_in(client, "bob", bob.password)

    assert response.status_code == 200


async def test_the_oauth2_form_is_counted_like_the_json_login(accounts, server, runtime):
    alice = await accounts.create("alice")
    async with server(login_limit_per_account_address="2/15 minutes") as app:
        client = await app.at("198.51.100.1")
        for _ in range(2):
            await client.post(
                f"{API}/auth/token", data={"username": "alice", "password": WRONG_PASSWORD}
            )

        response = await log_in(client, "alice", alice.password)

    assert_throttled(response)


@requires_redis
async def test_the_login_limit_is_kept_in_redis_and_shared_by_app_instances(
    accounts, server, runtime
):
    assert isinstance(runtime.limit_storage, RedisStorage)
    alice = await accounts.create("alice")
    async with (
        server(login_limit_per_account_address="3/15 minutes") as first,
        server(login_limit_per_account_address="3/15 minutes") as second,
    ):
        for _ in range(3):
            response = await log_in(await first.at("198.51.100.1"), "alice", WRONG_PASSWORD)
            assert response.status_code == 401

        response = await log_in(await second.at("198.51.100.1"), "alice", alice.password)

    assert_throttled(response)
