"""How long `GET /leaderboards/current_streak?scope=global&limit=100` takes for 100,000 people
on the board, on PostgreSQL, answered by SQL and by Redis.

    .venv/bin/python bench/leaderboards.py postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        redis://127.0.0.1:6379/0

A scratch database is created beside the one named and dropped afterwards. 100,000 opted-in
users get a kept `current_streak` entry (values 0..400, so ties are many; reached at random
instants) by bulk COPY; a viewer registers through the API and opts in, so the answer has a
`me`. Then, through the whole app in-process: 50 reads without Redis (SQL), and with Redis one
first read (which rebuilds the sorted set from SQL) and 50 after it. Printed: median, p95 and
slowest of each (goals: SQL < 100 ms, Redis < 5 ms).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from habitual.app import create_app
from habitual.config import Settings
from habitual.db import create_database, upgrade_to_head

PEOPLE, READS = 100_000, 50
PASSWORD = "a bench passphrase"  # noqa: S105 - a made-up account
PATH = "/api/v1/leaderboards/current_streak"


def settings_for(url: str, redis_url: str | None, prefix: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        secret_key="bench-" + "k" * 40,
        rate_limit_user="100000000/minute",
        registration_limit_per_address="1000/minute",
        redis_url=redis_url,
        redis_key_prefix=prefix,
        worker_embedded=False,
    )


def account(n: int) -> tuple[object, ...]:
    """id, username, username_key, email, email_key, password_hash, role, is_active"""
    return (n, f"p{n}", f"p{n}", f"p{n}@example.com", f"p{n}@example.com", "x", "user", True)


async def seed(url: str) -> None:
    database = create_database(settings_for(url, None, "unused"))
    await upgrade_to_head(database.engine, url)
    await database.dispose()
    now = datetime.now(UTC)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    rng = random.Random(15)  # noqa: S311 - made-up data
    ids = range(1, PEOPLE + 1)
    try:
        await connection.copy_records_to_table(
            "users",
            columns=[
                "id",
                "username",
                "username_key",
                "email",
                "email_key",
                "password_hash",
                "role",
                "is_active",
                "timezone",
                "week_start",
                "day_start",
                "leaderboard_opt_in",
                "created_at",
                "updated_at",
            ],
            records=[(*account(n), "UTC", 0, 0, True, now, now) for n in ids],
        )
        await connection.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), $1)", PEOPLE)
        await connection.copy_records_to_table(
            "leaderboard_entries",
            columns=["board", "scope", "user_id", "value", "reached_at", "lapses_at"],
            records=[
                (
                    "current_streak",
                    "global",
                    n,
                    rng.randint(0, 400),
                    (now - timedelta(seconds=rng.randint(0, 400 * 86_400))).replace(microsecond=0),
                    None,
                )
                for n in ids
            ],
        )
        await connection.execute("ANALYZE")
        print(f"seeded {PEOPLE:,} people on the global current_streak board")
    finally:
        await connection.close()


async def reads(url: str, redis_url: str | None, prefix: str, viewer: str) -> list[float]:
    app = create_app(settings_for(url, redis_url, prefix))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        if viewer == "new":
            body = {"username": "viewer", "email": "viewer@example.com", "password": PASSWORD}
            assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
        login = await client.post(
            "/api/v1/auth/login", json={"username": "viewer", "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        if viewer == "new":
            answer = await client.patch(
                "/api/v1/users/me", json={"leaderboard_opt_in": True}, headers=headers
            )
            assert answer.status_code == 200, answer.text

        async def read() -> float:
            began = time.perf_counter()
            response = await client.get(
                PATH, params={"scope": "global", "limit": 100}, headers=headers
            )
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, response.text
            answer = response.json()
            assert len(answer["items"]) == 100
            assert answer["me"] is not None
            return elapsed * 1000

        return [await read() for _ in range(READS + 1)]


def report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"{label}: median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, "
        f"slowest {max(timings):.2f} ms ({len(timings)} reads)"
    )


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    redis_url = sys.argv[2] if len(sys.argv) > 2 else "redis://127.0.0.1:6379/0"
    name = f"habitual_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    prefix = f"habitual-bench-{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(make_url(base), isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(seed(url))
        sql = asyncio.run(reads(url, None, prefix, "new"))
        report("SQL (PostgreSQL), top 100 + me", sql[1:])
        cached = asyncio.run(reads(url, redis_url, prefix, "known"))
        print(f"Redis first read (rebuilds the set from SQL): {cached[0]:.1f} ms")
        report("Redis, top 100 + me", cached[1:])
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
