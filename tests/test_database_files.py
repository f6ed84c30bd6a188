"""A new SQLite database, and its WAL and shared-memory files, are for their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from habitual.db import create_database
from tests.conftest import make_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask 022", "umask 000"])
async def test_a_new_sqlite_database_and_its_wal_are_created_mode_0600(tmp_path, umask):
    path = tmp_path / "data" / "habitual.db"
    previous = os.umask(umask)
    try:
        database = create_database(make_settings(f"sqlite+aiosqlite:///{path}", tmp_path))
        try:
            async with database.engine.begin() as connection:
                await connection.execute(text("CREATE TABLE kept (value TEXT)"))
                await connection.execute(text("INSERT INTO kept VALUES ('x')"))
            # While a connection is open, the WAL and shared-memory files exist beside it.
            wal, shm = path.with_name("habitual.db-wal"), path.with_name("habitual.db-shm")
            assert {mode(path), mode(wal), mode(shm)} == {0o600}
        finally:
            await database.dispose()
    finally:
        os.umask(previous)


async def test_an_existing_database_file_keeps_its_mode(tmp_path):
    path = tmp_path / "habitual.db"
    path.touch()
    path.chmod(0o640)

    database = create_database(make_settings(f"sqlite+aiosqlite:///{path}", tmp_path))
    await database.dispose()

    assert mode(path) == 0o640
