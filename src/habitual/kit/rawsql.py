"""The database driver itself, under SQLAlchemy, for the hot paths that measured too slow.

`bench/profile_hot_paths.py` showed a `GET /today` of ~3 ms, a third of it in SQLAlchemy's async
ORM and aiosqlite's thread hops; DESIGN.md's table has one async ORM point query at ~1,150 req/s
against ~21,700 for an inline `sqlite3` one and ~12,000 for asyncpg alone. So the hot paths
(authentication, today, check-ins, stats) write plain SQL against the driver here, inside their
feature's repository. The schema still comes from the models and Alembic; nothing else changes.

One SQL text serves both databases: parameters are written `$1, $2, ...` (asyncpg's style) and
become SQLite's `?1, ?2, ...`. Rows come back with the same Python types on both: `date`,
aware UTC `datetime`, `bool`, `float`, `int`, `str` (JSON columns as text).

SQLite work runs inline on the event loop, which is where SQLite is fast: a statement over a
local file costs microseconds, less than a hop to a thread and back. A unit of work is a
coroutine that only awaits its own statements, so it runs to the end without yielding, and one
connection serves the whole process. When another connection holds the lock (another process,
or a SQLAlchemy session), the unit is rolled back and run again after a short sleep of the
event loop, which never blocks on the lock (`SqliteLane._run`).
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache
from typing import Any, Protocol, TypeVar

import asyncpg
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Row = Sequence[Any]
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite


class RawConnection(Protocol):
    """One connection, inside a transaction when opened for writing."""

    dialect: str  # "sqlite" or "postgresql"

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    async def execute(self, sql: str, *args: Any) -> None: ...


Work = Callable[[RawConnection], Coroutine[Any, Any, T]]

# What a broken constraint raises on either driver (a unit of work has rolled back by then).
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    asyncpg.IntegrityConstraintViolationError,
)


class RawDatabase(Protocol):
    dialect: str

    async def read(self, work: Work[T]) -> T: ...

    async def write(self, work: Work[T]) -> T: ...

    async def close(self) -> None: ...


def from_json(value: Any) -> Any:
    """A JSON column's value: text from our connections; already parsed on a connection that
    SQLAlchemy opened for asyncpg, which installs its own JSON codec."""
    return json.loads(value) if isinstance(value, str | bytes) else value


# --- SQLite -----------------------------------------------------------------------------------


@cache
def sqlite_sql(sql: str) -> str:
    """`$1` -> `?1`: SQLite's numbered parameters, which may repeat like PostgreSQL's."""
    return re.sub(r"\$(\d+)", r"?\1", sql)


def sqlite_param(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(SQLITE_DATETIME)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_datetime(raw: bytes) -> datetime:
    return datetime.fromisoformat(raw.decode()).replace(tzinfo=UTC)


# Read back by declared column type, only on connections opened with PARSE_DECLTYPES (ours);
# SQLAlchemy's connections do not ask for them.
sqlite3.register_converter("DATE", lambda raw: date.fromisoformat(raw.decode()))
sqlite3.register_converter("DATETIME", _sqlite_datetime)
sqlite3.register_converter("BOOLEAN", lambda raw: raw != b"0")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SqliteConnection:
    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return self._connection.execute(sqlite_sql(sql), [sqlite_param(a) for a in args]).fetchall()

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def execute(self, sql: str, *args: Any) -> None:
        self._connection.execute(sqlite_sql(sql), [sqlite_param(a) for a in args]).fetchall()


def _drive(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (it awaits only SqliteConnection) to its end."""
    try:
        work.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    work.close()
    raise RuntimeError("SQLite work may await only its own statements")


def _transaction(connection: sqlite3.Connection, work: Work[T], begin: str) -> T:
    connection.execute(begin)
    try:
        result = _drive(work(SqliteConnection(connection)))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return result


# A unit that finds the lock taken waits on the event loop and runs again: 0.5 ms at first,
# doubling to 4 ms, until `busy_timeout_ms`. The holder is a transaction of well under a
# millisecond (a check-in's), so the first or second try usually gets in. It used to wait on
# one thread in SQLite's busy handler, whose sleeps grow from 1 to 100 ms and which queued every
# waiting write behind one another: with two `habitual serve` workers `PUT` had p99 413-427 ms
# and entries 812-1,050 ms (bench/RESULTS.md, 22:22), fewer entries a second than one worker.
BUSY_FIRST_WAIT = 0.0005
BUSY_LONGEST_WAIT = 0.004


class SqliteLane:
    dialect = "sqlite"

    def __init__(self, path: str, busy_timeout_ms: int = 10_000):
        if not path or path == ":memory:":
            raise ValueError("Habitual needs a SQLite file, not an in-memory database")
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path,
            isolation_level=None,  # we say BEGIN and COMMIT ourselves
            check_same_thread=False,
            detect_types=sqlite3.PARSE_DECLTYPES,
            cached_statements=256,
        )
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA busy_timeout=0")  # we wait ourselves, on the event loop
        # As SQLAlchemy's connections (db.py): in WAL mode, NORMAL keeps the database
        # consistent and commits without an fsync each; a setting of the connection, not the file.
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    async def read(self, work: Work[T]) -> T:
        return await self._run(work, "BEGIN")

    async def write(self, work: Work[T]) -> T:
        return await self._run(work, "BEGIN IMMEDIATE")

    async def _run(self, work: Work[T], begin: str) -> T:
        if self._connection is None:
            self._connection = self._connect()
        try:
            return _transaction(self._connection, work, begin)
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._busy_timeout_ms / 1000
        wait = BUSY_FIRST_WAIT
        while True:
            await asyncio.sleep(wait)
            if self._connection is None:  # closed meanwhile: the process is stopping
                raise sqlite3.OperationalError("the SQLite connection was closed")
            try:
                return _transaction(self._connection, work, begin)
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or loop.time() >= deadline:
                    raise
            wait = min(wait * 2, BUSY_LONGEST_WAIT)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# --- PostgreSQL -------------------------------------------------------------------------------


class PostgresConnection:
    dialect = "postgresql"

    def __init__(self, connection: asyncpg.Connection):
        self._connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        rows: list[Row] = await self._connection.fetch(sql, *args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = await self._connection.fetchrow(sql, *args)
        return row

    async def execute(self, sql: str, *args: Any) -> None:
        await self._connection.execute(sql, *args)


async def _keep_as_is(_connection: asyncpg.Connection) -> None:
    """Our work leaves no session state behind (no SET, LISTEN or advisory lock), so a
    connection goes back to the pool without asyncpg's reset round trip."""


class PostgresLane:
    dialect = "postgresql"

    def __init__(self, url: URL, max_size: int):
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _acquire_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn, min_size=1, max_size=self._max_size, reset=_keep_as_is
                    )
        return self._pool

    async def read(self, work: Work[T]) -> T:
        pool = await self._acquire_pool()
        async with pool.acquire() as connection:
            return await work(PostgresConnection(connection))

    async def write(self, work: Work[T]) -> T:
        pool = await self._acquire_pool()
        async with pool.acquire() as connection, connection.transaction():
            return await work(PostgresConnection(connection))

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


def create_lane(url: URL, pool_size: int) -> RawDatabase:
    if url.get_backend_name() == "sqlite":
        return SqliteLane(url.database or "")
    return PostgresLane(url, pool_size)


# --- inside a SQLAlchemy session's transaction ------------------------------------------------


class Converted(StrEnum):
    """What a SQLite column holds as text and is read back as (db.py derives each column's from
    the models' metadata)."""

    date = "date"
    instant = "instant"
    flag = "flag"


CONVERTERS: dict[Converted, Callable[[Any], Any]] = {
    Converted.date: date.fromisoformat,
    Converted.instant: lambda text: _sqlite_datetime(text.encode()),
    Converted.flag: bool,
}
Plan = tuple[tuple[int, Callable[[Any], Any]], ...]


class ColumnReader:
    """How to read a row back by its column names, each as the schema declares it."""

    def __init__(self, converted: Mapping[str, Converted]):
        self._converted = dict(converted)
        self._plans: dict[tuple[str, ...], Plan] = {}

    def plan(self, names: tuple[str, ...]) -> Plan:
        """(index, converter) for each column that needs one; worked out once per shape."""
        plan = self._plans.get(names)
        if plan is None:
            plan = self._plans[names] = tuple(
                (index, CONVERTERS[self._converted[name]])
                for index, name in enumerate(names)
                if name in self._converted
            )
        return plan


class AiosqliteConnection:
    """A SQLAlchemy session's own aiosqlite connection, in its transaction. SQLAlchemy opened
    it without PARSE_DECLTYPES, so values are read back by the name of their column, each as
    the schema declares it (`ColumnReader`, made by db.py from the models' metadata)."""

    dialect = "sqlite"

    def __init__(self, connection: Any, columns: ColumnReader):
        self._connection = connection
        self._columns = columns

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        cursor = await self._connection.execute(sqlite_sql(sql), [sqlite_param(a) for a in args])
        rows = await cursor.fetchall()
        names = tuple(column[0] for column in cursor.description or ())
        await cursor.close()
        plan = self._columns.plan(names)
        if not plan:
            return list(rows)
        converted: list[Row] = []
        for row in rows:
            values = list(row)
            for index, convert in plan:
                if values[index] is not None:
                    values[index] = convert(values[index])
            converted.append(values)
        return converted

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def execute(self, sql: str, *args: Any) -> None:
        await self.fetch(sql, *args)


async def session_connection(session: AsyncSession, columns: ColumnReader) -> RawConnection:
    """The driver connection under `session`, in the session's transaction."""
    connection = await session.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection
    if connection.dialect.name == "postgresql":
        if not driver.is_in_transaction():
            # SQLAlchemy's asyncpg adapter sends BEGIN with its first statement; without one,
            # ours would commit on their own.
            await connection.exec_driver_sql("SELECT 1")
        return PostgresConnection(driver)
    return AiosqliteConnection(driver, columns)
