"""Fill a fresh database with N users, ten habits each, and two years of check-ins.

    .venv/bin/python bench/generate.py --users 1000                        # SQLite, in /tmp
    .venv/bin/python bench/generate.py --users 1000 \
        --database postgresql+asyncpg://postgres@127.0.0.1:5432/test       # a scratch database

The rows go in by bulk SQL, not through the service: SQLAlchemy Core `insert()` executemany in
chunks on SQLite, asyncpg's binary COPY on PostgreSQL (about 7 million check-ins for 10,000
users take minutes, not hours). The schema comes from the migrations. Each user has a mixed
time zone and ten habits: daily, Monday/Wednesday/Friday, 3 times a week, 8 times a month and
every 3 days, twice each; a third are measurable (goal 10,000, values around it). The first
habit, daily, started two years ago (the one `GET /habits/{id}/stats` is timed on); the others
started within the last few weeks, so that a user has about 700 check-ins in all. A day that
is due is done with probability 0.8, up to yesterday; today is left for the load run.

Every user gets one `auth_sessions` row and an access token signed with `SECRET_KEY` (valid 24
hours); `users.csv` in the output directory lists, per user: the token, the habit ids, the
yes/no habit ids, a measurable habit id and the two-year habit id. The command prints the
database URL; the database is kept (drop a PostgreSQL one with `DROP DATABASE`).
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import csv
import random
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import Table, event, insert, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from habitual.auth.jwt import AccessTokens
from habitual.config import Settings
from habitual.db import UnitOfWork, upgrade_to_head
from habitual.kit.rawsql import create_lane
from habitual.models import AuthSession, Checkin, Habit, HabitRule, User
from habitual.stats.service import stats_service

SECRET_KEY = "habitual-bench-" + "s" * 40
TOKEN_TTL_SECONDS = 86_400  # the longest the settings allow
# argon2id of "bench-password" (m=8, t=1): nobody logs in during a bench, but it is a real hash.
PASSWORD_HASH = (
    "$argon2id$v=19$m=8,t=1,p=1$kQAya4ZvpZL/6wciUZBrvg$JeBRY4ZdNAlZY+lauPy4F9yGLyr3oz3MxEJ9qadKkA0"  # noqa: S105
)
TIMEZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
)
TWO_YEARS = 730
COMPLETION = 0.8
GOAL = 10_000.0
CHECKINS_PER_USER = 700  # roughly; the start dates of the younger habits are chosen for it
CHUNK = 20_000
MWF = 1 | 4 | 16  # bit n: weekday n, 0 = Monday


@dataclass(frozen=True)
class HabitSpec:
    name: str
    frequency: str
    times_per_period: int = 1
    target_days: int = 127
    every_n_days: int = 1
    unit: str | None = None  # measurable when set

    @property
    def measurable(self) -> bool:
        return self.unit is not None

    @property
    def checkins_per_day(self) -> float:
        """Expected check-ins per day at COMPLETION."""
        if self.frequency == "daily":
            return COMPLETION * bin(self.target_days).count("1") / 7
        if self.frequency == "weekly":
            return COMPLETION * self.times_per_period / 7
        if self.frequency == "monthly":
            return COMPLETION * self.times_per_period / 30.44
        return COMPLETION / self.every_n_days


HABITS = (
    HabitSpec("Walk", "daily"),  # two years: the stats target
    HabitSpec("Read", "daily", target_days=MWF),
    HabitSpec("Steps", "weekly", times_per_period=3, unit="steps"),
    HabitSpec("Call home", "monthly", times_per_period=8),
    HabitSpec("Stretch", "every_n_days", every_n_days=3),
    HabitSpec("Water", "daily", unit="ml"),
    HabitSpec("Gym", "daily", target_days=MWF),
    HabitSpec("Cook", "weekly", times_per_period=3),
    HabitSpec("Cycle", "every_n_days", every_n_days=3, unit="m"),
    HabitSpec("Journal", "monthly", times_per_period=8),
)
PER_USER = len(HABITS)
# The younger habits start uniformly within the last YOUNG_SPAN days (mean age YOUNG_SPAN / 2).
_OLD = HABITS[0].checkins_per_day * TWO_YEARS
_YOUNG_RATE = sum(spec.checkins_per_day for spec in HABITS[1:])
YOUNG_SPAN = max(2, round(2 * (CHECKINS_PER_USER - _OLD) / _YOUNG_RATE))


@dataclass
class Generated:
    database_url: str  # with the password, for the server's environment
    scratch: str | None  # the PostgreSQL database to drop afterwards, or None for SQLite
    users_csv: Path
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def bench_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        secret_key=SECRET_KEY,
        access_token_ttl_seconds=TOKEN_TTL_SECONDS,
    )


def _due_days(spec: HabitSpec, start: int, last: int, rng: random.Random) -> Iterator[int]:
    """Ordinals of the days from `start` to `last` on which the habit gets a check-in."""
    if spec.frequency == "daily":
        mask = spec.target_days
        for day in range(start, last + 1):
            if mask & (1 << ((day - 1) % 7)) and rng.random() < COMPLETION:  # ordinal 1: Monday
                yield day
    elif spec.frequency == "every_n_days":
        for day in range(start, last + 1, spec.every_n_days):
            if rng.random() < COMPLETION:
                yield day
    elif spec.frequency == "weekly":
        week = start - (start - 1) % 7  # the Monday of the first week
        while week <= last:
            days = [d for d in range(week, week + 7) if start <= d <= last]
            picked = rng.sample(days, min(spec.times_per_period, len(days)))
            yield from sorted(d for d in picked if rng.random() < COMPLETION)
            week += 7
    else:  # monthly
        first = date.fromordinal(start).replace(day=1)
        while first.toordinal() <= last:
            length = calendar.monthrange(first.year, first.month)[1]
            base = first.toordinal()
            days = [d for d in range(base, base + length) if start <= d <= last]
            picked = rng.sample(days, min(spec.times_per_period, len(days)))
            yield from sorted(d for d in picked if rng.random() < COMPLETION)
            first = date.fromordinal(base + length)


@dataclass
class Rows:
    users: list[tuple[Any, ...]] = field(default_factory=list)
    sessions: list[tuple[Any, ...]] = field(default_factory=list)
    habits: list[tuple[Any, ...]] = field(default_factory=list)
    rules: list[tuple[Any, ...]] = field(default_factory=list)
    checkins: list[tuple[Any, ...]] = field(default_factory=list)


USER_COLUMNS = (
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
)
SESSION_COLUMNS = ("id", "user_id", "created_at", "user_agent")
HABIT_COLUMNS = (
    "id",
    "user_id",
    "name",
    "name_key",
    "kind",
    "frequency",
    "times_per_period",
    "target_days",
    "every_n_days",
    "goal_value",
    "goal_type",
    "unit",
    "start_date",
    "position",
    "created_at",
    "updated_at",
)
RULE_COLUMNS = (
    "id",
    "habit_id",
    "effective_from",
    "frequency",
    "times_per_period",
    "target_days",
    "every_n_days",
    "goal_value",
    "goal_type",
    "created_at",
)
CHECKIN_COLUMNS = (
    "id",
    "habit_id",
    "user_id",
    "local_date",
    "status",
    "value",
    "created_at",
    "updated_at",
)


class Generator:
    """Builds the rows of a range of users; ids are dense and deterministic."""

    def __init__(self, seed: int, now: datetime):
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.now = now
        self.today = {tz: now.astimezone(ZoneInfo(tz)).date().toordinal() for tz in TIMEZONES}
        self.checkin_id = 0

    def users(self, first: int, last: int) -> tuple[Rows, list[dict[str, Any]]]:
        rng, now, rows, listing = self.rng, self.now, Rows(), []
        for user_id in range(first, last + 1):
            tz = TIMEZONES[user_id % len(TIMEZONES)]
            name = f"bench{user_id}"
            email = f"{name}@bench.example"
            rows.users.append(
                (user_id, name, name, email, email, PASSWORD_HASH, "user", True, tz, 0, 0, now, now)
            )
            rows.sessions.append((user_id, user_id, now, "bench"))
            today = self.today[tz]
            habit_ids, boolean, measurable = [], [], []
            for position, spec in enumerate(HABITS):
                habit_id = (user_id - 1) * PER_USER + position + 1
                age = TWO_YEARS if position == 0 else rng.randint(1, YOUNG_SPAN)
                start = today - age
                goal = GOAL if spec.measurable else None
                kind = "measurable" if spec.measurable else "boolean"
                columns = (spec.frequency, spec.times_per_period, spec.target_days)
                columns += (spec.every_n_days, goal, "at_least")
                first_day = date.fromordinal(start)
                rows.habits.append(
                    (
                        habit_id,
                        user_id,
                        spec.name,
                        spec.name.lower(),
                        kind,
                        *columns,
                        spec.unit,
                        first_day,
                        position,
                        now,
                        now,
                    )
                )
                rows.rules.append((habit_id, habit_id, date.fromordinal(start), *columns, now))
                habit_ids.append(habit_id)
                (measurable if spec.measurable else boolean).append(habit_id)
                for day in _due_days(spec, start, today - 1, rng):
                    self.checkin_id += 1
                    value = max(0.0, round(rng.gauss(GOAL * 1.05, 2500))) if goal else None
                    local = date.fromordinal(day)
                    rows.checkins.append(
                        (self.checkin_id, habit_id, user_id, local, "done", value, now, now)
                    )
            listing.append(
                {
                    "user_id": user_id,
                    "habits": habit_ids,
                    "boolean": boolean,
                    "measurable": measurable[1],  # the daily one
                    "stats": habit_ids[0],
                }
            )
        return rows, listing


@dataclass(frozen=True)
class Reader:
    """A bench user as the stats service sees its caller."""

    id: int
    timezone: str
    week_start: int = 0
    day_start: int = 0


async def keep_stats_carries(
    database_url: str, reads: list[tuple[Reader, int]], *, progress: bool
) -> None:
    """Read each user's two-year habit's statistics once through the service, as the app
    would on the first look: that keeps the habit's stats carry (habitmath/carry.py), and the
    load run measures the reads that follow, not the first. A deployment keeps its carries, so
    this is its steady state; bench/README.md gives the cost of a first read too."""
    began = time.perf_counter()
    lane = create_lane(make_url(database_url), pool_size=8)

    async def read_and_keep(reader: Reader, habit_id: int) -> None:
        answer = await lane.read(
            lambda connection: stats_service.habit_stats(
                UnitOfWork(connection=connection), reader, habit_id, None, None
            )
        )
        keep = answer.keep
        if keep is not None:
            await lane.write(
                lambda connection: stats_service.keep_carry(UnitOfWork(connection=connection), keep)
            )

    try:
        for index in range(0, len(reads), 8):
            await asyncio.gather(
                *(read_and_keep(reader, habit_id) for reader, habit_id in reads[index : index + 8])
            )
    finally:
        await lane.close()
    if progress:
        print(
            f"    stats carries kept for {len(reads):,} habits in "
            f"{time.perf_counter() - began:.0f} s",
            flush=True,
        )


def _fresh_directory(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("bench.db*"):
        stale.unlink()


async def scratch_database(url: str, directory: Path) -> tuple[str, str | None]:
    """A new empty database: a file in `directory`, or a PostgreSQL database beside `url`."""
    if url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{directory / 'bench.db'}", None
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


class Loader:
    """Writes row tuples: Core executemany on SQLite, binary COPY on PostgreSQL."""

    TABLES: Sequence[tuple[str, Table, tuple[str, ...]]] = (
        ("users", User.__table__, USER_COLUMNS),  # type: ignore[list-item]
        ("sessions", AuthSession.__table__, SESSION_COLUMNS),  # type: ignore[list-item]
        ("habits", Habit.__table__, HABIT_COLUMNS),  # type: ignore[list-item]
        ("rules", HabitRule.__table__, RULE_COLUMNS),  # type: ignore[list-item]
        ("checkins", Checkin.__table__, CHECKIN_COLUMNS),  # type: ignore[list-item]
    )

    def __init__(self, database_url: str):
        self.url = database_url
        self.sqlite = database_url.startswith("sqlite")
        self.connection: AsyncConnection | asyncpg.Connection | None = None

    async def __aenter__(self) -> Loader:
        if self.sqlite:
            self.engine = create_async_engine(self.url)

            @event.listens_for(self.engine.sync_engine, "connect")
            def _fast(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-200000")
                cursor.close()

            self.connection = await self.engine.connect()
        else:
            dsn = make_url(self.url).set(drivername="postgresql")
            self.connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if isinstance(self.connection, AsyncConnection):
            await self.connection.close()
            await self.engine.dispose()
        elif self.connection is not None:
            await self.connection.close()

    async def write(self, rows: Rows) -> None:
        for attribute, table, columns in self.TABLES:
            batch = getattr(rows, attribute)
            for start in range(0, len(batch), CHUNK):
                chunk = batch[start : start + CHUNK]
                if isinstance(self.connection, AsyncConnection):
                    await self.connection.execute(
                        insert(table), [dict(zip(columns, row, strict=True)) for row in chunk]
                    )
                else:
                    assert self.connection is not None
                    await self.connection.copy_records_to_table(
                        table.name, records=chunk, columns=columns
                    )
        if isinstance(self.connection, AsyncConnection):
            await self.connection.commit()

    async def finish(self) -> None:
        """Move the id sequences past the ids given; analyse and checkpoint."""
        if isinstance(self.connection, AsyncConnection):
            await self.connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        assert self.connection is not None
        for _, table, _ in self.TABLES:
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our tables
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
            )
        await self.connection.execute("VACUUM ANALYZE")


async def generate(
    url: str, users: int, out: Path, *, seed: int = 7, progress: bool = True
) -> Generated:
    """Create a scratch database beside `url` (or a SQLite file in `out`) and fill it."""
    began = time.perf_counter()
    await asyncio.to_thread(_fresh_directory, out)
    database_url, scratch = await scratch_database(url, out)
    try:
        engine = create_async_engine(database_url)
        await upgrade_to_head(engine, database_url)
        await engine.dispose()
        now = datetime.now(UTC).replace(microsecond=0)
        generator = Generator(seed, now)
        tokens = AccessTokens(bench_settings(database_url))
        counts = dict.fromkeys(("users", "habits", "checkins"), 0)
        stats_reads: list[tuple[Reader, int]] = []
        users_csv = out / "users.csv"
        with users_csv.open("w", newline="", encoding="ascii") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(("user_id", "token", "habits", "boolean", "measurable", "stats"))
            async with Loader(database_url) as loader:
                step = 500
                for first in range(1, users + 1, step):
                    last = min(users, first + step - 1)
                    rows, listing = generator.users(first, last)
                    await loader.write(rows)
                    counts["users"] += len(rows.users)
                    counts["habits"] += len(rows.habits)
                    counts["checkins"] += len(rows.checkins)
                    for entry in listing:
                        user_id = entry["user_id"]
                        reader = Reader(user_id, TIMEZONES[user_id % len(TIMEZONES)])
                        stats_reads.append((reader, entry["stats"]))
                        token = tokens.issue(entry["user_id"], entry["user_id"], now)
                        habits = " ".join(map(str, entry["habits"]))
                        boolean = " ".join(map(str, entry["boolean"]))
                        writer.writerow(
                            (
                                entry["user_id"],
                                token,
                                habits,
                                boolean,
                                entry["measurable"],
                                entry["stats"],
                            )
                        )
                    if progress and (last == users or last % 2000 == 0):
                        print(
                            f"    {last:,}/{users:,} users, {counts['checkins']:,} check-ins, "
                            f"{time.perf_counter() - began:.0f} s",
                            flush=True,
                        )
                # Before finishing: the checkpoint and VACUUM ANALYZE cover the carries too.
                await keep_stats_carries(database_url, stats_reads, progress=progress)
                await loader.finish()
    except BaseException:
        if scratch is not None:
            await drop_database(url, scratch)
        raise
    return Generated(database_url, scratch, users_csv, counts, time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (a file in --out) or a postgresql+asyncpg:// URL beside which a scratch "
        "database is created",
    )
    parser.add_argument("--out", type=Path, default=None, help="directory for users.csv")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="habitual-bench-"))
    result = asyncio.run(generate(args.database, args.users, out, seed=args.seed))
    counts = result.counts
    print(
        f"{counts['users']:,} users, {counts['habits']:,} habits, "
        f"{counts['checkins']:,} check-ins ({counts['checkins'] / counts['users']:.0f} per user) "
        f"in {result.seconds:.1f} s"
    )
    print(f"database: {make_url(result.database_url).render_as_string(hide_password=True)}")
    print(f"users and tokens: {result.users_csv}")


if __name__ == "__main__":
    main()
