"""Time GET /api/v1/export (json, csv, loop) for 20 habits with ten years of daily check-ins.

The account is built through the API (register, 20 habits) and one bulk INSERT of the ~73,000
check-ins through the app's engine; the export then runs in-process (httpx's ASGI transport,
the body read to its end), so the figures are the service's own: routing, authentication, the
queries, the formatting and the zip; no network. Peak memory is tracemalloc's, over the call.

    .venv/bin/python bench/export_bench.py
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from habitual.app import create_app
from habitual.config import Settings
from habitual.db import upgrade_to_head
from habitual.models import Checkin

HABITS = 20
DAYS = 3652
TARGET_SECONDS = 5.0


async def build_account(client: httpx.AsyncClient, database: object) -> dict[str, str]:
    """An account with HABITS habits (every fourth measurable) started ten years ago, with a
    check-in on every day (one in ten skipped), inserted in one statement."""
    body = {"username": "bench", "email": "b@example.com", "password": "benchmark-pw"}
    await client.post("/api/v1/auth/register", json=body)
    login = await client.post(
        "/api/v1/auth/login", json={"username": "bench", "password": "benchmark-pw"}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    user_id = (await client.get("/api/v1/users/me", headers=headers)).json()["id"]
    today = datetime.now(UTC).date()
    start = today - timedelta(days=DAYS - 1)
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    rows = []
    for number in range(HABITS):
        measurable = number % 4 == 3
        fields: dict[str, object] = {
            "name": f"Habit {number + 1:02d}",
            "frequency": "daily",
            "start_date": start.isoformat(),
        }
        if measurable:
            fields |= {"kind": "measurable", "goal_value": 8, "unit": "glasses"}
        response = await client.post("/api/v1/habits", headers=headers, json=fields)
        assert response.status_code == 201, response.text
        habit_id = response.json()["id"]
        day: date = start
        while day <= today:
            if rng.random() < 0.9:
                value = round(rng.uniform(4, 10), 1) if measurable else None
                rows.append(_row(habit_id, user_id, day, "done", value))
            else:
                rows.append(_row(habit_id, user_id, day, "skipped", None))
            day += timedelta(days=1)
    async with database.writer() as session, session.begin():  # type: ignore[attr-defined]
        await session.execute(insert(Checkin), rows)
    print(f"account: {HABITS} habits, {len(rows)} check-ins from {start} to {today}")
    return headers


def _row(habit_id: int, user_id: int, day: date, status: str, value: float | None) -> dict:
    return {
        "habit_id": habit_id,
        "user_id": user_id,
        "local_date": day,
        "status": status,
        "value": value,
        "note": "a note" if day.day == 1 else None,
    }


async def download(client: httpx.AsyncClient, headers: dict[str, str], kind: str) -> int:
    """Read the export to its end, a chunk at a time as it is streamed; its size in bytes."""
    size = 0
    async with client.stream(
        "GET", "/api/v1/export", params={"format": kind}, headers=headers
    ) as response:
        assert response.status_code == 200
        async for chunk in response.aiter_raw():
            size += len(chunk)
    return size


async def time_export(client: httpx.AsyncClient, headers: dict[str, str], kind: str) -> None:
    """Timed without tracemalloc (it slows allocation-heavy code down ~2x), then measured."""
    began = time.perf_counter()
    size = await download(client, headers, kind)
    seconds = time.perf_counter() - began
    tracemalloc.start()
    await download(client, headers, kind)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    verdict = "ok" if seconds < TARGET_SECONDS else f"OVER the {TARGET_SECONDS:.0f} s target"
    print(
        f"GET /export?format={kind}: {seconds:.2f} s, {size / 1e6:.1f} MB, "
        f"peak memory {peak / 1e6:.1f} MB (tracemalloc), {verdict}"
    )


async def run() -> None:
    database_url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key="bench-" + "k" * 40,
        argon2_memory_kib=8,
        argon2_time_cost=1,
        rate_limit_user="1000000/minute",
    )
    app = create_app(settings)
    runtime = app.state.runtime
    await upgrade_to_head(runtime.database.engine, database_url)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client,
        ):
            headers = await build_account(client, runtime.database)
            for kind in ("json", "csv", "loop"):
                await time_export(client, headers, kind)
    finally:
        await runtime.database.dispose()


if __name__ == "__main__":
    asyncio.run(run())
