"""Time GET /api/v1/habits/{id}/stats for a daily habit with ten years of check-ins.

The app runs in-process (httpx's ASGI transport), so the figures are the service's own time:
routing, authentication, the queries, the habit math and serialisation; no network. Timed twice:
the whole life as apps ask for it (finished from the habit's kept stats carry), and with an
explicit `from`, which computes everything from the check-ins as a habit's first read does.

    .venv/bin/python bench/stats_endpoint_bench.py                      # SQLite
    .venv/bin/python bench/stats_endpoint_bench.py postgresql+asyncpg://postgres@127.0.0.1:5432/test

For PostgreSQL a scratch database is created beside the one named and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from habitual.app import create_app
from habitual.config import Settings
from habitual.db import upgrade_to_head
from habitual.models import Checkin

REQUESTS = 60


async def scratch_database(url: str) -> tuple[str, str | None]:
    if url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", None
    name = f"habitual_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(make_url(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False), name


async def drop_database(url: str, name: str) -> None:
    admin = create_async_engine(make_url(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def run(url: str) -> None:
    database_url, scratch = await scratch_database(url)
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key="bench-" + "k" * 40,
        argon2_memory_kib=8,
        argon2_time_cost=1,
    )
    app = create_app(settings)
    runtime = app.state.runtime
    await upgrade_to_head(runtime.database.engine, database_url)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
        ):
            body = {"username": "bench", "email": "b@example.com", "password": "benchmark-pw"}
            await client.post("/api/v1/auth/register", json=body)
            login = await client.post(
                "/api/v1/auth/login", json={"username": "bench", "password": "benchmark-pw"}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            today = datetime.now(UTC).date()
            start = today - timedelta(days=3652)
            habit = await client.post(
                "/api/v1/habits",
                headers=headers,
                json={"name": "Walk", "frequency": "daily", "start_date": start.isoformat()},
            )
            habit_id = habit.json()["id"]
            rng = random.Random(7)  # noqa: S311 - test data, not secrets
            rows = []
            day: date = start
            while day <= today:
                if rng.random() < 0.8:
                    rows.append(
                        {"habit_id": habit_id, "user_id": 1, "local_date": day, "status": "done"}
                    )
                day += timedelta(days=1)
            async with runtime.database.writer() as session, session.begin():
                await session.execute(insert(Checkin), rows)
            path = f"/api/v1/habits/{habit_id}/stats"
            backend = make_url(database_url).get_backend_name()
            # The default range is finished from the habit's stats carry (habitmath/carry.py);
            # an explicit `from` computes everything from the check-ins, as a first read does.
            for label, params in (
                ("carried", {}),
                ("computed", {"from": start.isoformat()}),
            ):
                assert (await client.get(path, headers=headers, params=params)).status_code == 200
                samples = []
                for _ in range(REQUESTS):
                    began = time.perf_counter()
                    response = await client.get(path, headers=headers, params=params)
                    samples.append((time.perf_counter() - began) * 1000)
                    assert response.status_code == 200
                samples.sort()
                print(
                    f"GET /habits/{{id}}/stats, {len(rows)} check-ins over ten years, {backend}, "
                    f"{label}: median {statistics.median(samples):.1f} ms, "
                    f"p95 {samples[int(len(samples) * 0.95) - 1]:.1f} ms, "
                    f"best {samples[0]:.1f} ms ({REQUESTS} requests, in-process)"
                )
    finally:
        await runtime.database.dispose()
        if scratch is not None:
            await drop_database(url, scratch)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "sqlite"))
