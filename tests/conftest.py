"""Test harness: one database per run, made by the Alembic migrations, emptied after each test.

SQLite in a temporary directory by default; PostgreSQL when HABITUAL_TEST_DATABASE_URL is set
(a fresh database is created beside the given one and dropped at the end). Rate limits use
Redis when HABITUAL_TEST_REDIS_URL is set.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from habitual.app import create_app
from habitual.config import Settings
from habitual.db import upgrade_to_head
from habitual.kit.clock import clock
from habitual.models import Base
from habitual.runtime import Runtime
from tests.factories import Accounts

if TYPE_CHECKING:
    from habitual.kit.dns import Resolver

TEST_DATABASE_URL = os.environ.get("HABITUAL_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("HABITUAL_TEST_REDIS_URL")
RUN_ID = uuid.uuid4().hex[:10]


def pytest_report_header() -> list[str]:
    database = "postgresql" if TEST_DATABASE_URL else "sqlite"
    return [f"habitual: database={database} redis={'yes' if TEST_REDIS_URL else 'no'}"]


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'habitual.db'}"
        return
    admin_url = make_url(TEST_DATABASE_URL)
    name = f"habitual_test_{RUN_ID}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def make_settings(database_url: str, tmp_dir: Any, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": "test-signing-key-" + "x" * 32,
        "secret_key_file": tmp_dir / "unused.key",
        # The cheapest argon2 profile: tests check behaviour, not hashing cost.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "argon2_parallelism": 1,
        # Tests register many accounts from one client address; the limit has its own tests.
        "registration_limit_per_address": "10000/minute",
        # Far above what any test sends: the tests of the limits themselves set realistic ones.
        "rate_limit_user": "1000000/minute",
        "rate_limit_anonymous": "1000000/minute",
        "redis_url": TEST_REDIS_URL,
        "redis_key_prefix": f"habitual-test-{RUN_ID}",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
async def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    engine = create_async_engine(database_url)
    try:
        await upgrade_to_head(engine, database_url)
    finally:
        await engine.dispose()
    return database_url


@pytest.fixture(scope="session")
def settings(migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(migrated, tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    yield application
    await application.state.runtime.database.dispose()


@pytest.fixture(scope="session")
def runtime(app: Any) -> Runtime:
    result: Runtime = app.state.runtime
    return result


async def _empty_tables(runtime: Runtime) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with runtime.database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608


@pytest.fixture(autouse=True)
async def _clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    uses_database = "runtime" in request.fixturenames or "client" in request.fixturenames
    runtime: Runtime | None = request.getfixturevalue("runtime") if uses_database else None
    yield
    if runtime is not None:
        await _empty_tables(runtime)
        await runtime.limit_storage.reset()
        board_cache = request.getfixturevalue("app").state.board_cache
        if board_cache is not None:  # the boards' Redis copy, of the rows just emptied
            await board_cache.forget_all()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def accounts(client: httpx.AsyncClient, runtime: Runtime) -> Accounts:
    return Accounts(client, runtime)


@pytest.fixture
def app_factory(settings: Settings, runtime: Runtime) -> Callable[..., Any]:
    """Build an extra app over the same database with some settings (or its resolver) changed.

    It asks for `runtime` so that the tables and the rate limits are emptied after the test.
    """

    @asynccontextmanager
    async def factory(
        resolver: Resolver | None = None, **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        values = settings.model_dump()
        values.update(overrides)
        application = create_app(Settings(_env_file=None, **values))
        if resolver is not None:  # what webhooks' host names resolve to, for this app
            runtime = application.state.runtime
            application.state.runtime = dataclasses.replace(runtime, resolver=resolver)
        transport = httpx.ASGITransport(app=application, client=("203.0.113.9", 50000))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield http
        finally:
            await application.state.runtime.database.dispose()

    return factory


class Server:
    """One app instance, reached from as many client addresses as a test needs."""

    def __init__(self, app: Any, clients: AsyncExitStack):
        self.app = app
        self._clients = clients

    async def at(self, address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        return await self._clients.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )


@pytest.fixture
def server(settings: Settings, runtime: Runtime) -> Callable[..., Any]:
    """Like `app_factory`, but a `Server` whose clients may come from several addresses."""

    @asynccontextmanager
    async def factory(**overrides: Any) -> AsyncIterator[Server]:
        application = create_app(Settings(_env_file=None, **(settings.model_dump() | overrides)))
        try:
            async with AsyncExitStack() as clients:
                yield Server(application, clients)
        finally:
            await application.state.runtime.database.dispose()

    return factory


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[Any], None]]:
    """Stop the clock the app reads: `frozen_clock(datetime(2026, 3, 8, 7, tzinfo=UTC))`.

    Every module asks the time of `habitual.kit.clock.clock`, so freezing it moves time for all
    of them, column defaults included. Time runs as usual until the first call: log in before
    it, because access tokens expire by the real clock.
    """
    yield clock.freeze
    clock.thaw()
