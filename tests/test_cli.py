"""The `habitual` command, run as a separate process against a SQLite file of its own."""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import uvicorn

from habitual.cli import tcp_listener

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


def habitual(
    *args: str, database: Path, stdin: str = "", environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "habitual.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_environment(database) | (environment or {}),
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


@pytest.mark.parametrize("command", ["serve", "migrate", "reseal-secrets", "create-admin"])
def test_every_command_prints_its_help(command, tmp_path):
    result = habitual(command, "--help", database=tmp_path / "unused.db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: habitual {command}")


def test_migrate_creates_the_tables(database):
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"users", "profiles", "personal_access_tokens", "alembic_version"} <= tables


def test_migrate_creates_a_database_file_only_its_owner_may_read(database):
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


SHORT_KEY = "thirty-one-bytes-is-not-enough!"


@pytest.mark.parametrize("command", ["serve", "worker", "migrate", "reseal-secrets"])
def test_a_secret_key_shorter_than_32_bytes_is_refused_at_start_up(command, tmp_path):
    assert len(SHORT_KEY.encode()) == 31
    database = tmp_path / "refused.db"

    result = habitual(command, database=database, environment={"HABITUAL_SECRET_KEY": SHORT_KEY})

    assert result.returncode == 1
    assert "error: secret_key: " in result.stderr
    assert "at least 32 bytes" in result.stderr
    assert SHORT_KEY not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert not database.exists()


def test_reseal_secrets_reseals_what_is_under_a_previous_key(database):
    result = habitual("reseal-secrets", database=database)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 webhook secrets resealed under the current key"


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


async def _accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY on a connection accepted by asyncio from `listener`, as uvicorn serves."""
    loop = asyncio.get_running_loop()
    accepted: asyncio.Future[int] = loop.create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await loop.create_server(Probe, sock=listener)
    host, port = listener.getsockname()[:2]
    _, writer = await asyncio.open_connection(host, port)
    try:
        return await asyncio.wait_for(accepted, 10)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


def _workers_config() -> uvicorn.Config:
    return uvicorn.Config(
        "habitual.app:create_app", factory=True, host="127.0.0.1", port=0, workers=2
    )


def test_uvicorns_own_listener_leaves_nagle_on():
    # What tcp_listener works around (uvicorn issue #3149). When this fails, uvicorn sets the
    # protocol itself and tcp_listener may go.
    assert asyncio.run(_accepted_nodelay(_workers_config().bind_socket())) == 0


def test_the_workers_listener_gives_each_connection_tcp_nodelay():
    listener = tcp_listener(_workers_config())
    assert listener.proto == socket.IPPROTO_TCP
    assert listener.get_inheritable()
    assert asyncio.run(_accepted_nodelay(listener)) != 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_with_two_workers_answers_and_stops_on_sigterm(database):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "habitual.cli", "serve", "--port", str(port), "--workers", "2"],
        env=cli_environment(database) | {"HABITUAL_WORKER_EMBEDDED": "false"},
        cwd=database.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/livez")
                first = connection.getresponse()
                first.read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "habitual serve --workers 2 did not answer"
                time.sleep(0.2)
        connection.request("GET", "/livez")  # the same keep-alive connection
        second = connection.getresponse()
        assert (first.status, second.status) == (200, 200)
        assert second.read()
        connection.close()
    finally:
        server.send_signal(signal.SIGTERM)
        returncode = server.wait(timeout=30)
    assert returncode == 0
