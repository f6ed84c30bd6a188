"""Forgotten passwords: a link by email (through the outbox, to aiosmtpd), used once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from limits import parse
from sqlalchemy import select, text

from habitual.jobs.worker import Worker
from habitual.kit.secrets import token_digest
from habitual.models import Notification, OneTimeToken, PasswordResetRequest
from tests.factories import API, PASSWORD, PROBLEM_JSON
from tests.users.conftest import links, run_worker

NEW_PASSWORD = "a brand new passphrase"
RESET = f"{API}/auth/password-reset"
CONFIRM = f"{API}/auth/password-reset/confirm"
INVALID = "This link is invalid or has expired; ask for a new one."


async def ask_for_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(RESET, json={"email": email})


async def confirm(client: httpx.AsyncClient, token: str, password: str = NEW_PASSWORD):
    return await client.post(CONFIRM, json={"token": token, "new_password": password})


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(f"{API}/auth/login", json={"username": username, "password": password})


async def mailed_reset_token(client, runtime, settings, smtp_server, clock, email: str) -> str:
    """Ask for a reset of `email`, run the worker, and read the token from the email."""
    assert (await ask_for_reset(client, email)).status_code == 202
    await run_worker(runtime, settings, smtp_server, clock)
    return [link for link in links(smtp_server) if link.page == "reset-password"][-1].token


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == INVALID
    assert response.json()["errors"] == [{"loc": ["body", "token"], "msg": INVALID}]


async def test_a_mailed_link_sets_the_new_password_and_ends_every_login(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()

    response = await ask_for_reset(client, alice.email)
    assert response.status_code == 202
    assert smtp_server.mailbox.emails == []  # not while the request waits: the worker sends
    # One round: the asked-for address is looked up, and its email queued and sent.
    assert await run_worker(runtime, settings, smtp_server, clock) == 2
    (link,) = links(smtp_server)
    assert link.to == [alice.email]
    assert link.subject == "Reset your Habitual password"
    assert link.page == "reset-password"
    assert link.token.startswith("hab_pr_")
    assert "within 30 minutes" in link.text

    assert (await confirm(client, link.token)).status_code == 204

    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": alice.refresh_token}
    )
    assert refreshed.status_code == 401
    assert (await client.get(f"{API}/users/me", headers=alice.auth)).status_code == 401
    assert (await log_in(client, alice.username, PASSWORD)).status_code == 401
    assert (await log_in(client, alice.username, NEW_PASSWORD)).status_code == 200


async def test_a_used_link_is_refused_the_second_time(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)
    assert (await confirm(client, token)).status_code == 204

    response = await confirm(client, token, "yet another passphrase")

    assert_invalid_token(response)
    assert (await log_in(client, alice.username, NEW_PASSWORD)).status_code == 200


async def test_an_expired_link_is_refused_with_the_same_detail(
    client, accounts, runtime, settings, smtp_server, clock, frozen_clock
):
    alice = await accounts.create()
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)

    frozen_clock(clock.now + timedelta(minutes=30, seconds=1))
    response = await confirm(client, token)

    assert_invalid_token(response)
    (stored,) = await tokens_of(runtime)
    assert stored.expires_at == clock.now + timedelta(minutes=30)
    assert stored.used_at is None


async def test_a_link_still_works_just_before_it_expires(
    client, accounts, runtime, settings, smtp_server, clock, frozen_clock
):
    alice = await accounts.create()
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)

    frozen_clock(clock.now + timedelta(minutes=29, seconds=59))

    assert (await confirm(client, token)).status_code == 204


async def test_a_made_up_token_is_refused_with_the_same_detail(client, accounts):
    await accounts.create()

    assert_invalid_token(await confirm(client, "hab_pr_" + "A" * 43))


async def test_a_verification_token_does_not_reset_a_password(
    client, accounts, runtime, settings, smtp_server, clock
):
    await client.post(
        f"{API}/auth/register",
        json={"username": "carol", "email": "carol@example.com", "password": PASSWORD},
    )
    await run_worker(runtime, settings, smtp_server, clock)
    (verification,) = links(smtp_server)

    assert_invalid_token(await confirm(client, verification.token))
    assert (await log_in(client, "carol", PASSWORD)).status_code == 200


async def test_an_unknown_address_gets_the_same_answer_and_no_email(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()

    known = await ask_for_reset(client, alice.email)
    unknown = await ask_for_reset(client, "nobody@example.com")

    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert set(unknown.headers) == set(known.headers)
    await run_worker(runtime, settings, smtp_server, clock)
    assert [link.to for link in links(smtp_server)] == [[alice.email]]


async def test_a_known_and_an_unknown_address_make_the_request_do_the_same_work(
    client, accounts, runtime
):
    alice = await accounts.create()

    await ask_for_reset(client, alice.email)
    await ask_for_reset(client, "Nobody@Example.com")

    async with runtime.database.reader() as session:
        asked = (await session.execute(select(PasswordResetRequest.email_key))).scalars().all()
        queued = (await session.execute(select(Notification))).scalars().all()
    # Each only recorded the address asked for; nothing was looked up or queued yet.
    assert sorted(asked) == sorted([alice.email, "nobody@example.com"])
    assert queued == []


async def test_a_request_older_than_a_links_lifetime_is_dropped(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    await ask_for_reset(client, alice.email)

    clock.advance(minutes=31)  # the worker was down meanwhile
    assert await run_worker(runtime, settings, smtp_server, clock) == 1

    assert smtp_server.mailbox.emails == []


async def test_the_address_is_found_whatever_its_case(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()

    await ask_for_reset(client, alice.email.upper())
    await run_worker(runtime, settings, smtp_server, clock)

    assert [link.to for link in links(smtp_server)] == [[alice.email]]


async def test_using_one_link_makes_the_others_unusable(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    first = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)
    second = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)
    assert first != second

    assert (await confirm(client, second)).status_code == 204

    assert_invalid_token(await confirm(client, first, "yet another passphrase"))


async def test_changing_the_password_makes_outstanding_links_unusable(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)
    response = await client.put(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": "changed the usual way"},
        headers=alice.auth,
    )
    assert response.status_code == 204

    assert_invalid_token(await confirm(client, token))


async def test_changing_the_email_makes_links_sent_to_the_old_one_unusable(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)
    response = await client.patch(
        f"{API}/users/me",
        json={"email": "alice.new@example.com", "current_password": PASSWORD},
        headers=alice.auth,
    )
    assert response.status_code == 200

    assert_invalid_token(await confirm(client, token))


async def test_a_new_password_the_policy_refuses_is_422_and_the_link_still_works(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)

    response = await confirm(client, token, "short")

    assert response.status_code == 422
    assert ["body", "new_password"] in [error["loc"] for error in response.json()["errors"]]
    assert (await log_in(client, alice.username, PASSWORD)).status_code == 200
    assert (await confirm(client, token)).status_code == 204


async def test_unknown_fields_are_refused(client, accounts):
    alice = await accounts.create()

    response = await client.post(RESET, json={"email": alice.email, "role": "admin"})

    assert response.status_code == 422
    assert ["body", "role"] in [error["loc"] for error in response.json()["errors"]]


async def test_two_uses_of_one_link_at_once_set_one_password(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)

    first, second = await asyncio.gather(
        confirm(client, token, "first of two passphrases"),
        confirm(client, token, "second of two passphrases"),
    )

    assert sorted([first.status_code, second.status_code]) == [204, 422]
    winner = "first of two passphrases" if first.status_code == 204 else "second of two passphrases"
    assert (await log_in(client, alice.username, winner)).status_code == 200


async def test_the_token_is_stored_only_as_its_digest(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)

    (stored,) = await tokens_of(runtime)
    assert stored.token_hash == token_digest(token)
    assert (stored.purpose, stored.user_id, stored.email) == (
        "password_reset",
        alice.id,
        alice.email,
    )
    async with runtime.database.reader() as session:
        notification = (await session.execute(select(Notification))).scalar_one()
        rows = await session.execute(text("SELECT * FROM notifications"))
        everything = repr(rows.all()) + repr(
            (await session.execute(text("SELECT * FROM deliveries"))).all()
        )
    assert notification.in_inbox is False
    assert token not in everything
    assert token.removeprefix("hab_pr_") not in everything


async def test_a_reset_proves_the_address(client, accounts, runtime, settings, smtp_server, clock):
    alice = await accounts.create(verified=False)
    token = await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)
    assert (await confirm(client, token)).status_code == 204

    tokens = (await log_in(client, alice.username, NEW_PASSWORD)).json()
    me = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["email_verified"] is True


async def test_a_deactivated_account_gets_no_reset_email(
    client, accounts, runtime, settings, smtp_server, clock
):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    response = await client.patch(
        f"{API}/admin/users/{alice.id}", json={"is_active": False}, headers=admin.auth
    )
    assert response.status_code == 200

    assert (await ask_for_reset(client, alice.email)).status_code == 202
    await run_worker(runtime, settings, smtp_server, clock)

    assert smtp_server.mailbox.emails == []


async def test_requests_past_the_limit_per_client_are_429(client, accounts, settings):
    limit = parse(settings.password_reset_limit_per_address).amount
    for number in range(limit):
        response = await ask_for_reset(client, f"someone{number}@example.com")
        assert response.status_code == 202

    response = await ask_for_reset(client, "one.more@example.com")

    assert response.status_code == 429
    assert response.headers["content-type"] == PROBLEM_JSON
    assert 0 < int(response.headers["retry-after"]) <= 3600


async def test_past_the_limit_per_address_the_answer_is_the_same_and_nothing_more_is_sent(
    client, accounts, runtime, settings, smtp_server, clock, app
):
    alice = await accounts.create()
    limit = parse(settings.password_reset_limit_per_email).amount
    for _ in range(limit):
        assert (await ask_for_reset(client, alice.email)).status_code == 202
        assert (await ask_for_reset(client, "nobody@example.com")).status_code == 202
    # From another client, so that the limit per client is not what answers.
    transport = httpx.ASGITransport(app=app, client=("198.51.100.23", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        known = await ask_for_reset(elsewhere, alice.email)
        unknown = await ask_for_reset(elsewhere, "nobody@example.com")

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    await run_worker(runtime, settings, smtp_server, clock)
    assert len(links(smtp_server)) == limit


async def test_token_attempts_past_the_limit_per_client_are_429(client, accounts, settings):
    limit = parse(settings.account_token_limit_per_address).amount
    for number in range(limit):
        assert_invalid_token(await confirm(client, f"hab_pr_guess{number}"))

    response = await confirm(client, "hab_pr_one_more_guess")

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


async def tokens_of(runtime) -> list[OneTimeToken]:
    async with runtime.database.reader() as session:
        return list((await session.execute(select(OneTimeToken))).scalars())


async def test_the_worker_forgets_tokens_a_day_after_they_expired(
    client, accounts, runtime, settings, smtp_server, clock
):
    alice = await accounts.create()
    await mailed_reset_token(client, runtime, settings, smtp_server, clock, alice.email)
    (stored,) = await tokens_of(runtime)

    clock.move_past(stored.expires_at + timedelta(hours=23))
    async with Worker(runtime.database, settings, clock=clock) as worker:
        await worker.housekeeping()
    assert len(await tokens_of(runtime)) == 1

    clock.move_past(stored.expires_at + timedelta(days=1, minutes=11))
    async with Worker(runtime.database, settings, clock=clock) as worker:
        await worker.housekeeping()
    assert await tokens_of(runtime) == []
