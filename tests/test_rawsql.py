"""The driver lane under the hot paths (kit/rawsql.py), against the real test database."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from habitual.db import UnitOfWork
from habitual.kit.rawsql import RawConnection, SqliteLane
from habitual.models import Checkin
from habitual.runtime import Runtime
from tests.factories import API, Account, create_habit

NOW = datetime(2026, 6, 18, 12, 0, tzinfo=UTC)
TODAY = date(2026, 6, 18)
YESTERDAY = date(2026, 6, 17)
START = date(2026, 6, 1)
# A check-in joined to its habit and its owner: a local date, a float, an instant, a flag.
CHECKIN_FACTS = (
    "SELECT c.local_date, c.value, c.created_at, h.start_date, u.is_active "
    "FROM checkins c JOIN habits h ON h.id = c.habit_id JOIN users u ON u.id = c.user_id "
    "WHERE c.user_id = $1"
)
INSERT_CHECKIN = (
    "INSERT INTO checkins "
    "(user_id, habit_id, local_date, status, value, note, created_at, updated_at) "
    "VALUES ($1, $2, $3, 'done', 3, NULL, $4, $4)"
)


@pytest.fixture
async def alice(accounts, frozen_clock):
    account = await accounts.create()
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    return account


@pytest.fixture
async def habit(client, alice) -> dict[str, Any]:
    """Alice's measurable habit, met today with 12 pages (through the API)."""
    created = await create_habit(
        client,
        alice,
        name="Read",
        kind="measurable",
        goal_value=10,
        unit="pages",
        start_date=START.isoformat(),
    )
    response = await client.put(
        f"{API}/habits/{created['id']}/checkins/today",
        json={"status": "done", "value": 12},
        headers=alice.auth,
    )
    assert response.status_code == 201, response.text
    return created


@pytest.fixture
def sqlite_path(runtime: Runtime, settings) -> str:
    if runtime.database.raw.dialect != "sqlite":
        pytest.skip("the inline SQLite lane only")
    path = make_url(settings.database_url).database
    assert path
    return path


async def checkin_dates(runtime: Runtime, user_id: int) -> list[date]:
    rows = await runtime.database.raw.read(
        lambda connection: connection.fetch(
            "SELECT local_date FROM checkins WHERE user_id = $1 ORDER BY local_date", user_id
        )
    )
    return [row[0] for row in rows]


def insert_yesterday(alice: Account, habit: dict[str, Any]) -> Any:
    async def work(connection: RawConnection) -> str:
        await connection.execute(INSERT_CHECKIN, alice.id, habit["id"], YESTERDAY, NOW)
        return "written"

    return work


async def test_rows_come_back_as_dates_floats_aware_utc_instants_and_bools(alice, habit, runtime):
    row = await runtime.database.raw.read(
        lambda connection: connection.fetchrow(CHECKIN_FACTS, alice.id)
    )

    assert row is not None
    assert tuple(row) == (TODAY, 12.0, NOW, START, True)
    assert [type(value) for value in row] == [date, float, datetime, date, bool]
    assert row[2].tzinfo == UTC


async def test_a_sessions_connection_gives_back_the_same_types(alice, habit, runtime):
    async with runtime.database.reader() as session:
        connection = await UnitOfWork(session=session).connection()
        row = await connection.fetchrow(CHECKIN_FACTS, alice.id)

    assert row is not None
    assert tuple(row) == (TODAY, 12.0, NOW, START, True)
    assert [type(value) for value in row] == [date, float, datetime, date, bool]
    assert row[2].tzinfo == UTC


async def test_a_sessions_connection_writes_in_the_sessions_transaction(alice, habit, runtime):
    async with runtime.database.writer() as session:
        connection = await UnitOfWork(session=session).connection()
        await connection.execute(INSERT_CHECKIN, alice.id, habit["id"], YESTERDAY, NOW)
        seen_by_the_session = await session.scalar(
            select(func.count()).select_from(Checkin).where(Checkin.user_id == alice.id)
        )
        await session.rollback()

    assert seen_by_the_session == 2
    assert await checkin_dates(runtime, alice.id) == [TODAY]


async def test_an_exception_in_a_unit_of_work_rolls_back_what_it_wrote(alice, habit, runtime):
    seen_inside: list[date] = []

    async def write_then_fail(connection: RawConnection) -> None:
        await connection.execute(INSERT_CHECKIN, alice.id, habit["id"], YESTERDAY, NOW)
        rows = await connection.fetch(
            "SELECT local_date FROM checkins WHERE user_id = $1 ORDER BY local_date", alice.id
        )
        seen_inside.extend(row[0] for row in rows)
        raise LookupError("after the insert")

    with pytest.raises(LookupError, match="after the insert"):
        await runtime.database.raw.write(write_then_fail)

    assert seen_inside == [YESTERDAY, TODAY]
    assert await checkin_dates(runtime, alice.id) == [TODAY]


async def test_a_numbered_parameter_may_be_used_more_than_once(runtime):
    row = await runtime.database.raw.read(
        lambda connection: connection.fetchrow("SELECT $2, $1, $2", "first", "second")
    )

    assert row is not None
    assert tuple(row) == ("second", "first", "second")


async def test_a_sqlite_write_waits_for_another_connections_lock_without_blocking_the_loop(
    alice, habit, runtime, sqlite_path
):
    other = sqlite3.connect(sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        write = asyncio.create_task(runtime.database.raw.write(insert_yesterday(alice, habit)))
        ticks = 0
        started = time.monotonic()
        while ticks < 20:  # the loop keeps serving other coroutines meanwhile
            await asyncio.sleep(0.01)
            ticks += 1
        ticking = time.monotonic() - started
        waiting = not write.done()
    finally:
        other.execute("COMMIT")
        other.close()

    assert ticking < 2
    assert waiting
    assert await asyncio.wait_for(write, timeout=10) == "written"
    assert await checkin_dates(runtime, alice.id) == [YESTERDAY, TODAY]


async def test_sqlite_writes_waiting_for_the_lock_all_get_in_once_it_is_free(
    alice, habit, runtime, sqlite_path
):
    async def note_on(day: date, connection: RawConnection) -> None:
        await connection.execute(INSERT_CHECKIN, alice.id, habit["id"], day, NOW)

    days = [START + timedelta(days=n) for n in range(12)]
    other = sqlite3.connect(sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        writes = [
            asyncio.create_task(runtime.database.raw.write(partial(note_on, day))) for day in days
        ]
        await asyncio.sleep(0.05)
        waiting = sum(not write.done() for write in writes)
    finally:
        other.execute("COMMIT")
        other.close()
    await asyncio.wait_for(asyncio.gather(*writes), timeout=10)

    assert waiting == len(days)
    assert await checkin_dates(runtime, alice.id) == [*days, TODAY]


async def test_a_sqlite_write_gives_up_when_the_lock_outlasts_its_busy_timeout(sqlite_path):
    lane = SqliteLane(sqlite_path, busy_timeout_ms=100)
    other = sqlite3.connect(sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await lane.write(lambda connection: connection.execute("CREATE TABLE never (x)"))
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
        await lane.close()

    assert 0.1 <= waited < 5
    with closing(sqlite3.connect(sqlite_path)) as reader:
        tables = reader.execute("SELECT count(*) FROM sqlite_master WHERE name = 'never'")
        assert tables.fetchone() == (0,)


async def test_a_sqlite_unit_of_work_that_awaits_anything_else_fails_and_writes_nothing(
    alice, habit, runtime, sqlite_path
):
    async def write_then_yield(connection: RawConnection) -> None:
        await connection.execute(INSERT_CHECKIN, alice.id, habit["id"], YESTERDAY, NOW)
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="may await only its own statements"):
        await runtime.database.raw.write(write_then_yield)

    assert await checkin_dates(runtime, alice.id) == [TODAY]
