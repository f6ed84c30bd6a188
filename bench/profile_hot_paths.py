"""Profile the hot paths in-process with pyinstrument: where a request's time goes.

    .venv/bin/python bench/profile_hot_paths.py [today|checkin|habits|stats|entries] [N]

Builds one user with ten habits and two years of check-ins in a scratch SQLite database, then
runs N requests of the chosen endpoint under the profiler and prints the call tree.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from pyinstrument import Profiler
from sqlalchemy import insert

from habitual.app import create_app
from habitual.config import Settings
from habitual.db import upgrade_to_head
from habitual.models import Checkin


async def main(endpoint: str, count: int) -> None:
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/profile.db"
    settings = Settings(
        _env_file=None,
        database_url=url,
        secret_key="p" * 40,
        argon2_memory_kib=8,
        argon2_time_cost=1,
        worker_embedded=False,
    )
    app = create_app(settings)
    await upgrade_to_head(app.state.runtime.database.engine, url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://profile") as client:
        account = {"username": "pat", "email": "p@example.com", "password": "profile-pw"}
        await client.post("/api/v1/auth/register", json=account)
        login = await client.post(
            "/api/v1/auth/login", json={"username": "pat", "password": "profile-pw"}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        today = datetime.now(UTC).date()
        start = (today - timedelta(days=730)).isoformat()
        for number in range(10):
            body: dict[str, object] = {
                "name": f"h{number}",
                "frequency": "daily",
                "start_date": start,
            }
            if number % 3 == 0:
                body.update(kind="measurable", goal_value=10_000)
            await client.post("/api/v1/habits", headers=headers, json=body)
        rng = random.Random(5)  # noqa: S311 - test data
        rows = [
            {
                "habit_id": habit,
                "user_id": 1,
                "local_date": today - timedelta(days=day),
                "status": "done",
                "value": 12_000.0 if habit in (1, 4, 7, 10) else None,
            }
            for habit in range(1, 11)
            for day in range(1, 731)
            if rng.random() < 0.8
        ]
        async with app.state.runtime.database.writer() as session, session.begin():
            await session.execute(insert(Checkin), rows)
        calls = {
            "today": lambda: client.get("/api/v1/today", headers=headers),
            "habits": lambda: client.get("/api/v1/habits", headers=headers),
            "stats": lambda: client.get("/api/v1/habits/2/stats", headers=headers),
            "checkin": lambda: client.put(
                "/api/v1/habits/2/checkins/today", headers=headers, json={"status": "done"}
            ),
            "entries": lambda: client.post(
                "/api/v1/habits/1/entries",
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                json={"value": 100},
            ),
        }
        call = calls[endpoint]
        for _ in range(20):
            await call()
        profiler = Profiler(async_mode="enabled", interval=0.0005)
        profiler.start()
        for _ in range(count):
            await call()
        profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False, time="percent_of_total"))


if __name__ == "__main__":
    asyncio.run(
        main(
            sys.argv[1] if len(sys.argv) > 1 else "today",
            int(sys.argv[2]) if len(sys.argv) > 2 else 300,
        )
    )
