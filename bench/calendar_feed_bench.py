"""Time GET /api/v1/calendar/{token}.ics for a person with 50 habits and 25 reminders.

The mix is what people have: daily, chosen-weekday, every-N-days, weekly and monthly habits,
some measurable, a third with a changed schedule (two rule versions), reminders in
Europe/Berlin (so the feed carries a VTIMEZONE). Timed in-process (httpx's ASGI transport):
the look-up by token digest, three queries, building and serialising the calendar. Also timed
with `?history=true` and a year of daily check-ins per habit (18,250 met days, one run each).

    .venv/bin/python bench/calendar_feed_bench.py     # target: < 20 ms for the plain feed
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from habitual.app import create_app
from habitual.calendars.ics import _habit_part, _head, _timezone
from habitual.config import Settings
from habitual.db import upgrade_to_head
from habitual.models import Checkin

HABITS = 50
REQUESTS = 50
SCHEDULES = [
    {"frequency": "daily"},
    {"frequency": "daily", "target_days": ["mon", "wed", "fri"]},
    {"frequency": "every_n_days", "every_n_days": 3},
    {"frequency": "weekly", "times_per_period": 3},
    {"frequency": "monthly", "times_per_period": 4},
]


async def timed(client: httpx.AsyncClient, url: str, *, cold: bool = False) -> list[float]:
    """Milliseconds per GET; `cold`: every part of the calendar serialised anew each time."""
    await client.get(url)  # warm
    figures = []
    for _ in range(REQUESTS):
        if cold:
            _habit_part.cache_clear()
            _head.cache_clear()
            _timezone.cache_clear()
        started = time.perf_counter()
        response = await client.get(url)
        figures.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return figures


async def run() -> None:
    database_url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key="bench-" + "k" * 40,
        argon2_memory_kib=8,
        argon2_time_cost=1,
        rate_limit_anonymous="100000/minute",  # the feed's per-address limit, out of the way
    )
    app = create_app(settings)
    runtime = app.state.runtime
    await upgrade_to_head(runtime.database.engine, database_url)
    transport = httpx.ASGITransport(app=app)
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
        await client.patch("/api/v1/users/me", json={"timezone": "Europe/Berlin"}, headers=headers)
        user_id = (await client.get("/api/v1/users/me", headers=headers)).json()["id"]
        today = datetime.now(UTC).date()
        start = today - timedelta(days=400)
        habit_ids = []
        for number in range(HABITS):
            habit = {"name": f"Habit {number}", "start_date": start.isoformat()}
            habit |= SCHEDULES[number % len(SCHEDULES)]
            if number % 4 == 0:
                habit |= {"kind": "measurable", "goal_value": 5000, "unit": "steps"}
            response = await client.post("/api/v1/habits", json=habit, headers=headers)
            assert response.status_code == 201, response.text
            habit_ids.append(response.json()["id"])
            if number % 3 == 0:
                response = await client.patch(
                    f"/api/v1/habits/{habit_ids[-1]}",
                    json={"name": f"Habit {number}b", "description": "changed"},
                    headers=headers,
                )
            if number % 2 == 0:
                reminder = {"habit_id": habit_ids[-1], "time": "07:30", "days": ["mon", "sat"]}
                response = await client.post("/api/v1/reminders", json=reminder, headers=headers)
                assert response.status_code == 201, response.text
        token = (await client.post("/api/v1/calendar/feed", headers=headers)).json()["token"]
        plain = await timed(client, f"/api/v1/calendar/{token}.ics")
        cold = await timed(client, f"/api/v1/calendar/{token}.ics", cold=True)
        size = len((await client.get(f"/api/v1/calendar/{token}.ics")).content)

        async with runtime.database.unit() as uow:
            rows = [
                {
                    "habit_id": habit_id,
                    "user_id": user_id,
                    "local_date": today - timedelta(days=day),
                    "status": "done",
                    "value": 6000.0,
                }
                for habit_id in habit_ids
                for day in range(1, 366)
            ]
            await uow.session.execute(insert(Checkin), rows)
            await uow.session.commit()
        history = await timed(client, f"/api/v1/calendar/{token}.ics?history=true")
        history_size = len((await client.get(f"/api/v1/calendar/{token}.ics?history=true")).content)
    await runtime.database.dispose()
    for label, figures, body_size in (
        (f"{HABITS} habits, plain feed, parts kept from the last fetch", plain, size),
        (f"{HABITS} habits, plain feed, every part made anew", cold, size),
        (f"{HABITS} habits, ?history=true (365 met days each)", history, history_size),
    ):
        print(
            f"{label}: median {statistics.median(figures):.1f} ms, "
            f"p95 {sorted(figures)[int(len(figures) * 0.95) - 1]:.1f} ms, "
            f"{body_size / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    asyncio.run(run())
