"""Verified email: a link mailed to a new or changed address (through the outbox, to aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from limits import parse

from tests.factories import API, PASSWORD, PROBLEM_JSON, Account
from tests.users.conftest import links, run_worker

VERIFY = f"{API}/auth/verify-email"
RESEND = f"{API}/users/me/verify-email/resend"
ME = f"{API}/users/me"
INVALID = "This link is invalid or has expired; ask for a new one."


async def verify(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(VERIFY, json={"token": token})


async def is_verified(client: httpx.AsyncClient, account: Account) -> bool:
    response = await client.get(ME, headers=account.auth)
    assert response.status_code == 200
    verified: bool = response.json()["email_verified"]
    return verified


async def change_email(client: httpx.AsyncClient, account: Account, email: str) -> httpx.Response:
    return await client.patch(
        ME, json={"email": email, "current_password": PASSWORD}, headers=account.auth
    )


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == INVALID


async def test_a_new_account_is_mailed_a_link_that_verifies_its_address(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create(verified=False)
    assert alice.data["email_verified"] is False
    assert await is_verified(client, alice) is False

    assert await run_worker(runtime, settings, smtp_server, clock) == 1
    (link,) = links(smtp_server)
    assert link.to == [alice.email]
    assert link.subject == "Confirm your email address for Habitual"
    assert link.page == "verify-email"
    assert link.token.startswith("hab_ev_")
    assert "within 48 hours" in link.text

    assert (await verify(client, link.token)).status_code == 204
    assert await is_verified(client, alice) is True


async def test_a_used_verification_link_is_refused_the_second_time(
    client, accounts, runtime, settings, smtp_server, clock
):
    await accounts.create(verified=False)
    await run_worker(runtime, settings, smtp_server, clock)
    (link,) = links(smtp_server)
    assert (await verify(client, link.token)).status_code == 204

    assert_invalid_token(await verify(client, link.token))


async def test_an_expired_verification_link_is_refused(
    client, accounts, runtime, settings, smtp_server, clock, frozen_clock
):
    alice = await accounts.create(verified=False)
    await run_worker(runtime, settings, smtp_server, clock)
    (link,) = links(smtp_server)

    frozen_clock(clock.now + timedelta(hours=48, seconds=1))
    assert_invalid_token(await verify(client, link.token))
    frozen_clock(clock.now + timedelta(hours=47, minutes=59))
    assert (await verify(client, link.token)).status_code == 204
    assert await accounts.login(alice.username)


async def test_a_reset_token_does_not_verify_an_address(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create(verified=False)
    await client.post(f"{API}/auth/password-reset", json={"email": alice.email})
    await run_worker(runtime, settings, smtp_server, clock)
    (reset,) = [link for link in links(smtp_server) if link.page == "reset-password"]

    assert_invalid_token(await verify(client, reset.token))
    assert await is_verified(client, alice) is False


async def test_a_changed_email_is_unverified_and_mailed_a_new_link(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()

    response = await change_email(client, alice, "alice.new@example.com")

    assert response.status_code == 200
    assert response.json()["email_verified"] is False
    await run_worker(runtime, settings, smtp_server, clock)
    (link,) = links(smtp_server)
    assert link.to == ["alice.new@example.com"]
    assert (await verify(client, link.token)).status_code == 204
    assert await is_verified(client, alice) is True


async def test_a_link_mailed_to_the_old_address_does_not_verify_the_new_one(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create(verified=False)
    await run_worker(runtime, settings, smtp_server, clock)
    (old_link,) = links(smtp_server)

    assert (await change_email(client, alice, "alice.new@example.com")).status_code == 200

    assert_invalid_token(await verify(client, old_link.token))
    assert await is_verified(client, alice) is False


async def test_a_verification_queued_for_an_address_changed_since_is_not_sent(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create(verified=False)
    assert (await change_email(client, alice, "alice.new@example.com")).status_code == 200

    await run_worker(runtime, settings, smtp_server, clock)

    assert [link.to for link in links(smtp_server)] == [["alice.new@example.com"]]


async def test_changing_only_the_case_of_the_email_keeps_it_verified(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()

    shouted = alice.username.upper() + "@example.com"

    response = await change_email(client, alice, shouted)

    assert response.status_code == 200
    assert response.json()["email"] == shouted
    assert response.json()["email_verified"] is True
    await run_worker(runtime, settings, smtp_server, clock)
    assert smtp_server.mailbox.emails == []


async def test_a_verified_address_is_sent_no_verification_still_queued(
    client, accounts, runtime, settings, smtp_server, clock
):
    await accounts.create(verified=True)  # verified before any worker ran

    assert await run_worker(runtime, settings, smtp_server, clock) == 0
    assert smtp_server.mailbox.emails == []


async def test_resend_mails_a_new_link_and_both_work_until_one_is_used(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create(verified=False)
    await run_worker(runtime, settings, smtp_server, clock)

    response = await client.post(RESEND, headers=alice.auth)

    assert response.status_code == 202
    assert response.json() == {"detail": f"A verification link is on its way to {alice.email}."}
    await run_worker(runtime, settings, smtp_server, clock)
    first, second = links(smtp_server)
    assert first.token != second.token
    assert (await verify(client, second.token)).status_code == 204
    assert_invalid_token(await verify(client, first.token))


async def test_resend_for_a_verified_address_is_409(client, accounts):
    alice = await accounts.create()

    response = await client.post(RESEND, headers=alice.auth)

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_resends_past_the_limit_per_account_are_429(client, accounts, settings):
    alice = await accounts.create(verified=False)
    limit = parse(settings.verification_email_limit_per_account).amount
    for _ in range(limit):
        assert (await client.post(RESEND, headers=alice.auth)).status_code == 202

    response = await client.post(RESEND, headers=alice.auth)

    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 3600
    # Another account has an allowance of its own.
    bob = await accounts.create(verified=False)
    assert (await client.post(RESEND, headers=bob.auth)).status_code == 202


async def test_email_changes_past_the_limit_per_account_are_429_and_change_nothing(
    client, accounts, settings
):
    alice = await accounts.create()
    limit = parse(settings.verification_email_limit_per_account).amount
    for number in range(limit):
        assert (await change_email(client, alice, f"alice{number}@example.com")).status_code == 200

    response = await change_email(client, alice, "alice.last@example.com")

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    me = (await client.get(ME, headers=alice.auth)).json()
    assert me["email"] == f"alice{limit - 1}@example.com"


async def test_an_admin_sees_whether_an_address_is_verified(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create(verified=False)

    response = await client.get(f"{API}/admin/users/{alice.id}", headers=admin.auth)

    assert response.status_code == 200
    assert response.json()["email_verified"] is False
