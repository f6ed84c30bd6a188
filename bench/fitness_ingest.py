"""1,000,000 fitness samples through `POST /fitness/samples` in batches of 10,000, then a year of
daily totals read back, on PostgreSQL.

    .venv/bin/python bench/fitness_ingest.py postgresql+asyncpg://postgres@127.0.0.1:5432/test

A scratch database is created beside the one named and dropped afterwards. One user (in
Europe/Berlin) sends per-minute step samples from a watch and a phone (with their own ids,
`+01:00`/`+02:00` offsets) over ~347 days, in time order, one batch after another, through the
whole app in-process (httpx's ASGITransport; the bodies are encoded to JSON before the clock
starts, as a phone would have them). Printed: samples per second (goal >= 20,000), then the
median and slowest of 50 reads of `GET /fitness/daily` for 365 days (goal < 20 ms), and a
resend of one batch (all duplicates).

    .venv/bin/python bench/fitness_ingest.py postgresql+asyncpg://... --fed

does the same with a measurable habit fed by steps (`data_source`): each batch then also
rewrites the habit's check-ins of the days it touched (issue 16's "habits fed by data").
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from habitual.app import create_app
from habitual.config import Settings
from habitual.db import create_database, upgrade_to_head

SAMPLES, BATCH, READS = 1_000_000, 10_000, 50
SOURCES = ("watch", "phone")
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2025, 1, 1, tzinfo=UTC)
PASSWORD = "a bench passphrase"  # noqa: S105 - a made-up account


def settings_for(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        secret_key="bench-" + "k" * 40,
        rate_limit_user="100000000/minute",
        registration_limit_per_address="1000/minute",
    )


def bodies() -> list[bytes]:
    samples = []
    for n in range(SAMPLES):
        minute, source = divmod(n, len(SOURCES))
        start = (START + timedelta(minutes=minute)).astimezone(BERLIN)
        # From UTC: wall-clock arithmetic would end some samples before they start at DST's end.
        end = (START + timedelta(minutes=minute + 1)).astimezone(BERLIN)
        samples.append(
            {
                "metric": "steps",
                "value": 10 + n % 90,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "source": SOURCES[source],
                "external_id": f"{SOURCES[source]}-{minute}",
            }
        )
    return [
        json.dumps({"samples": samples[at : at + BATCH]}).encode()
        for at in range(0, SAMPLES, BATCH)
    ]


async def measure(url: str, fed: bool) -> None:
    database = create_database(settings_for(url))
    await upgrade_to_head(database.engine, url)
    await database.dispose()
    batches = bodies()
    app = create_app(settings_for(url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", timeout=120
    ) as client:
        body = {
            "username": "walker",
            "email": "walker@example.com",
            "password": PASSWORD,
            "timezone": "Europe/Berlin",
            "fitness_goals": {"steps": 10_000},
        }
        assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
        login = await client.post(
            "/api/v1/auth/login", json={"username": "walker", "password": PASSWORD}
        )
        headers = {
            "Authorization": f"Bearer {login.json()['access_token']}",
            "Content-Type": "application/json",
        }
        habit_id = None
        if fed:
            habit = {
                "name": "Walk",
                "kind": "measurable",
                "goal_value": 10_000,
                "unit": "steps",
                "start_date": "2025-01-01",
                "data_source": {"metric": "steps"},
            }
            created = await client.post("/api/v1/habits", json=habit, headers=headers)
            assert created.status_code == 201, created.text
            habit_id = created.json()["id"]
        began = time.perf_counter()
        accepted = 0
        for content in batches:
            response = await client.post(
                "/api/v1/fitness/samples", content=content, headers=headers
            )
            assert response.status_code == 200, response.text
            accepted += response.json()["accepted"]
        elapsed = time.perf_counter() - began
        assert accepted == SAMPLES, accepted

        began = time.perf_counter()
        response = await client.post("/api/v1/fitness/samples", content=batches[0], headers=headers)
        resend = (time.perf_counter() - began) * 1000
        assert response.json()["duplicates"] == BATCH, response.text

        params = {"metric": "steps", "from": "2025-01-01", "to": "2025-12-31"}

        async def read() -> float:
            began = time.perf_counter()
            response = await client.get("/api/v1/fitness/daily", params=params, headers=headers)
            took = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, response.text
            assert len(response.json()["items"]) >= 340
            return took

        await read()
        reads = [await read() for _ in range(READS)]
        if habit_id is not None:
            checkins = await client.get(
                f"/api/v1/habits/{habit_id}/checkins",
                params={"from": "2025-01-01", "to": "2025-12-31"},
                headers=headers,
            )
            fed_days = [c for c in checkins.json() if c["origin"] == "device"]
            assert len(fed_days) >= 340, len(fed_days)
    await app.state.runtime.database.dispose()
    print(
        ("with a habit fed by steps, " if fed else "")
        + f"ingest: {SAMPLES:,} samples in {elapsed:.1f} s = {SAMPLES / elapsed:,.0f} samples/s "
        f"({SAMPLES // BATCH} batches of {BATCH:,}; goal >= 20,000/s)"
    )
    print(f"resend of one batch (all duplicates): {resend:.0f} ms")
    print(
        f"a year of daily totals: median {statistics.median(reads):.1f} ms, slowest "
        f"{max(reads):.1f} ms ({READS} reads; goal < 20 ms)"
    )


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if argument != "--fed"]
    fed = "--fed" in sys.argv[1:]
    base = arguments[0] if arguments else "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    name = f"habitual_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(base).set(database=name).render_as_string(hide_password=False)

    async def admin(statement: str) -> None:
        engine = create_async_engine(make_url(base), isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(measure(url, fed))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
