"""How long one worker takes to fire N due reminders on PostgreSQL, and two workers together.

    .venv/bin/python bench/reminders_bench.py postgresql+asyncpg://postgres@127.0.0.1:5432/test [N]

N defaults to 100,000 (1,000 users, 10 habits each, 10 reminders per habit, all due). Firing a
reminder writes its notification (in-app: no delivery row) and schedules its next time. The two
workers are two processes, as they would be in production. A scratch database is created
beside the one named and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, make_url, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from habitual.config import Settings
from habitual.db import create_database, upgrade_to_head
from habitual.jobs.worker import Worker
from habitual.models import Habit, HabitRule, Notification, Reminder, User

USERS, HABITS_PER_USER = 1000, 10


def settings_for(url: str) -> Settings:
    return Settings(_env_file=None, database_url=url, secret_key="bench-" + "k" * 40)


async def seed(url: str, count: int) -> None:
    database = create_database(settings_for(url))
    await upgrade_to_head(database.engine, url)
    now = datetime.now(UTC)
    per_habit = max(1, count // (USERS * HABITS_PER_USER))
    async with database.writer() as session, session.begin():
        await session.execute(
            insert(User),
            [
                {
                    "id": n,
                    "username": f"u{n}",
                    "username_key": f"u{n}",
                    "email": f"u{n}@example.com",
                    "email_key": f"u{n}@example.com",
                    "password_hash": "x",
                    "role": "user",
                    "is_active": True,
                    "timezone": "Europe/Berlin",
                    "week_start": 0,
                    "day_start": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(1, USERS + 1)
            ],
        )
        habits = [
            {
                "id": (u - 1) * HABITS_PER_USER + h,
                "user_id": u,
                "name": f"h{h}",
                "name_key": f"h{h}",
                "kind": "boolean",
                "frequency": "daily",
                "times_per_period": 1,
                "target_days": 127,
                "every_n_days": 1,
                "goal_type": "at_least",
                "start_date": now.date(),
                "position": h,
                "created_at": now,
                "updated_at": now,
            }
            for u in range(1, USERS + 1)
            for h in range(1, HABITS_PER_USER + 1)
        ]
        await session.execute(insert(Habit), habits)
        await session.execute(
            insert(HabitRule),
            [
                {
                    "habit_id": h["id"],
                    "effective_from": now.date(),
                    "frequency": "daily",
                    "times_per_period": 1,
                    "target_days": 127,
                    "every_n_days": 1,
                    "goal_type": "at_least",
                    "created_at": now,
                }
                for h in habits
            ],
        )
        reminders = [
            {
                "user_id": h["user_id"],
                "habit_id": h["id"],
                "local_time": f"{7 + r % 12:02d}:00",
                "days": 127,
                "channels": ["inapp"],
                "active": True,
                "next_fire_at": now - timedelta(minutes=1),
                "created_at": now,
                "updated_at": now,
            }
            for h in habits
            for r in range(per_habit)
        ][:count]
        for start in range(0, len(reminders), 10_000):
            await session.execute(insert(Reminder), reminders[start : start + 10_000])
    await database.dispose()


async def reset(url: str) -> None:
    database = create_database(settings_for(url))
    async with database.writer() as session, session.begin():
        await session.execute(text("DELETE FROM notifications"))
        await session.execute(
            update(Reminder).values(next_fire_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    await database.dispose()


async def fire_all(url: str) -> int:
    database = create_database(settings_for(url))
    fired = 0
    async with Worker(database, settings_for(url)) as worker:
        while batch := await worker.fire_due_reminders():
            fired += batch
    await database.dispose()
    return fired


def process_main(url: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    results.put(asyncio.run(fire_all(url)))


async def count_notifications(url: str) -> int:
    database = create_database(settings_for(url))
    async with database.reader() as session:
        total = (await session.execute(select(func.count()).select_from(Notification))).scalar_one()
    await database.dispose()
    return int(total)


def timed_workers(url: str, workers: int) -> tuple[float, list[int]]:
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    processes = [
        multiprocessing.Process(target=process_main, args=(url, results)) for _ in range(workers)
    ]
    began = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return time.perf_counter() - began, [results.get() for _ in processes]


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    name = f"habitual_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(base).set(database=name).render_as_string(hide_password=False)

    async def create() -> None:
        admin = create_async_engine(make_url(base), isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()

    async def drop() -> None:
        admin = create_async_engine(make_url(base), isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()

    asyncio.run(create())
    try:
        asyncio.run(seed(url, count))
        for workers in (1, 2):
            asyncio.run(reset(url))
            seconds, fired = timed_workers(url, workers)
            notified = asyncio.run(count_notifications(url))
            print(
                f"{workers} worker(s): fired {sum(fired):,} due reminders in {seconds:.1f} s "
                f"({sum(fired) / seconds:,.0f}/s; per worker {fired}); {notified:,} notifications"
            )
    finally:
        asyncio.run(drop())


if __name__ == "__main__":
    main()
