"""Wrong current passwords (password change, email change, account deletion) are counted per
user before the password is checked: 429 with Retry-After past the limit."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.auth.test_login_throttle import assert_throttled
from tests.factories import API, PROBLEM_JSON, Account

ME = f"{API}/users/me"
WRONG_PASSWORD = "not the password"


async def change_password(client: httpx.AsyncClient, user: Account, current: str) -> httpx.Response:
    body = {"current_password": current, "new_password": "a brand new password"}
    return await client.put(f"{ME}/password", json=body, headers=user.auth)


async def delete_account(client: httpx.AsyncClient, user: Account, password: str) -> httpx.Response:
    return await client.request("DELETE", ME, json={"password": password}, headers=user.auth)


async def test_past_the_limit_even_the_right_current_password_gets_429(client, accounts):
    alice = await accounts.create("alice")  # the default: 5 wrong passwords per 15 minutes
    for _ in range(5):
        assert (await change_password(client, alice, WRONG_PASSWORD)).status_code == 403

    response = await change_password(client, alice, alice.password)

    assert_throttled(response)
    assert response.json()["detail"] == "Too many wrong passwords; try again later."
    await accounts.login("alice", alice.password)  # the password was not changed


async def test_parallel_wrong_passwords_check_no_more_than_the_limit(client, accounts):
    alice = await accounts.create("alice")

    responses = await asyncio.gather(
        *(change_password(client, alice, WRONG_PASSWORD) for _ in range(20))
    )

    assert Counter(response.status_code for response in responses) == {403: 5, 429: 15}
    for response in responses:
        assert response.headers["content-type"] == PROBLEM_JSON


async def test_account_deletion_shares_the_count_and_the_account_survives(client, accounts):
    alice = await accounts.create("alice")
    for _ in range(3):
        assert (await change_password(client, alice, WRONG_PASSWORD)).status_code == 403
    for _ in range(2):
        assert (await delete_account(client, alice, WRONG_PASSWORD)).status_code == 403

    response = await delete_account(client, alice, alice.password)

    assert_throttled(response)
    assert (await client.get(ME, headers=alice.auth)).status_code == 200


async def test_an_email_change_counts_its_current_password_too(client, accounts):
    alice = await accounts.create("alice")
    for number in range(5):
        body = {"email": f"new{number}@example.com", "current_password": WRONG_PASSWORD}
        assert (await client.patch(ME, json=body, headers=alice.auth)).status_code == 403

    body = {"email": "new@example.com", "current_password": alice.password}
    response = await client.patch(ME, json=body, headers=alice.auth)

    assert_throttled(response)
    assert (await client.get(ME, headers=alice.auth)).json()["email"] == alice.email


async def test_right_passwords_do_not_use_up_the_allowance(client, accounts):
    alice = await accounts.create("alice")
    # Only the spelling changes: a new address would use up the verification emails' own limit.
    for number in range(8):
        email = alice.email.upper() if number % 2 == 0 else alice.email.lower()
        body = {"email": email, "current_password": alice.password}
        assert (await client.patch(ME, json=body, headers=alice.auth)).status_code == 200

    assert (await change_password(client, alice, WRONG_PASSWORD)).status_code == 403


async def test_changing_other_preferences_is_never_held(client, accounts):
    alice = await accounts.create("alice")
    for _ in range(5):
        await change_password(client, alice, WRONG_PASSWORD)

    response = await client.patch(ME, json={"timezone": "Europe/Paris"}, headers=alice.auth)

    assert response.status_code == 200


async def test_one_users_wrong_passwords_do_not_hold_another(client, accounts):
    alice = await accounts.create("alice")
    bob = await accounts.create("bob")
    for _ in range(5):
        await change_password(client, alice, WRONG_PASSWORD)

    assert (await change_password(client, bob, bob.password)).status_code == 204


async def test_the_limit_is_a_setting(accounts, app_factory, runtime):
    alice = await accounts.create("alice")
    async with app_factory(password_recheck_limit="2/hour") as other:
        for _ in range(2):
            assert (await change_password(other, alice, WRONG_PASSWORD)).status_code == 403

        retry_after = assert_throttled(await change_password(other, alice, alice.password))

    assert 3500 < retry_after <= 3600
