"""How long `GET /challenges/{id}/standings` takes for 10,000 participants over 90 days, on
PostgreSQL.

    .venv/bin/python bench/challenge_standings.py postgresql+asyncpg://postgres@127.0.0.1:5432/test

A scratch database is created beside the one named and dropped afterwards. Each participant has
a daily habit (a third of them measurable) in one of six time zones, and check-ins on about 70%
of the challenge's 90 days (~630,000 rows). The first read computes and keeps every participant's
figures; the reads after it find them fresh. Printed: the first read, then the median and the
slowest of 20 fresh reads (the goal: under 200 ms), through the whole app in-process.
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

PARTICIPANTS, DAYS, READS = 10_000, 90, 20
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
]
PASSWORD = "a bench passphrase"  # noqa: S105 - a made-up account


def settings_for(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        secret_key="bench-" + "k" * 40,
        rate_limit_user="100000000/minute",
        registration_limit_per_address="1000/minute",
    )


async def seed(url: str) -> int:
    """The participants, their habits and check-ins, and one public challenge: its id."""
    database = create_database(settings_for(url))
    await upgrade_to_head(database.engine, url)
    await database.dispose()
    # Written an hour ago: figures computed now find every check-in older than themselves.
    now = datetime.now(UTC) - timedelta(hours=1)
    today = datetime.now(UTC).date()
    start = today - timedelta(days=DAYS - 1)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    rng = random.Random(14)  # noqa: S311 - made-up data
    ids = range(1, PARTICIPANTS + 1)
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
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    n,
                    f"p{n}",
                    f"p{n}",
                    f"p{n}@example.com",
                    f"p{n}@example.com",
                    "x",
                    "user",
                    True,
                    ZONES[n % len(ZONES)],
                    0,
                    n % 5,
                    now,
                    now,
                )
                for n in ids
            ],
        )
        await connection.copy_records_to_table(
            "habits",
            columns=[
                "id",
                "user_id",
                "name",
                "name_key",
                "kind",
                "unit",
                "start_date",
                "position",
                "goal_value",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    n,
                    n,
                    "Read",
                    "read",
                    "measurable" if n % 3 == 0 else "boolean",
                    "min" if n % 3 == 0 else None,
                    start,
                    0,
                    30.0 if n % 3 == 0 else None,
                    now,
                    now,
                )
                for n in ids
            ],
        )
        await connection.copy_records_to_table(
            "habit_rules",
            columns=["habit_id", "effective_from", "goal_value", "created_at"],
            records=[(n, start, 30.0 if n % 3 == 0 else None, now) for n in ids],
        )
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), $1)", PARTICIPANTS
        )
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('habits', 'id'), $1)", PARTICIPANTS
        )
        checkins = [
            (
                n,
                n,
                start + timedelta(days=day),
                "done",
                float(rng.randint(10, 60)) if n % 3 == 0 else None,
                now,
                now,
            )
            for n in ids
            for day in range(DAYS - 1)
            if rng.random() < 0.7
        ]
        await connection.copy_records_to_table(
            "checkins",
            columns=[
                "user_id",
                "habit_id",
                "local_date",
                "status",
                "value",
                "created_at",
                "updated_at",
            ],
            records=checkins,
        )
        challenge_id: int = await connection.fetchval(
            "INSERT INTO challenges (owner_id, name, start_date, end_date, kind, metric, "
            "visibility, created_at, updated_at) VALUES (1, 'Read', $1, $2, 'boolean', "
            "'completion_rate', 'public', $3, $3) RETURNING id",
            start,
            today,
            now,
        )
        await connection.copy_records_to_table(
            "challenge_participants",
            columns=["challenge_id", "user_id", "habit_id", "joined_at"],
            records=[(challenge_id, n, n, now) for n in ids],
        )
        await connection.execute("ANALYZE")
        print(f"seeded {PARTICIPANTS:,} participants and {len(checkins):,} check-ins")
    finally:
        await connection.close()
    return challenge_id


async def measure(url: str, challenge_id: int) -> None:
    app = create_app(settings_for(url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        body = {"username": "viewer", "email": "viewer@example.com", "password": PASSWORD}
        assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
        login = await client.post(
            "/api/v1/auth/login", json={"username": "viewer", "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        path = f"/api/v1/challenges/{challenge_id}/standings"

        async def read() -> float:
            began = time.perf_counter()
            response = await client.get(path, params={"page_size": 100}, headers=headers)
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, response.text
            assert response.json()["total"] == PARTICIPANTS
            return elapsed * 1000

        first = await read()
        fresh = [await read() for _ in range(READS)]
    await app.state.runtime.database.dispose()
    print(f"first read (computes and keeps {PARTICIPANTS:,} participants): {first:,.0f} ms")
    print(
        f"fresh reads: median {statistics.median(fresh):.1f} ms, slowest {max(fresh):.1f} ms "
        f"({READS} reads; goal < 200 ms)"
    )


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    name = f"habitual_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(base).set(database=name).render_as_string(hide_password=False)

    async def admin(statement: str) -> None:
        engine = create_async_engine(make_url(base), isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        challenge_id = asyncio.run(seed(url))
        asyncio.run(measure(url, challenge_id))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
