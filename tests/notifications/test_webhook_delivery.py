"""Webhook deliveries to a real HTTP receiver: signed the Standard Webhooks way, retried with
backoff on failures worth retrying, dead on the others, and requeued by an admin."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from collections.abc import Mapping
from datetime import timedelta

import pytest

from habitual.jobs.worker import Worker, backoff_seconds
from habitual.models import Channel, Delivery, Event
from habitual.notifications.transports import NOT_PUBLIC
from habitual.runtime import Runtime
from tests.factories import API
from tests.notifications.conftest import (
    Clock,
    WebhookReceiver,
    configured,
    create_webhook,
    deliveries_of,
    notify_user,
    the_delivery,
)


def signature_is_valid(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Standard Webhooks verification, written from the spec rather than from our sender."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = b".".join(
        [headers["webhook-id"].encode(), headers["webhook-timestamp"].encode(), body]
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


async def the_webhook_delivery(runtime: Runtime, notification_id: int) -> Delivery:
    deliveries = await deliveries_of(runtime, notification_id)
    (delivery,) = [delivery for delivery in deliveries if delivery.channel == "webhook"]
    return delivery


async def until_settled(
    runtime: Runtime, worker: Worker, clock: Clock, notification_id: int
) -> None:
    """Move the clock past the delivery's next attempt and let the worker try once more."""
    delivery = await the_delivery(runtime, notification_id)
    clock.move_past(delivery.next_attempt_at)
    assert await worker.deliver_batch() == 1


@pytest.fixture
async def alice(accounts):
    return await accounts.create()


@pytest.fixture
async def hook(private_client, alice, receiver):
    return await create_webhook(private_client, alice, receiver.url)


# --- signing ----------------------------------------------------------------------------------


async def test_a_delivered_webhook_carries_a_valid_standard_webhooks_signature(
    runtime, settings, alice, hook, receiver, clock
):
    (notification_id,) = await notify_user(
        runtime, alice.id, Channel.webhook, event=Event.goal_reached, title="Goal reached: Read"
    )

    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        await worker.run_once()

    (request,) = receiver.requests
    assert signature_is_valid(hook["secret"], request.headers, request.body)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-timestamp"] == str(int(clock.now.timestamp()))
    payload = json.loads(request.body)
    assert payload["type"] == "goal_reached"
    assert payload["data"]["notification_id"] == notification_id
    assert payload["data"]["title"] == "Goal reached: Read"
    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)


async def test_a_body_changed_by_one_byte_fails_verification(
    runtime, settings, alice, hook, receiver, clock
):
    await notify_user(runtime, alice.id, Channel.webhook)

    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        await worker.run_once()

    (request,) = receiver.requests
    tampered = bytearray(request.body)
    tampered[len(tampered) // 2] ^= 0x01
    assert signature_is_valid(hook["secret"], request.headers, request.body)
    assert not signature_is_valid(hook["secret"], request.headers, bytes(tampered))


async def test_a_signature_made_with_another_secret_fails_verification(
    private_client, runtime, settings, alice, hook, receiver, clock
):
    other = await create_webhook(private_client, alice, receiver.url + "/other")
    await notify_user(runtime, alice.id, Channel.webhook)

    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        await worker.run_once()

    by_path = {request.path: request for request in receiver.requests}
    assert signature_is_valid(hook["secret"], by_path["/hook"].headers, by_path["/hook"].body)
    assert not signature_is_valid(other["secret"], by_path["/hook"].headers, by_path["/hook"].body)


async def test_the_webhook_id_stays_the_same_across_retries(
    runtime, settings, alice, hook, receiver, clock
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)
    receiver.answer(503)

    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        await worker.run_once()
        await until_settled(runtime, worker, clock, notification_id)

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.headers["webhook-timestamp"] != second.headers["webhook-timestamp"]
    assert first.body == second.body
    assert signature_is_valid(hook["secret"], second.headers, second.body)


# --- retries ----------------------------------------------------------------------------------


async def test_a_receiver_failing_twice_gets_the_webhook_on_the_third_attempt(
    runtime, settings, alice, hook, receiver, clock
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)
    receiver.answer(500, 500, 204)
    jitter = random.Random(7)  # a seeded draw: the first retry is surely later than now

    async with Worker(runtime.database, configured(settings), clock=clock, rng=jitter) as worker:
        assert await worker.deliver_batch() == 1
        delivery = await the_delivery(runtime, notification_id)
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "pending",
            1,
            500,
        )
        assert delivery.last_error == "The endpoint answered 500."
        assert await worker.deliver_batch() == 0  # not before its next attempt
        await until_settled(runtime, worker, clock, notification_id)
        await until_settled(runtime, worker, clock, notification_id)

    assert len(receiver.requests) == 3
    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)
    assert delivery.last_error is None
    assert delivery.delivered_at == clock.now


async def test_each_retry_waits_a_full_jitter_delay_under_the_exponential_ceiling(
    runtime, settings, alice, hook, receiver, clock
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)
    receiver.answer(*[500] * 6)
    backoff = configured(
        settings,
        delivery_backoff_base_seconds=10,
        delivery_backoff_cap_seconds=100,
        delivery_max_attempts=10,
    )

    async with Worker(runtime.database, backoff, clock=clock) as worker:
        for attempt in range(1, 7):
            failed_at = clock.now
            assert await worker.deliver_batch() == 1
            delivery = await the_delivery(runtime, notification_id)
            assert delivery.attempts == attempt
            ceiling = timedelta(seconds=min(100, 10 * 2 ** (attempt - 1)))
            assert failed_at <= delivery.next_attempt_at <= failed_at + ceiling
            clock.move_past(delivery.next_attempt_at)


@pytest.mark.parametrize("attempts", [1, 2, 3, 5, 8, 12])
def test_backoff_is_full_jitter_below_min_of_cap_and_base_doubled(settings, attempts):
    backoff = configured(
        settings, delivery_backoff_base_seconds=10, delivery_backoff_cap_seconds=300
    )
    rng = random.Random(attempts)
    ceiling = min(300, 10 * 2 ** (attempts - 1))

    delays = [backoff_seconds(attempts, backoff, rng) for _ in range(500)]

    assert all(0 <= delay <= ceiling for delay in delays)
    # Full jitter spreads over the whole range, not just its upper half.
    assert min(delays) < ceiling * 0.1
    assert max(delays) > ceiling * 0.9


async def test_a_404_makes_the_delivery_dead_at_once(
    runtime, settings, alice, hook, receiver, clock
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)
    receiver.answer(404)

    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        await worker.run_once()
        clock.advance(days=1)
        assert await worker.run_once() == 0

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("dead", 1, 404)
    assert delivery.last_error == "The endpoint answered 404."
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
async def test_a_timeout_a_rate_limit_or_a_server_error_is_retried(
    runtime, settings, alice, hook, receiver, clock, status
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)
    receiver.answer(status)

    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        await worker.run_once()
        await until_settled(runtime, worker, clock, notification_id)

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 204)
    assert len(receiver.requests) == 2


async def test_an_unreachable_receiver_is_retried(runtime, settings, alice, private_client, clock):
    await create_webhook(private_client, alice, "http://127.0.0.1:1/hook")
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)

    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        await worker.run_once()

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("ConnectError")


async def test_a_delivery_is_dead_after_the_last_allowed_attempt(
    runtime, settings, alice, hook, receiver, clock
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)
    receiver.answer(500, 500, 500, 500)

    async with Worker(
        runtime.database, configured(settings, delivery_max_attempts=3), clock=clock
    ) as worker:
        await worker.run_once()
        await until_settled(runtime, worker, clock, notification_id)
        await until_settled(runtime, worker, clock, notification_id)
        clock.advance(days=1)
        assert await worker.run_once() == 0

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("dead", 3, 500)
    assert delivery.last_error == "The endpoint answered 500."
    assert len(receiver.requests) == 3


async def test_a_deleted_webhooks_pending_delivery_goes_with_it(
    private_client, runtime, settings, alice, hook, receiver, clock
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook, Channel.email)
    response = await private_client.delete(f"{API}/webhooks/{hook['id']}", headers=alice.auth)
    assert response.status_code == 204

    (delivery,) = await deliveries_of(runtime, notification_id)
    assert (delivery.channel, delivery.status) == ("email", "pending")
    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        assert await worker.run_once() == 1  # the email
    assert receiver.requests == []


async def test_a_webhook_to_a_private_address_is_dead_when_the_worker_refuses_it(
    runtime, settings, alice, hook, receiver, clock
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)
    strict = configured(settings, webhook_allow_private=False)

    async with Worker(runtime.database, strict, clock=clock) as worker:
        await worker.run_once()

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("dead", 1, None)
    assert delivery.last_error == NOT_PUBLIC
    assert receiver.requests == []


# --- the admin's retry ------------------------------------------------------------------------


async def dead_webhook_notification(
    runtime: Runtime, settings, alice, receiver: WebhookReceiver, clock: Clock
) -> int:
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook, Channel.inapp)
    receiver.answer(410)
    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        await worker.run_once()
    return notification_id


async def test_an_admin_requeues_dead_deliveries_and_the_next_run_delivers_them(
    client, accounts, runtime, settings, alice, hook, receiver, clock
):
    notification_id = await dead_webhook_notification(runtime, settings, alice, receiver, clock)
    admin = await accounts.create_admin()

    response = await client.post(
        f"{API}/admin/notifications/{notification_id}/retry", headers=admin.auth
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"requeued": 1}  # the webhook; the inbox needs no delivery
    requeued = await the_webhook_delivery(runtime, notification_id)
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    clock.move_past(requeued.next_attempt_at)
    async with Worker(runtime.database, configured(settings), clock=clock) as worker:
        assert await worker.run_once() == 1
    delivered = await the_webhook_delivery(runtime, notification_id)
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == (
        "delivered",
        1,
        204,
    )
    assert len(receiver.requests) == 2


async def test_requeueing_a_notification_without_dead_deliveries_requeues_nothing(
    client, accounts, runtime, alice
):
    (notification_id,) = await notify_user(runtime, alice.id, Channel.email)  # pending
    admin = await accounts.create_admin()

    response = await client.post(
        f"{API}/admin/notifications/{notification_id}/retry", headers=admin.auth
    )

    assert response.status_code == 200
    assert response.json() == {"requeued": 0}


async def test_only_an_admin_may_requeue(client, runtime, settings, alice, hook, receiver, clock):
    notification_id = await dead_webhook_notification(runtime, settings, alice, receiver, clock)

    response = await client.post(
        f"{API}/admin/notifications/{notification_id}/retry", headers=alice.auth
    )

    assert response.status_code == 403
    assert (await the_webhook_delivery(runtime, notification_id)).status == "dead"


async def test_requeueing_an_unknown_notification_is_not_found(client, accounts):
    admin = await accounts.create_admin()

    response = await client.post(f"{API}/admin/notifications/999999/retry", headers=admin.auth)

    assert response.status_code == 404
