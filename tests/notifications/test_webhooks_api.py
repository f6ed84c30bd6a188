"""/webhooks: the secret is shown once, private destinations are refused, others' are not found."""

from __future__ import annotations

import base64

import pytest

from habitual.models import Channel, Event
from tests.factories import API
from tests.notifications.conftest import create_webhook, notify_user

WEBHOOK_FIELDS = {"id", "url", "events", "active", "created_at"}
DELIVERY_FIELDS = {
    "id",
    "notification_id",
    "channel",
    "status",
    "attempts",
    "last_status_code",
    "last_error",
    "next_attempt_at",
    "delivered_at",
    "created_at",
}
PRIVATE_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://localhost/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
    "http://100.100.100.200/latest/meta-data",
]


async def test_a_new_webhook_answers_its_secret_once(private_client, accounts):
    alice = await accounts.create()

    response = await private_client.post(
        f"{API}/webhooks",
        json={"url": "http://127.0.0.1:9000/hook", "events": ["goal_reached", "reminder"]},
        headers=alice.auth,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == WEBHOOK_FIELDS | {"secret"}
    assert body["url"] == "http://127.0.0.1:9000/hook"
    assert body["events"] == ["goal_reached", "reminder"]
    assert body["active"] is True
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"), validate=True)) == 32


async def test_the_webhook_list_never_shows_a_secret(private_client, accounts):
    alice = await accounts.create()
    created = await create_webhook(private_client, alice, "http://127.0.0.1:9000/hook")

    response = await private_client.get(f"{API}/webhooks", headers=alice.auth)

    assert response.status_code == 200
    (listed,) = response.json()
    assert set(listed) == WEBHOOK_FIELDS
    assert listed == {key: created[key] for key in WEBHOOK_FIELDS}
    assert created["secret"] not in response.text


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_a_private_or_local_destination_is_refused_by_default(client, accounts, url):
    alice = await accounts.create()

    response = await client.post(
        f"{API}/webhooks", json={"url": url, "events": ["reminder"]}, headers=alice.auth
    )

    assert response.status_code == 422, response.text
    assert [issue["loc"] for issue in response.json()["errors"]] == [["body", "url"]]
    listed = await client.get(f"{API}/webhooks", headers=alice.auth)
    assert listed.json() == []


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_a_private_destination_is_accepted_when_the_server_allows_it(
    private_client, accounts, url
):
    alice = await accounts.create()

    response = await private_client.post(
        f"{API}/webhooks", json={"url": url, "events": ["reminder"]}, headers=alice.auth
    )

    assert response.status_code == 201, response.text


async def test_a_public_address_is_accepted_by_default(client, accounts):
    alice = await accounts.create()

    response = await client.post(
        f"{API}/webhooks",
        json={"url": "https://93.184.215.14/hooks/habitual", "events": ["target_met"]},
        headers=alice.auth,
    )

    assert response.status_code == 201, response.text


async def test_a_url_that_is_not_http_is_refused(client, accounts):
    alice = await accounts.create()

    response = await client.post(
        f"{API}/webhooks",
        json={"url": "ftp://93.184.215.14/x", "events": ["reminder"]},
        headers=alice.auth,
    )

    assert response.status_code == 422


async def test_deleting_another_users_webhook_is_not_found(private_client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    webhook = await create_webhook(private_client, alice, "http://127.0.0.1:9000/hook")

    response = await private_client.delete(f"{API}/webhooks/{webhook['id']}", headers=bob.auth)

    assert response.status_code == 404
    still = await private_client.get(f"{API}/webhooks", headers=alice.auth)
    assert [item["id"] for item in still.json()] == [webhook["id"]]


async def test_the_owner_deletes_a_webhook_with_its_deliveries(private_client, accounts, runtime):
    alice = await accounts.create()
    webhook = await create_webhook(private_client, alice, "http://127.0.0.1:9000/hook")
    await notify_user(runtime, alice.id, Channel.webhook)

    response = await private_client.delete(f"{API}/webhooks/{webhook['id']}", headers=alice.auth)

    assert response.status_code == 204
    listed = await private_client.get(f"{API}/webhooks", headers=alice.auth)
    assert listed.json() == []
    gone = await private_client.get(
        f"{API}/webhooks/{webhook['id']}/deliveries", headers=alice.auth
    )
    assert gone.status_code == 404


async def test_a_webhooks_deliveries_are_paginated_newest_first(private_client, accounts, runtime):
    alice = await accounts.create()
    webhook = await create_webhook(private_client, alice, "http://127.0.0.1:9000/hook")
    notification_ids = await notify_user(
        runtime, alice.id, Channel.webhook, Channel.inapp, event=Event.goal_reached, count=3
    )
    url = f"{API}/webhooks/{webhook['id']}/deliveries"

    first = await private_client.get(url, params={"page_size": 2}, headers=alice.auth)
    second = await private_client.get(url, params={"page": 2, "page_size": 2}, headers=alice.auth)

    assert first.status_code == second.status_code == 200
    assert set(first.json()) == {"items", "total", "page", "page_size"}
    assert (first.json()["total"], first.json()["page"], first.json()["page_size"]) == (3, 1, 2)
    items = first.json()["items"] + second.json()["items"]
    assert all(set(item) == DELIVERY_FIELDS for item in items)
    assert [item["notification_id"] for item in items] == notification_ids[::-1]
    assert {(item["channel"], item["status"], item["attempts"]) for item in items} == {
        ("webhook", "pending", 0)
    }


async def test_another_users_webhook_deliveries_are_not_found(private_client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    webhook = await create_webhook(private_client, alice, "http://127.0.0.1:9000/hook")

    response = await private_client.get(
        f"{API}/webhooks/{webhook['id']}/deliveries", headers=bob.auth
    )

    assert response.status_code == 404


async def test_a_notification_goes_only_to_webhooks_subscribed_to_its_event(
    private_client, accounts, runtime
):
    alice = await accounts.create()
    goals = await create_webhook(private_client, alice, "http://127.0.0.1:9000/a", ["goal_reached"])
    streaks = await create_webhook(
        private_client, alice, "http://127.0.0.1:9000/b", ["streak_milestone"]
    )
    await notify_user(runtime, alice.id, Channel.webhook, event=Event.goal_reached)

    for webhook, expected in ((goals, 1), (streaks, 0)):
        response = await private_client.get(
            f"{API}/webhooks/{webhook['id']}/deliveries", headers=alice.auth
        )
        assert response.json()["total"] == expected
