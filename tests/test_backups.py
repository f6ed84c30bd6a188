"""`habitual backup` and `habitual restore` on a SQLite file that a real `habitual serve` is
writing to."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.test_cli import cli_environment, free_port, habitual

API = "/api/v1"
PASSWORD = "a long enough passphrase"


@contextlib.contextmanager
def running_server(database: Path) -> Iterator[str]:
    port = free_port()
    # A file, not a pipe: nobody reads a pipe while the test runs, and the server's access lines
    # (one per request) would fill it and stop the server.
    log = database.parent / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "habitual.cli", "serve", "--port", str(port)],
        env=cli_environment(database) | {"HABITUAL_RATE_LIMIT_USER": "off"},
        cwd=database.parent,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/livez", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "habitual serve did not answer"
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def checkin_dates(database: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return {str(row[0]) for row in connection.execute("SELECT local_date FROM checkins")}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "live.db"
    assert habitual("migrate", database=path).returncode == 0
    return path


def test_a_backup_taken_under_write_load_restores_every_committed_check_in(database, tmp_path):
    backup = tmp_path / "backups" / "copy.db"
    acknowledged: list[tuple[float, str]] = []  # when each check-in's 201 came, and its date
    stop = threading.Event()
    with running_server(database) as base, httpx.Client(base_url=base, timeout=30) as client:
        body = {"username": "writer", "email": "writer@example.com", "password": PASSWORD}
        assert client.post(f"{API}/auth/register", json=body).status_code == 201
        login = client.post(f"{API}/auth/login", json={"username": "writer", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        habit = client.post(
            f"{API}/habits", json={"name": "Write", "start_date": "2020-01-01"}, headers=headers
        ).json()

        def write() -> None:
            day = date(2020, 1, 1)
            while not stop.is_set():
                url = f"{API}/habits/{habit['id']}/checkins/{day.isoformat()}"
                response = client.put(url, json={"status": "done"}, headers=headers)
                assert response.status_code == 201, response.text
                acknowledged.append((time.monotonic(), day.isoformat()))
                day += timedelta(days=1)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            while len(acknowledged) < 50:
                time.sleep(0.05)
            began = time.monotonic()
            made = habitual("backup", str(backup), database=database)
            while len(acknowledged) < 50 + 50:  # writes went on during the backup, and after
                time.sleep(0.05)
            refused = habitual("restore", str(backup), database=database)
        finally:
            stop.set()
            writer.join(timeout=60)

    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert refused.returncode == 1
    assert "running" in refused.stderr
    committed_before = {day for at, day in acknowledged if at < began}
    in_backup = checkin_dates(backup)
    assert committed_before <= in_backup
    assert len(in_backup) < len(acknowledged)  # a snapshot: the later writes are not in it

    restored = habitual("restore", str(backup), database=database)

    assert restored.returncode == 0, restored.stderr
    assert checkin_dates(database) == in_backup
    with contextlib.closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # The restored database serves again.
    with running_server(database) as base:
        login = httpx.post(
            f"{base}{API}/auth/login", json={"username": "writer", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text


def test_a_backup_does_not_replace_a_file_unless_forced(database, tmp_path):
    target = tmp_path / "taken.db"
    target.write_bytes(b"something else")

    refused = habitual("backup", str(target), database=database)
    forced = habitual("backup", "--force", str(target), database=database)

    assert (refused.returncode, forced.returncode) == (1, 0), forced.stderr
    assert "exists" in refused.stderr
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a database at all, just some text " * 100, "not a SQLite database"),
        (None, "not a Habitual database"),
    ],
)
def test_restoring_something_that_is_no_backup_changes_nothing(database, tmp_path, content, reason):
    bad = tmp_path / "bad.db"
    if content is None:
        with contextlib.closing(sqlite3.connect(bad)) as connection:
            connection.execute("CREATE TABLE other (x)")
    else:
        bad.write_bytes(content)
    before = database.read_bytes()

    result = habitual("restore", str(bad), database=database)

    assert result.returncode == 1
    assert reason in result.stderr
    assert database.read_bytes() == before


def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    result = habitual(
        "backup",
        str(tmp_path / "x.db"),
        database=tmp_path / "unused.db",
        environment={"HABITUAL_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )

    assert result.returncode == 2
    assert "pg_dump" in result.stderr
