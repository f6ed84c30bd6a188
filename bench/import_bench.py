"""Time POST /api/v1/imports for 20 habits with ten years of daily check-ins (~73,000).

The account of bench/export_bench.py is built and exported (json and loop); each file is then
imported into a fresh account in-process (httpx's ASGI transport): the upload, the parse in a
worker thread, the plan and the one transaction that writes it. A second import of the same
file (nothing new) is timed too. Peak memory is tracemalloc's, over the call.

    .venv/bin/python bench/import_bench.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from export_bench import build_account

from habitual.app import create_app
from habitual.config import Settings
from habitual.db import upgrade_to_head

TARGET_SECONDS = 5.0
FORMATS = {"json": "habitual_json", "loop": "loop_csv"}


async def new_account(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    body = {"username": name, "email": f"{name}@example.com", "password": "benchmark-pw"}
    await client.post("/api/v1/auth/register", json=body)
    login = await client.post(
        "/api/v1/auth/login", json={"username": name, "password": "benchmark-pw"}
    )
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def send(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes, kind: str
) -> dict[str, object]:
    response = await client.post(
        "/api/v1/imports", files={"file": ("file", data)}, data={"format": kind}, headers=headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def time_import(
    client: httpx.AsyncClient, source: dict[str, str], export_format: str, number: int
) -> None:
    exported = await client.get("/api/v1/export", params={"format": export_format}, headers=source)
    data = exported.content
    kind = FORMATS[export_format]
    target = await new_account(client, f"importer{number}")
    began = time.perf_counter()
    first = await send(client, target, data, kind)
    seconds = time.perf_counter() - began
    began = time.perf_counter()
    tracemalloc.start()
    again = await send(client, target, data, kind)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    repeat = time.perf_counter() - began
    verdict = "ok" if seconds < TARGET_SECONDS else f"OVER the {TARGET_SECONDS:.0f} s target"
    print(
        f"POST /imports format={kind} ({len(data) / 1e6:.1f} MB): {seconds:.2f} s for "
        f"{first['habits_created']} habits and {first['checkins_created']} check-ins, {verdict}; "
        f"again (nothing new: {again['checkins_created']} added) {repeat:.2f} s with "
        f"tracemalloc, peak memory {peak / 1e6:.1f} MB"
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
        rate_limit_anonymous="100000/minute",
    )
    app = create_app(settings)
    runtime = app.state.runtime
    await upgrade_to_head(runtime.database.engine, database_url)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as client,
        ):
            source = await build_account(client, runtime.database)
            for number, export_format in enumerate(FORMATS, start=1):
                await time_import(client, source, export_format, number)
    finally:
        await runtime.database.dispose()


if __name__ == "__main__":
    asyncio.run(run())
