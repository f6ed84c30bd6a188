"""Engine, sessions and migrations. The request owns the transaction; jobs open their own."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Boolean, Connection, Date, MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from habitual.config import Settings
from habitual.errors import HabitualError
from habitual.kit.rawsql import (
    ColumnReader,
    Converted,
    RawConnection,
    RawDatabase,
    create_lane,
    session_connection,
)
from habitual.kit.types import UTCDateTime
from habitual.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

T = TypeVar("T")
WRITE_OPTION = "habitual_write"


def converted_columns(metadata: MetaData) -> dict[str, Converted]:
    """What each column name holds, for reading SQLite rows back by name (kit/rawsql.py): the
    schema's dates, instants and flags. A name means one kind in every table that has it."""
    kinds: dict[str, Converted] = {}
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, UTCDateTime):
                kind = Converted.instant
            elif isinstance(column.type, Date):
                kind = Converted.date
            elif isinstance(column.type, Boolean):
                kind = Converted.flag
            else:
                continue
            if kinds.setdefault(column.name, kind) is not kind:
                raise TypeError(f"column {column.name!r} holds {kind} in {table.name} only")
    return kinds


COLUMNS = ColumnReader(converted_columns(Base.metadata))


class UnitOfWork:
    """One transaction, as services see it: the ORM session, and the database driver's
    connection in the same transaction for the statements that measured too slow through the
    ORM (kit/rawsql.py). The measured hot paths run a unit on the driver alone
    (`Database.read`, `Database.write`), which has no session. Whoever opened the unit commits
    or rolls it back; services and repositories never do.

    `tell` notes news for another feature without importing it: the `Database`'s preparers hear
    it just before the unit commits (in its transaction: derived rows kept up to date), its
    listeners after (what is kept beside the database, a cache); nothing of a unit rolled back."""

    __slots__ = ("_connection", "_session", "told")

    def __init__(
        self, *, session: AsyncSession | None = None, connection: RawConnection | None = None
    ):
        self._session = session
        self._connection = connection
        self.told: dict[str, list[Any]] = {}

    def tell(self, topic: str, news: Any) -> None:
        """Have `topic`'s listener hear `news` after this unit commits."""
        self.told.setdefault(topic, []).append(news)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("this unit of work runs on the database driver alone")
        return self._session

    async def connection(self) -> RawConnection:
        """The driver connection of this unit's transaction."""
        if self._connection is None:
            self._connection = await session_connection(self.session, COLUMNS)
        return self._connection


Work = Callable[[UnitOfWork], Coroutine[Any, Any, T]]
Listener = Callable[[list[Any]], Coroutine[Any, Any, None]]
Preparer = Callable[[UnitOfWork, list[Any]], Coroutine[Any, Any, None]]


class Repository:
    """The queries of one table or aggregate, in a unit of work: ORM statements on its session,
    the hot paths' statements on its driver connection (kit/rawsql.py), side by side."""

    __slots__ = ("uow",)

    def __init__(self, uow: UnitOfWork):
        self.uow = uow

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    async def connection(self) -> RawConnection:
        return await self.uow.connection()


@dataclass(frozen=True)
class Database:
    """The engine, the two ways to open a session on it (for reading, for writing), and the
    driver itself for the measured hot paths (kit/rawsql.py)."""

    engine: AsyncEngine
    reader: async_sessionmaker[AsyncSession]
    writer: async_sessionmaker[AsyncSession]
    raw: RawDatabase
    # By topic: who hears what a unit told (`UnitOfWork.tell`), before and after it commits.
    preparers: dict[str, Preparer] = field(default_factory=dict)
    listeners: dict[str, Listener] = field(default_factory=dict)

    async def prepare(self, uow: UnitOfWork) -> None:
        """Let the preparers do, in `uow`'s transaction, what its news asks for (they may tell
        more, which the listeners hear after the commit)."""
        # Until none is left: a preparer may tell another (a fed habit's days refresh boards).
        while pending := [topic for topic in self.preparers if uow.told.get(topic)]:
            for topic in pending:
                news = uow.told.pop(topic)
                if uow._session is not None:
                    await uow._session.flush()  # what the ORM holds, for the driver to read
                await self.preparers[topic](uow, news)

    async def committed(self, uow: UnitOfWork) -> None:
        """Tell the listeners what `uow`, just committed, had for them."""
        for topic, news in uow.told.items():
            listener = self.listeners.get(topic)
            if listener is not None:
                await listener(news)
        uow.told = {}

    async def read(self, work: Work[T]) -> T:
        """Run `work` in a read-only unit on the driver alone (a hot path's read)."""
        return await self.raw.read(lambda connection: work(UnitOfWork(connection=connection)))

    async def write(self, work: Work[T]) -> T:
        """Run `work` in a unit on the driver alone that commits when it returns."""
        units: list[UnitOfWork] = []

        async def unit(connection: RawConnection) -> T:
            units.append(UnitOfWork(connection=connection))
            result = await work(units[-1])
            await self.prepare(units[-1])
            return result

        result = await self.raw.write(unit)
        await self.committed(units[-1])  # the attempt that committed (a busy lane retries)
        return result

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[UnitOfWork]:
        """A unit on an ORM session for a job (the worker, a command): it commits when the
        block ends and rolls back if it raises."""
        async with self.writer() as session:
            async with session.begin():
                uow = UnitOfWork(session=session)
                yield uow
                await self.prepare(uow)
            await self.committed(uow)

    async def dispose(self) -> None:
        await self.raw.close()
        await self.engine.dispose()


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys and a busy timeout; writers take the lock up front.

    A deferred SQLite transaction that reads first and writes later fails with SQLITE_BUSY at
    once when another writer holds the lock (busy_timeout does not apply to that upgrade), so
    write sessions begin with BEGIN IMMEDIATE and wait their turn instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_private_file(path: Path) -> None:
    """Create an empty SQLite database file that only its owner may read or write (0600),
    unless it exists. SQLite gives its WAL and shared-memory files the database file's mode,
    so they are 0600 as well: the file holds password hashes and sealed secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def create_database(settings: Settings, **engine_options: Any) -> Database:
    url = make_url(settings.database_url)
    options: dict[str, Any] = {"pool_pre_ping": False}
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not url.query.get("uri"):
            create_private_file(Path(database))
        options["pool_size"] = settings.database_pool_size
    else:
        options["pool_size"] = settings.database_pool_size
        options["max_overflow"] = settings.database_pool_size
    options.update(engine_options)
    engine = create_async_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        _prepare_sqlite(engine)
    write_engine = engine.execution_options(**{WRITE_OPTION: True})
    return Database(
        engine=engine,
        reader=async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
        writer=async_sessionmaker(write_engine, expire_on_commit=False, autoflush=False),
        raw=create_lane(url, settings.database_pool_size),
    )


@asynccontextmanager
async def request_unit(database: Database, *, write: bool) -> AsyncIterator[UnitOfWork]:
    """A unit on an ORM session whose transaction commits when the endpoint returns, or rolls
    back on error."""
    factory = database.writer if write else database.reader
    async with factory() as session:
        uow = UnitOfWork(session=session)
        try:
            yield uow
        except HabitualError as error:
            if error.keeps_changes:
                await database.prepare(uow)
                await session.commit()
                await database.committed(uow)
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await database.prepare(uow)
            await session.commit()
            await database.committed(uow)


# --- migrations -------------------------------------------------------------------------------


def migrations_path() -> Path:
    """The Alembic scripts: packaged inside the wheel, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "migrations"


# Alembic is imported where it is used: a process that only serves (a Lambda container's cold
# start above all) does not pay its ~90 ms of imports.


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_path()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@cache
def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def upgrade_to_head(
    engine: AsyncEngine, database_url: str, settings: Settings | None = None
) -> None:
    """Apply every pending migration over one connection of `engine`; a data migration that
    needs the server's keys takes them from `settings` (else from the environment)."""
    from alembic import command

    config = alembic_config(database_url)

    def _upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        config.attributes["settings"] = settings
        command.upgrade(config, "head")

    async with engine.connect() as connection:
        await connection.run_sync(_upgrade)
        await connection.commit()


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)
