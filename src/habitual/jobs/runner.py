"""Running the worker: as `habitual worker` processes, or embedded in `habitual serve`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

from habitual.config import Settings
from habitual.db import Database, create_database
from habitual.jobs.worker import Worker


@contextlib.asynccontextmanager
async def embedded_worker(database: Database, settings: Settings) -> AsyncIterator[None]:
    """Run a worker beside the API for as long as the app lives (the SQLite default)."""
    stop = asyncio.Event()
    async with Worker(database, settings) as worker:
        task = asyncio.create_task(worker.run(stop), name="habitual-worker")
        try:
            yield
        finally:
            stop.set()
            await task


async def run_worker(settings: Settings) -> None:
    """`habitual worker`: work until SIGTERM or SIGINT, finishing the batch in hand."""
    database = create_database(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with Worker(database, settings) as worker:
            await worker.run(stop)
    finally:
        await database.dispose()
