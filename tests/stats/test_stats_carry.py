"""GET /habits/{id}/stats over a habit's whole life, finished from its stats carry.

Every answer here is held against the same statistics computed from the start (asking with an
explicit `from`, which never uses a carry), after each kind of change a carry could miss.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from habitual.db import UnitOfWork
from habitual.kit.rawsql import INTEGRITY_ERRORS
from habitual.models import Habit, StatsCarry
from habitual.runtime import Runtime
from habitual.stats.repository import StatsRepository
from tests.factories import API, Account, create_habit
from tests.stats.backfill import TODAY, check_in, day, get_json, insert_done

START = "2026-03-02"  # a Monday, 107 days before TODAY


async def whole_life(client: httpx.AsyncClient, owner: Account, habit: dict[str, Any]) -> Any:
    """The statistics from the start to today, from the carry and from scratch: equal."""
    path = f"/habits/{habit['id']}/stats"
    carried = await get_json(client, owner, path)
    computed = await get_json(client, owner, path, **{"from": habit["start_date"]})
    assert carried == computed
    return carried


async def stored(runtime: Runtime, habit_id: int) -> tuple[int, Any]:
    """The habit's history version and its kept carry's row."""
    async with runtime.database.reader() as session:
        version = await session.scalar(select(Habit.history_version).where(Habit.id == habit_id))
        carry = (
            await session.execute(
                select(
                    StatsCarry.history_version,
                    StatsCarry.until_date,
                    StatsCarry.state,
                    StatsCarry.computed_at,
                ).where(StatsCarry.habit_id == habit_id)
            )
        ).one_or_none()
    assert version is not None
    return version, carry


@pytest.fixture
async def running(client, alice, runtime) -> dict[str, Any]:
    """A daily habit since START, done every day but Sundays, and skipped on 04-15."""
    habit = await create_habit(client, alice, name="Run", start_date=START)
    first = day(START)
    days = [first + timedelta(n) for n in range((TODAY - first).days + 1)]
    skipped = day("2026-04-15")
    done = [d for d in days if d.weekday() != 6 and d != skipped]
    await insert_done(runtime, alice, habit["id"], done)
    await check_in(client, alice, habit, "2026-04-15", "skipped")
    return habit


async def test_the_first_read_keeps_a_carry_that_later_reads_finish_from(
    client, alice, runtime, running
):
    first = await whole_life(client, alice, running)
    version, carry = await stored(runtime, running["id"])

    assert carry is not None
    assert carry.history_version == version
    assert day(START) < carry.until_date <= TODAY - timedelta(days=3)
    assert await whole_life(client, alice, running) == first
    assert first["completed"] == 92  # 108 days, 15 Sundays, one skip
    # Sunday 06-14 was missed; the days since were done.
    assert first["current_streak"] == {"length": 3, "start": "2026-06-15", "end": "2026-06-17"}


@pytest.mark.parametrize(
    ("method", "local_date", "body"),
    [
        ("PUT", "2026-04-05", {"status": "done"}),  # a missed Sunday, done after all
        ("PUT", "2026-04-06", {"status": "skipped"}),  # a met Monday, skipped instead
        ("DELETE", "2026-04-07", None),
        ("PUT", "2026-06-15", {"status": "skipped"}),  # two days ago
    ],
)
async def test_a_back_fill_before_the_boundary_is_counted_at_once(
    client, alice, runtime, running, method, local_date, body
):
    before = await whole_life(client, alice, running)
    version, _ = await stored(runtime, running["id"])

    response = await client.request(
        method,
        f"{API}/habits/{running['id']}/checkins/{local_date}",
        json=body,
        headers=alice.auth,
    )
    assert response.status_code in (200, 201, 204), response.text

    after = await whole_life(client, alice, running)
    assert after != before
    assert (await stored(runtime, running["id"]))[0] == version + 1


async def test_check_ins_for_today_and_yesterday_leave_the_carry_alone(
    client, alice, runtime, running
):
    await whole_life(client, alice, running)
    version, carry = await stored(runtime, running["id"])

    for local_date in ("2026-06-16", "2026-06-17"):  # both done: now skipped
        response = await client.put(
            f"{API}/habits/{running['id']}/checkins/{local_date}",
            json={"status": "skipped"},
            headers=alice.auth,
        )
        assert response.status_code == 200, response.text

    stats = await whole_life(client, alice, running)
    assert await stored(runtime, running["id"]) == (version, carry)
    assert stats["by_week"][-1]["completions"] == 1  # Monday of this week; the rest skipped


async def test_a_back_dated_entry_before_the_boundary_is_counted_at_once(client, alice, runtime):
    habit = await create_habit(
        client,
        alice,
        name="Steps",
        start_date=START,
        kind="measurable",
        goal_value=10_000,
        unit="steps",
    )
    await check_in(client, alice, habit, "2026-04-01", value=12_000)
    before = await whole_life(client, alice, habit)

    response = await client.post(
        f"{API}/habits/{habit['id']}/entries",
        json={"value": 500, "recorded_at": "2026-04-02T12:00:00Z"},
        headers=alice.auth,
    )
    assert response.status_code == 201, response.text

    after = await whole_life(client, alice, habit)
    assert after["total_value"] == before["total_value"] + 500


async def test_a_new_schedule_and_a_new_week_start_are_not_judged_by_an_old_carry(
    client, alice, runtime, running
):
    await whole_life(client, alice, running)

    response = await client.patch(
        f"{API}/habits/{running['id']}",
        json={"frequency": "weekly", "times_per_period": 5},
        headers=alice.auth,
    )
    assert response.status_code == 200, response.text
    assert (await whole_life(client, alice, running))["streak_unit"] == "weeks"

    response = await client.patch(
        f"{API}/users/me", json={"week_start": "sunday"}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    stats = await whole_life(client, alice, running)
    assert stats["by_week"][0]["start"] == "2026-03-01"  # the Sunday before START


async def test_a_deleted_habit_takes_its_carry_with_it(client, alice, runtime, running):
    await whole_life(client, alice, running)

    response = await client.delete(f"{API}/habits/{running['id']}", headers=alice.auth)
    assert response.status_code == 204, response.text

    async with runtime.database.reader() as session:
        assert await session.get(StatsCarry, running["id"]) is None


async def test_a_carry_for_a_habit_deleted_meanwhile_is_refused_by_the_database(runtime):
    async def keep(uow: UnitOfWork) -> None:
        await StatsRepository(uow).keep_carry(404, 0, "basis", TODAY, {}, datetime.now(UTC))

    with pytest.raises(INTEGRITY_ERRORS):
        await runtime.database.write(keep)
