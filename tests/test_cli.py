"""The `habitual` command, run as a separate process against a SQLite file of its own."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

HABITUAL_SCRIPT = Path(sys.executable).parent / "habitual"


def cli_environment(database: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HABITUAL_")
    }
    environment |= {
        "HABITUAL_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "HABITUAL_ARGON2_MEMORY_KIB": "8",
        "HABITUAL_ARGON2_TIME_COST": "1",
    }
    return environment


def habitual(*args: str, database: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "habitual.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_environment(database),
        cwd=database.parent,
        timeout=60,
        check=False,
    )


def create_admin(database: Path, username: str, password: str) -> subprocess.CompletedProcess[str]:
    return habitual(
        "create-admin",
        "--username",
        username,
        "--email",
        f"{username}@example.com",
        "--password-stdin",
        database=database,
        stdin=password + "\n",
    )


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "habitual.db"
    result = habitual("migrate", database=path)
    assert result.returncode == 0, result.stderr
    assert "newest migration" in result.stdout
    return path


def test_the_installed_script_prints_its_help():
    result = subprocess.run(
        [str(HABITUAL_SCRIPT), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    for command in ("serve", "migrate", "create-admin"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["serve", "migrate", "create-admin"])
def test_every_command_prints_its_help(command, tmp_path):
    result = habitual(command, "--help", database=tmp_path / "unused.db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: habitual {command}")


def test_migrate_creates_the_tables(database):
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"users", "profiles", "personal_access_tokens", "alembic_version"} <= tables


def test_create_admin_makes_an_account_with_the_admin_role(database):
    result = create_admin(database, "root", "correct horse battery")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT role, email, is_active FROM users WHERE username_key = 'root'"
        ).fetchone()
    assert row == ("admin", "root@example.com", 1)


def test_create_admin_refuses_a_short_password(database):
    result = create_admin(database, "shorty", "short")
    assert result.returncode != 0
    assert "password" in result.stderr
    with sqlite3.connect(database) as connection:
        count = connection.execute(
            "SELECT count(*) FROM users WHERE username_key = 'shorty'"
        ).fetchone()
    assert count == (0,)


def test_create_admin_refuses_a_taken_username(database):
    assert create_admin(database, "twice", "correct horse battery").returncode == 0
    result = create_admin(database, "twice", "another good password")
    assert result.returncode != 0
    assert "already registered" in result.stderr
