"""Where a webhook goes: each delivery resolves the host once, checks every address it got, and
connects to that very address (DNS rebinding cannot reach loopback), keeping the Host header
and, over https, the TLS server name and the certificate's check for the URL's host name. A
refusal never says what the name resolves to. And a user may have only so many webhooks."""

from __future__ import annotations

import asyncio

import pytest

from habitual.jobs.worker import Worker
from habitual.models import Channel
from habitual.notifications.transports import NOT_PUBLIC
from tests.factories import API, PROBLEM_JSON
from tests.notifications.conftest import (
    LOOPBACK,
    ScriptedResolver,
    WebhookReceiver,
    configured,
    create_webhook,
    make_certificates,
    notify_user,
    the_delivery,
)

HOOKS = "hooks.rebind.test"  # `.test`: no real resolver answers it, only the test's
PUBLIC = "93.184.215.14"  # only ever checked, never connected to


@pytest.fixture
async def alice(accounts):
    return await accounts.create()


# --- at every delivery ------------------------------------------------------------------------


async def test_a_delivery_connects_to_the_address_its_single_lookup_gave(
    app_factory, runtime, settings, alice, receiver, clock
):
    resolver = ScriptedResolver({HOOKS: [[LOOPBACK]]})
    async with app_factory(resolver=resolver, webhook_allow_private=True) as api:
        await create_webhook(api, alice, receiver.url_for(HOOKS))
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)

    async with Worker(
        runtime.database, configured(settings), clock=clock, resolver=resolver
    ) as worker:
        await worker.run_once()

    # The system cannot resolve HOOKS: the request reached the receiver at the checked address.
    (request,) = receiver.requests
    assert request.headers["host"] == f"{HOOKS}:{receiver.port}"
    assert resolver.lookups == [(HOOKS, receiver.port)]
    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.last_status_code) == ("delivered", 204)


async def test_each_delivery_looks_the_name_up_again_and_goes_where_it_now_points(
    app_factory, runtime, settings, alice, receiver, clock
):
    # Second answer: another loopback address, where nothing listens.
    resolver = ScriptedResolver({HOOKS: [[LOOPBACK], ["127.0.0.254"]]})
    async with app_factory(resolver=resolver, webhook_allow_private=True) as api:
        await create_webhook(api, alice, receiver.url_for(HOOKS))
    first, second = await notify_user(runtime, alice.id, Channel.webhook, count=2)

    async with Worker(
        runtime.database, configured(settings, worker_batch_size=1), clock=clock, resolver=resolver
    ) as worker:
        assert await worker.deliver_batch() == 1
        assert await worker.deliver_batch() == 1

    assert len(resolver.lookups) == 2
    assert len(receiver.requests) == 1
    assert (await the_delivery(runtime, first)).status == "delivered"
    failed = await the_delivery(runtime, second)
    assert (failed.status, failed.attempts) == ("pending", 1)  # retried per the backoff
    assert failed.last_error is not None
    assert failed.last_error.startswith("ConnectError")


async def test_a_name_that_rebinds_to_loopback_after_the_check_at_creation_is_refused(
    app_factory, runtime, settings, alice, receiver, clock
):
    resolver = ScriptedResolver({HOOKS: [[PUBLIC], [LOOPBACK]]})
    async with app_factory(resolver=resolver) as api:
        await create_webhook(api, alice, receiver.url_for(HOOKS))
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook, Channel.inapp)

    strict = configured(settings, webhook_allow_private=False)
    async with Worker(runtime.database, strict, clock=clock, resolver=resolver) as worker:
        await worker.run_once()

    assert receiver.requests == []
    assert len(resolver.lookups) == 2  # at creation, and at the delivery
    delivery = await the_delivery(runtime, notification_id)
    # Recorded as failed, the notification kept (an admin can requeue it).
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("dead", 1, None)
    assert delivery.last_error == NOT_PUBLIC
    assert LOOPBACK not in delivery.last_error


async def test_one_private_address_among_public_ones_is_refused_at_delivery(
    app_factory, runtime, settings, alice, receiver, clock
):
    resolver = ScriptedResolver({HOOKS: [[PUBLIC], [PUBLIC, LOOPBACK]]})
    async with app_factory(resolver=resolver) as api:
        await create_webhook(api, alice, receiver.url_for(HOOKS))
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)

    strict = configured(settings, webhook_allow_private=False)
    async with Worker(runtime.database, strict, clock=clock, resolver=resolver) as worker:
        await worker.run_once()

    assert receiver.requests == []
    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.last_error) == ("dead", NOT_PUBLIC)


async def test_a_name_that_no_longer_resolves_is_retried(
    app_factory, runtime, settings, alice, receiver, clock
):
    resolver = ScriptedResolver({HOOKS: [[PUBLIC], []]})
    async with app_factory(resolver=resolver) as api:
        await create_webhook(api, alice, receiver.url_for(HOOKS))
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)

    strict = configured(settings, webhook_allow_private=False)
    async with Worker(runtime.database, strict, clock=clock, resolver=resolver) as worker:
        await worker.run_once()

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.last_error) == ("pending", f"Cannot resolve {HOOKS}.")


# --- https: the host name stays the TLS server name and the certificate's -------------------


@pytest.fixture
def tls_receiver(tmp_path):
    certificates = make_certificates(tmp_path, HOOKS)
    https = WebhookReceiver(tls=certificates.server_context())
    https.start()
    try:
        yield https, certificates
    finally:
        https.stop()


async def test_an_https_delivery_to_the_pinned_address_asks_for_and_verifies_the_host_name(
    app_factory, runtime, settings, alice, tls_receiver, clock
):
    https, certificates = tls_receiver
    resolver = ScriptedResolver({HOOKS: [[LOOPBACK]]})
    async with app_factory(resolver=resolver, webhook_allow_private=True) as api:
        await create_webhook(api, alice, https.url_for(HOOKS))
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)

    async with Worker(
        runtime.database,
        configured(settings),
        clock=clock,
        resolver=resolver,
        verify=certificates.client_context(),
    ) as worker:
        await worker.run_once()

    # The certificate names HOOKS only, not 127.0.0.1: it was verified for the host name.
    assert https.server_names == [HOOKS]
    (request,) = https.requests
    assert request.headers["host"] == f"{HOOKS}:{https.port}"
    assert (await the_delivery(runtime, notification_id)).status == "delivered"


async def test_an_https_receiver_whose_certificate_names_another_host_is_not_sent_to(
    app_factory, runtime, settings, alice, tls_receiver, clock
):
    https, certificates = tls_receiver
    other = "other.rebind.test"
    resolver = ScriptedResolver({other: [[LOOPBACK]]})
    async with app_factory(resolver=resolver, webhook_allow_private=True) as api:
        await create_webhook(api, alice, https.url_for(other))
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)

    async with Worker(
        runtime.database,
        configured(settings),
        clock=clock,
        resolver=resolver,
        verify=certificates.client_context(),
    ) as worker:
        await worker.run_once()

    assert https.requests == []
    delivery = await the_delivery(runtime, notification_id)
    assert delivery.status == "pending"
    assert delivery.last_error is not None
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error


# --- at creation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer", [["10.1.2.3"], ["169.254.169.254"], [PUBLIC, "::1"], ["fd00::7"]]
)
async def test_a_name_resolving_to_a_private_address_is_refused_without_saying_which(
    app_factory, alice, answer
):
    resolver = ScriptedResolver({HOOKS: [answer]})
    async with app_factory(resolver=resolver) as api:
        response = await api.post(
            f"{API}/webhooks",
            json={"url": f"https://{HOOKS}/hook", "events": ["reminder"]},
            headers=alice.auth,
        )
        listed = await api.get(f"{API}/webhooks", headers=alice.auth)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"] == [{"loc": ["body", "url"], "msg": NOT_PUBLIC}]
    for address in answer:
        assert address not in response.text
    assert listed.json() == []


async def test_a_name_resolving_to_public_addresses_is_accepted(app_factory, alice):
    resolver = ScriptedResolver({HOOKS: [[PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]]})
    async with app_factory(resolver=resolver) as api:
        response = await api.post(
            f"{API}/webhooks",
            json={"url": f"https://{HOOKS}/hook", "events": ["reminder"]},
            headers=alice.auth,
        )

    assert response.status_code == 201, response.text
    assert resolver.lookups == [(HOOKS, 443)]


# --- how many -----------------------------------------------------------------------------------


async def test_a_webhook_past_the_users_allowance_is_a_conflict(app_factory, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    async with app_factory(webhook_allow_private=True, max_webhooks_per_user=3) as api:
        created = [
            await create_webhook(api, alice, f"http://127.0.0.1:9000/{number}")
            for number in range(3)
        ]
        refused = await api.post(
            f"{API}/webhooks",
            json={"url": "http://127.0.0.1:9000/more", "events": ["reminder"]},
            headers=alice.auth,
        )
        listed = await api.get(f"{API}/webhooks", headers=alice.auth)
        others = await api.post(
            f"{API}/webhooks",
            json={"url": "http://127.0.0.1:9000/bob", "events": ["reminder"]},
            headers=bob.auth,
        )
        await api.delete(f"{API}/webhooks/{created[0]['id']}", headers=alice.auth)
        again = await api.post(
            f"{API}/webhooks",
            json={"url": "http://127.0.0.1:9000/more", "events": ["reminder"]},
            headers=alice.auth,
        )

    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "You have 3 webhooks, the most allowed: remove one to add another.",
    }
    assert len(listed.json()) == 3
    assert others.status_code == 201  # the allowance is each user's
    assert again.status_code == 201


async def test_parallel_additions_never_pass_the_allowance(app_factory, accounts):
    alice = await accounts.create()
    async with app_factory(webhook_allow_private=True, max_webhooks_per_user=3) as api:
        responses = await asyncio.gather(
            *(
                api.post(
                    f"{API}/webhooks",
                    json={"url": f"http://127.0.0.1:9000/{number}", "events": ["reminder"]},
                    headers=alice.auth,
                )
                for number in range(12)
            )
        )
        listed = await api.get(f"{API}/webhooks", headers=alice.auth)

    assert sorted(response.status_code for response in responses) == [201] * 3 + [409] * 9
    assert len(listed.json()) == 3


def test_the_default_allowance_is_ten(settings):
    assert settings.max_webhooks_per_user == 10
