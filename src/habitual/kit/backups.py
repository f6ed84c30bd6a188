"""Backing up and restoring a SQLite database file while it is in use (SQLite's online backup
API), and the lock that tells a restore a server is running on the file.

`habitual serve` and `habitual worker` hold a shared lock on `<database>.lock` while they run;
a restore takes it exclusively, without waiting, and refuses when it cannot. A backup needs no
lock: the backup API copies one consistent snapshot (a read transaction in WAL mode) while
writers go on.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO


class BackupError(Exception):
    """What a person can act on: said in one sentence, no traceback."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def held_while_serving(database: Path) -> Iterator[None]:
    """Hold the database's shared lock for the block (a server or a worker runs on it)."""
    with _lock_file(database) as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield


@contextlib.contextmanager
def _lock_file(database: Path) -> Iterator[IO[bytes]]:
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+b") as handle:
        yield handle


def _copy(source: Path, target: Path) -> None:
    """The whole of `source` into `target` in one step: one snapshot, whatever writes go on."""
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reader,
        contextlib.closing(sqlite3.connect(target)) as writer,
    ):
        reader.backup(writer)


def _check(path: Path) -> None:
    """A readable SQLite database that passes its integrity check and has been migrated."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            [(verdict,)] = db.execute("PRAGMA integrity_check").fetchall()
            migrated = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database Habitual can read ({error}).") from None
    if verdict != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {verdict}.")
    if migrated is None:
        raise BackupError(f"{path} is not a Habitual database (it has no migrations).")


def backup(database: Path, target: Path, *, overwrite: bool = False) -> None:
    """Copy the database in use at `database` to `target` (a new file, made 0600: it holds
    password hashes and sealed secrets), written beside it first and then moved in place."""
    if not database.is_file():
        raise BackupError(f"There is no database at {database}.")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; pass --force to replace it.")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        _copy(database, partial)
        _check(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(source: Path, database: Path) -> None:
    """Put the backup at `source` back as the database at `database`, unless a server or a
    worker runs on it (then BackupError, and nothing changes)."""
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    _check(source)
    with _lock_file(database) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"A server or worker is running on {database}; stop it, then restore."
            ) from None
        if not database.exists():
            database.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # Through SQLite, not a file copy: its WAL and shared memory stay coherent.
        _copy(source, database)
