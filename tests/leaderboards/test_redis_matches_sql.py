from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habitual.leaderboards.cache import placed
from habitual.leaderboards.repository import LeaderboardRepository
from habitual.leaderboards.service import Board, leaderboard_service, ranked
from tests.factories import API

START = datetime(2026, 11, 1, tzinfo=UTC)
# (value, seconds after START it was reached) per person: few values, so ties are common.
ENTRIES = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), min_size=1, max_size=8)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(entries=ENTRIES, limit=st.integers(1, 10))
async def test_redis_answers_as_sql_does(app, runtime, client, entries, limit):
    cache = app.state.board_cache
    if cache is None:
        pytest.skip("needs HABITUAL_TEST_REDIS_URL")
    user_ids = []
    for number, _ in enumerate(entries):
        body = {
            "username": f"racer{number}",
            "email": f"racer{number}@example.com",
            "password": "correct horse battery",
        }
        response = await client.post(f"{API}/auth/register", json=body)
        user_ids.append(response.json()["id"])

    async def seed(uow):
        connection = await uow.connection()
        for user_id, (value, seconds) in zip(user_ids, entries, strict=True):
            await connection.execute(
                "INSERT INTO leaderboard_entries (board, scope, user_id, value, reached_at) "
                "VALUES ($1, 'global', $2, $3, $4)",
                Board.current_streak.value,
                user_id,
                value,
                START + timedelta(seconds=seconds),
            )

    try:
        await runtime.database.write(seed)
        await cache.forget_all()
        board = Board.current_streak
        for caller in user_ids:
            from_sql = await runtime.database.read(
                lambda uow, caller=caller: leaderboard_service.from_sql(
                    uow, caller, board, "global", limit
                )
            )
            await cache.rebuild(
                board,
                "global",
                await runtime.database.read(
                    lambda uow: LeaderboardRepository(uow).all_of(board, "global")
                ),
            )
            rows, mine = await cache.read(board, "global", caller, limit)
            names = await runtime.database.read(
                lambda uow, rows=rows: LeaderboardRepository(uow).names([u for u, _ in rows])
            )
            assert ranked(placed(rows, names)) == from_sql.items
            assert from_sql.me is not None
            assert mine == (from_sql.me.rank, from_sql.me.value)
            # the rank is one more than those strictly ahead
            value = dict(zip(user_ids, entries, strict=True))[caller][0]
            assert mine[0] == 1 + sum(1 for v, _ in entries if v > value)
    finally:

        async def empty(uow):
            connection = await uow.connection()
            await connection.execute("DELETE FROM leaderboard_entries")
            await connection.execute("DELETE FROM users")

        await runtime.database.write(empty)
        await cache.forget_all()
