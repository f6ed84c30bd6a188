"""The usage plans' counts in Redis: increments asked for together go in one round trip, and
each caller still gets the exact shared count after its own increment."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.storage import storage_from_string

from habitual.app import create_app
from habitual.auth.counts import (
    MAX_PER_TRIP,
    BatchedRedisCounts,
    StorageCounts,
    shared_counts,
)
from habitual.auth.usage import Bucket, UsageLimiter, batch_of
from habitual.config import Settings, parse_rate_limit
from habitual.kit.clock import clock, utcnow
from tests.auth.test_usage_limits import counted

REDIS_URL = os.environ.get("HABITUAL_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="HABITUAL_TEST_REDIS_URL is not set")


def redis_storage(url: str | None = REDIS_URL, prefix: str | None = None) -> RedisStorage:
    assert url is not None
    storage = storage_from_string(
        url.replace("redis://", "async+redis://", 1),
        key_prefix=prefix or f"habitual-test-counts-{uuid.uuid4().hex[:8]}",
    )
    assert isinstance(storage, RedisStorage)
    return storage


@pytest.fixture
async def storage() -> AsyncIterator[RedisStorage]:
    storage = redis_storage()
    yield storage
    await storage.reset()


def test_redis_counts_are_batched_and_memory_counts_go_straight_to_the_storage():
    assert isinstance(shared_counts(redis_storage()), BatchedRedisCounts)
    assert isinstance(shared_counts(MemoryStorage()), StorageCounts)


async def test_increments_no_one_waits_for_go_together_within_the_deferral(storage):
    counts = BatchedRedisCounts(storage, defer_seconds=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()

    answers = [counts.incr_soon(f"key-{i % 3}", 60) for i in range(90)]
    await asyncio.sleep(0.1)
    assert not any(answer.done() for answer in answers)  # still gathering

    assert sorted(await asyncio.gather(*answers)) == sorted(list(range(1, 31)) * 3)
    assert counts.trips == 1
    assert loop.time() - started >= 0.5


async def test_someone_who_waits_sends_what_is_deferred_at_once(storage):
    counts = BatchedRedisCounts(storage, defer_seconds=60)
    deferred = counts.incr_soon("key", 60, 2)

    assert await asyncio.wait_for(counts.incr("key", 60, 3), timeout=10) == 5
    assert deferred.done()
    assert deferred.result() == 2
    assert counts.trips == 1


async def test_increments_asked_for_together_go_in_one_trip_and_each_gets_its_count(storage):
    counts = BatchedRedisCounts(storage)
    amounts = [1, 2, 3, 4, 5] * 40  # 200 increments of 5 keys

    answers = await asyncio.gather(
        *(counts.incr(f"key-{i % 5}", 60, amount) for i, amount in enumerate(amounts))
    )

    assert counts.trips == 1
    by_key: dict[int, list[int]] = defaultdict(list)
    for i, answer in enumerate(answers):
        by_key[i % 5].append(answer)
    for key, seen in by_key.items():
        amount = key + 1
        # In the order asked: the count after each caller's own increment.
        assert seen == [amount * n for n in range(1, 41)]
        assert await storage.get(f"key-{key}") == 40 * amount


async def test_a_trip_takes_at_most_its_share_and_the_rest_follow(storage):
    counts = BatchedRedisCounts(storage)

    answers = await asyncio.gather(*(counts.incr("key", 60) for _ in range(MAX_PER_TRIP + 1)))

    assert counts.trips == 2
    assert sorted(answers) == list(range(1, MAX_PER_TRIP + 2))


async def test_the_first_increment_starts_the_expiry_and_later_ones_keep_it(storage):
    counts = BatchedRedisCounts(storage)
    await counts.incr("key", 60, 3)

    await counts.incr("key", 3600, 1)  # a later increment does not move the end

    assert 55 <= await storage.get_expiry("key") - time.time() <= 61
    assert await storage.get("key") == 4


async def test_one_at_a_time_each_increment_is_a_trip(storage):
    counts = BatchedRedisCounts(storage)

    assert [await counts.incr("key", 60) for _ in range(3)] == [1, 2, 3]
    assert counts.trips == 3


async def test_when_redis_cannot_be_reached_every_waiting_caller_gets_the_error():
    unreachable = BatchedRedisCounts(redis_storage("redis://127.0.0.1:1/0"))

    results = await asyncio.gather(
        *(unreachable.incr(f"key-{i}", 60) for i in range(3)), return_exceptions=True
    )

    assert all(isinstance(result, Exception) for result in results), results
    assert unreachable.trips == 1


@settings(max_examples=15, deadline=None)
@given(
    amount=st.integers(1, 400),
    processes=st.integers(1, 4),
    callers=st.integers(1, 60),
)
def test_processes_counting_in_redis_at_once_let_at_most_one_more_each_through(
    amount, processes, callers
):
    """Each process has its own counts and limiter over the one Redis; `callers` requests of
    each process arrive at once, round after round, until every process refuses."""

    async def run() -> int:
        storage = redis_storage()
        try:
            limiters = [UsageLimiter(Settings(_env_file=None), storage) for _ in range(processes)]
            bucket = Bucket(parse_rate_limit(f"{amount}/hour"), "user:1")
            admitted = 0
            while True:
                quotas = await asyncio.gather(
                    *(counted(limiter, bucket) for limiter in limiters for _ in range(callers))
                )
                admitted += sum(not quota.exhausted for quota in quotas)
                if all(quota.exhausted for quota in quotas):
                    return admitted
        finally:
            await storage.reset()

    clock.freeze(utcnow())
    try:
        admitted = asyncio.run(run())
    finally:
        clock.thaw()
    # One process's first request goes through before the count answers: one over the limit
    # for each process that finds the window spent by the others.
    assert amount - processes * (batch_of(amount) - 1) <= admitted <= amount + processes - 1


async def test_the_app_starts_when_the_rate_limits_redis_is_not_reachable_yet(caplog, tmp_path):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/habitual.db",
        redis_url="redis://127.0.0.1:1/0",
        secret_key="k" * 32,
        worker_embedded=False,
    )
    app = create_app(settings)

    async with app.router.lifespan_context(app):
        pass

    assert "the rate limits' Redis is not reachable yet" in caplog.text


async def test_prepare_loads_the_script_so_the_first_count_needs_no_second_trip(storage):
    counts = BatchedRedisCounts(storage)
    await counts.prepare()
    client = storage.bridge.get_connection()

    assert await client.script_exists([counts._script.sha]) == (True,)
