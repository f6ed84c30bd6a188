"""Alembic environment: runs over a connection handed in by Habitual, or opens its own."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from habitual.config import Settings
from habitual.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        on_version_apply=no_dangling_references if sqlite else None,
    )
    with foreign_keys_off(connection) if sqlite else nullcontext(), context.begin_transaction():
        context.run_migrations()


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it (batch mode) and dropping the original, and while
    foreign keys are enforced that DROP deletes every row referencing it (ON DELETE CASCADE).
    So they are off while migrating, as Alembic's batch mode asks, and each step is checked
    to leave no dangling reference. The pragma is a no-op inside a transaction: a connection
    handed in mid-transaction keeps them on, and a migration that copies tables refuses."""
    if connection.in_transaction():
        yield
        return
    cursor = connection.connection.cursor()  # the driver's: SQLAlchemy would BEGIN first
    cursor.execute("PRAGMA foreign_keys")
    enforced = cursor.fetchone() == (1,)
    cursor.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    except BaseException:
        if connection.in_transaction():
            connection.rollback()
        raise
    else:
        if connection.in_transaction():
            connection.commit()
    finally:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
        cursor.close()


def no_dangling_references(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[str], run_args: Mapping[str, Any]
) -> None:
    """After each step on SQLite, in its transaction: no row may reference a missing one."""
    assert ctx.connection is not None
    dangling = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if dangling:
        raise RuntimeError(f"the migration leaves rows referencing missing ones: {dangling[:5]}")


async def run_with_own_engine(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
        await connection.commit()
    await engine.dispose()


def main() -> None:
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            literal_binds=True,
            target_metadata=target_metadata,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or Settings().database_url
    asyncio.run(run_with_own_engine(url))


main()
