"""Several workers share the outbox without ever sending one delivery twice, a dead worker's
claims pass to the next once their lease runs out, and SIGTERM stops `habitual worker` cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from asyncio.subprocess import Process
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from habitual.auth.passwords import Passwords
from habitual.db import Database, create_database
from habitual.jobs.worker import Worker
from habitual.models import Channel, Delivery, Event
from habitual.notifications.outbox import Notice, notify_many
from habitual.users.service import user_service
from tests.conftest import make_settings
from tests.factories import PASSWORD
from tests.notifications.conftest import (
    LOOPBACK,
    Clock,
    configured,
    create_webhook,
    deliveries_of,
    notify_user,
    the_delivery,
)

EMAIL = frozenset({Channel.email})


async def test_two_workers_deliver_every_webhook_exactly_once(
    private_client, accounts, runtime, settings, receiver, clock
):
    alice = await accounts.create()
    await create_webhook(private_client, alice, receiver.url)
    await notify_user(runtime, alice.id, Channel.webhook, count=200)
    small_batches = configured(settings, worker_batch_size=15)

    async with (
        Worker(runtime.database, small_batches, clock=clock, name="w1") as first,
        Worker(runtime.database, small_batches, clock=clock, name="w2") as second,
    ):
        for _ in range(40):
            done = await asyncio.gather(first.run_once(), second.run_once())
            if sum(done) == 0:
                break

    received = Counter(request.headers["webhook-id"] for request in receiver.requests)
    deliveries = await deliveries_of(runtime)
    assert len(deliveries) == 200
    assert received == Counter({f"msg_{delivery.id}": 1 for delivery in deliveries})
    assert {delivery.status for delivery in deliveries} == {"delivered"}
    assert {delivery.attempts for delivery in deliveries} == {1}
    assert {delivery.claimed_by for delivery in deliveries} == {"w1", "w2"}


async def test_a_worker_that_dies_after_claiming_leaves_its_batch_to_the_next_after_the_lease(
    private_client, accounts, runtime, settings, receiver, clock
):
    alice = await accounts.create()
    await create_webhook(private_client, alice, receiver.url)
    notification_ids = await notify_user(runtime, alice.id, Channel.webhook, count=5)
    leased = configured(settings, delivery_lease_seconds=60)
    doomed = Worker(runtime.database, leased, clock=clock, name="doomed")
    assert len(await doomed.claim()) == 5  # ...and then it dies: nothing is ever settled
    lease_until = (await the_delivery(runtime, notification_ids[0])).lease_until
    assert lease_until == clock.now + timedelta(seconds=60)

    successor_clock = Clock()
    successor_clock.now = clock.now + timedelta(seconds=59)
    async with Worker(runtime.database, leased, clock=successor_clock, name="next") as successor:
        assert await successor.run_once() == 0  # the lease still holds
        successor_clock.move_past(lease_until)
        assert await successor.run_once() == 5

    deliveries = await deliveries_of(runtime)
    assert {(d.status, d.claimed_by, d.attempts) for d in deliveries} == {("delivered", "next", 2)}


async def test_a_late_result_from_a_worker_whose_lease_ran_out_does_not_overwrite_the_next(
    private_client, accounts, runtime, settings, receiver, clock
):
    alice = await accounts.create()
    await create_webhook(private_client, alice, receiver.url)
    (notification_id,) = await notify_user(runtime, alice.id, Channel.webhook)
    leased = configured(settings, delivery_lease_seconds=30)
    receiver.answer(500, 204)  # the slow worker's request fails; the successor's succeeds
    release = receiver.hold_next()

    successor_clock = Clock()
    successor_clock.now = clock.now + timedelta(seconds=31)
    async with (
        Worker(runtime.database, leased, clock=clock, name="slow") as slow,
        Worker(runtime.database, leased, clock=successor_clock, name="next") as successor,
    ):
        slow_round = asyncio.create_task(slow.deliver_batch())
        assert await asyncio.to_thread(receiver.arrived.wait, 10)
        assert await successor.deliver_batch() == 1  # the slow one's lease has run out
        release.set()
        assert await slow_round == 1  # its answer, a 500, comes too late to count

    delivery = await the_delivery(runtime, notification_id)
    assert (delivery.status, delivery.claimed_by) == ("delivered", "next")
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (2, 204, None)
    assert delivery.delivered_at == successor_clock.now
    # Sent twice (at least once, as leases promise), under one webhook-id to deduplicate by.
    assert [request.headers["webhook-id"] for request in receiver.requests] == [
        f"msg_{delivery.id}"
    ] * 2


# --- `habitual worker` ------------------------------------------------------------------------


def worker_environment(database_url: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HABITUAL_")
    }
    return environment | {
        "HABITUAL_DATABASE_URL": database_url,
        "HABITUAL_WORKER_POLL_SECONDS": "0.1",
    }


async def habitual(*args: str, environment: dict[str, str], cwd: Path) -> Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "habitual.cli",
        *args,
        env=environment,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_sigterm_stops_the_worker_process_cleanly(tmp_path: Path, smtp_server):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}"
    environment = worker_environment(database_url) | {
        "HABITUAL_SMTP_HOST": LOOPBACK,
        "HABITUAL_SMTP_PORT": str(smtp_server.port),
        "HABITUAL_SMTP_SECURITY": "none",
    }
    migrate = await habitual("migrate", environment=environment, cwd=tmp_path)
    _, errors = await asyncio.wait_for(migrate.communicate(), 60)
    assert migrate.returncode == 0, errors.decode()
    settings = make_settings(database_url, tmp_path)
    database = create_database(settings)
    try:
        async with database.unit() as uow:
            user = await user_service.create(
                uow,
                Passwords(settings),
                username="walker",
                email="walker@example.com",
                password=PASSWORD,
            )
            notice = Notice(user.id, None, Event.reminder, "sigterm", "Reminder", "Now.", {}, EMAIL)
            await notify_many(await uow.connection(), [notice])
        worker = await habitual("worker", environment=environment, cwd=tmp_path)
        try:
            # Its signal handlers are in place once it has delivered the waiting notification.
            assert await delivery_status(database, until="delivered", seconds=20) == "delivered"
            signalled_at = time.monotonic()
            worker.send_signal(signal.SIGTERM)
            _, errors = await asyncio.wait_for(worker.communicate(), 10)
            assert worker.returncode == 0, errors.decode()
            assert time.monotonic() - signalled_at < 5
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    finally:
        await database.dispose()


async def delivery_status(database: Database, *, until: str, seconds: float) -> str:
    """The one delivery's status, polled until it is `until` or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        async with database.reader() as session:
            status: str = (await session.execute(select(Delivery.status))).scalar_one()
        if status == until or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.1)
