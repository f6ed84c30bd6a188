"""Webhook signing secrets at rest: sealed under a key derived from the server's secret key,
never in plain text, still signing deliveries the receiver verifies, and readable after the
server's key is rotated (and resealed under the new one)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from habitual.config import Settings
from habitual.jobs.worker import Worker
from habitual.kit.secrets import SecretBox, UnreadableSecret
from habitual.models import Channel
from habitual.notifications.service import notification_service
from tests.notifications.conftest import configured, create_webhook, notify_user, the_delivery
from tests.notifications.test_webhook_delivery import signature_is_valid

NEW_KEY = "the-rotated-server-key-" + "r" * 32


def rekeyed(settings: Settings, secret_key: str, previous_secret_keys: list[str]) -> Settings:
    """The worker's settings with other keys (validated anew: the keys derive from them)."""
    values = configured(settings).model_dump() | {
        "secret_key": secret_key,
        "previous_secret_keys": previous_secret_keys,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
async def alice(accounts):
    return await accounts.create()


@pytest.fixture
async def hook(private_client, alice, receiver):
    return await create_webhook(private_client, alice, receiver.url)


async def stored_webhook_rows(runtime) -> list[dict[str, Any]]:
    async with runtime.database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT * FROM webhooks ORDER BY id"))
        return [dict(row._mapping) for row in rows]


async def test_the_database_never_holds_the_secret_in_plain_text(runtime, hook):
    secret = hook["secret"]
    key_bytes = base64.b64decode(secret.removeprefix("whsec_"))

    (row,) = await stored_webhook_rows(runtime)

    for value in map(str, row.values()):
        assert secret not in value
        assert secret.removeprefix("whsec_") not in value
        assert key_bytes.hex() not in value
    assert "secret" not in row
    assert runtime.secret_box.open(row["sealed_secret"]) == secret


async def test_two_webhooks_with_secrets_sealed_differently(private_client, runtime, alice, hook):
    other = await create_webhook(private_client, alice, "http://127.0.0.1:9000/other")

    first, second = await stored_webhook_rows(runtime)

    assert first["sealed_secret"] != second["sealed_secret"]
    assert {runtime.secret_box.open(row["sealed_secret"]) for row in (first, second)} == {
        hook["secret"],
        other["secret"],
    }


async def test_a_delivery_after_a_key_rotation_is_signed_with_the_same_secret(
    runtime, settings, alice, hook, receiver, clock
):
    rotated = configured(settings, secret_key=NEW_KEY, previous_secret_keys=[settings.secret_key])
    await notify_user(runtime, alice.id, Channel.webhook)

    async with Worker(runtime.database, rotated, clock=clock) as worker:
        await worker.run_once()

    (request,) = receiver.requests
    assert signature_is_valid(hook["secret"], request.headers, request.body)


async def test_without_the_key_it_was_sealed_under_the_delivery_is_dead_and_says_why(
    runtime, settings, alice, hook, receiver, clock
):
    forgotten = rekeyed(settings, NEW_KEY, [])
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)

    async with Worker(runtime.database, forgotten, clock=clock) as worker:
        await worker.run_once()

    assert receiver.requests == []
    delivery = await the_delivery(runtime, notification_id)
    assert delivery.status == "dead"
    assert delivery.last_error is not None
    assert "HABITUAL_PREVIOUS_SECRET_KEYS" in delivery.last_error


async def test_resealing_moves_every_secret_under_the_new_key_so_the_old_one_can_go(
    runtime, settings, alice, hook, receiver, clock
):
    old_key = settings.signing_key
    rotated = SecretBox(NEW_KEY, [old_key])
    async with runtime.database.unit() as uow:
        assert await notification_service.reseal_secrets(uow, rotated) == 1
    async with runtime.database.unit() as uow:
        assert await notification_service.reseal_secrets(uow, rotated) == 0  # done already

    (row,) = await stored_webhook_rows(runtime)
    with pytest.raises(UnreadableSecret):
        SecretBox(old_key).open(row["sealed_secret"])
    await notify_user(runtime, alice.id, Channel.webhook)
    only_new = rekeyed(settings, NEW_KEY, [])
    async with Worker(runtime.database, only_new, clock=clock) as worker:
        await worker.run_once()
    (request,) = receiver.requests
    assert signature_is_valid(hook["secret"], request.headers, request.body)


@given(secret=st.text(max_size=200))
def test_a_sealed_secret_opens_to_itself_under_the_current_or_a_previous_key(secret):
    old = SecretBox("old-server-key-" + "o" * 32)
    current = SecretBox("new-server-key-" + "n" * 32, ["old-server-key-" + "o" * 32])

    sealed = old.seal(secret)

    assert current.open(sealed) == secret
    assert not current.is_current(sealed)
    assert current.is_current(current.reseal(sealed))
    assert current.open(current.reseal(sealed)) == secret


def test_a_value_sealed_under_an_unknown_key_or_tampered_with_does_not_open():
    box = SecretBox("server-key-" + "k" * 32)
    sealed = SecretBox("another-key-" + "a" * 32).seal("whsec_x")
    tampered = box.seal("whsec_x")[:-4] + "AAAA"

    for value in (sealed, tampered, "not a token", "é"):
        with pytest.raises(UnreadableSecret):
            box.open(value)
