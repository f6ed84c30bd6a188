"""`habitual serve | worker | migrate | reseal-secrets | create-admin`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn
from pydantic import ValidationError
from sqlalchemy import make_url
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from habitual.admin.schemas import AdminUserCreate
from habitual.auth.passwords import Passwords
from habitual.config import Settings
from habitual.db import create_database, upgrade_to_head
from habitual.errors import HabitualError
from habitual.jobs.runner import run_worker
from habitual.kit.backups import BackupError, backup, held_while_serving, restore
from habitual.kit.logs import configure_logging
from habitual.kit.metrics import fresh_multiprocess_directory
from habitual.kit.secrets import SecretBox, UnreadableSecret
from habitual.models import Role
from habitual.notifications.service import notification_service
from habitual.users.service import user_service


async def _migrate(settings: Settings) -> None:
    database = create_database(settings)
    try:
        await upgrade_to_head(database.engine, settings.database_url, settings)
    finally:
        await database.dispose()


def tcp_listener(config: uvicorn.Config) -> socket.socket:
    """The listening socket uvicorn binds for its worker processes, marked as TCP.

    uvicorn's `Config.bind_socket()` makes it with `proto` 0, accepted connections inherit
    that, and asyncio sets TCP_NODELAY only on sockets whose `proto` is IPPROTO_TCP
    (uvicorn issue #3149). With Nagle's algorithm on, a response's body, written after its
    headers, waited for the client's delayed ACK: with two workers every keep-alive request
    took ~44 ms (wrk, 64 connections, p50 43.97-44.02 ms on every endpoint, each worker half
    idle), fewer requests a second than one worker served (bench/README.md).
    """
    bound = config.bind_socket()
    listener = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    listener.set_inheritable(True)
    return listener


def sqlite_file(settings: Settings) -> Path | None:
    """The file of a SQLite database (None for PostgreSQL or an in-memory database)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _serving(settings: Settings) -> contextlib.AbstractContextManager[None]:
    """While a server or worker runs on a SQLite file, a restore refuses (kit/backups.py)."""
    path = sqlite_file(settings)
    return contextlib.nullcontext() if path is None else held_while_serving(path)


def serve(args: argparse.Namespace) -> int:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)  # the supervisor's lines too
    fresh_multiprocess_directory()
    if settings.should_auto_migrate:
        asyncio.run(_migrate(settings))
    with _serving(settings):
        return _serve(args, settings)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    config = uvicorn.Config(
        "habitual.app:served_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # The standard loop, not uvloop: with a saturated process uvloop served some
        # connections late (wrk against a handler that never yields: p50 87 ms, p99 1.37 s
        # and timeouts; with asyncio p50 91 ms, p99 94 ms, the same req/s).
        loop="asyncio",
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level=settings.log_level,
        # Our own logging (kit/logs.py, set up by served_app in each process): one access line
        # per request from kit/middleware.py, with the route template and the user, instead of
        # uvicorn's, which has the path and its query (a token may be in either).
        log_config=None,
        access_log=False,
    )
    with contextlib.suppress(KeyboardInterrupt):
        if config.workers > 1:
            Multiprocess(config, sockets=[tcp_listener(config)]).run()
            return 0
        # One process: asyncio binds the socket itself, from getaddrinfo, with proto 6.
        server = uvicorn.Server(config)
        server.run()
        if not server.started:
            return STARTUP_FAILURE
    return 0


def worker(args: argparse.Namespace) -> int:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    with _serving(settings):
        asyncio.run(run_worker(settings))
    return 0


def _on_sqlite(args: argparse.Namespace, work: Callable[[Path], str], postgres_tool: str) -> int:
    """Run a backup or restore `work` on the SQLite file of the settings, printing what it
    says; a PostgreSQL database is pointed to `postgres_tool` (exit status 2)."""
    path = sqlite_file(Settings())
    if path is None:
        print(
            f"error: `habitual {args.command}` is for a SQLite database; for PostgreSQL use "
            f"{postgres_tool} (docs/deployment.md, Backups)",
            file=sys.stderr,
        )
        return 2
    try:
        print(work(path))
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def backup_command(args: argparse.Namespace) -> int:
    def work(path: Path) -> str:
        backup(path, Path(args.path), overwrite=args.force)
        return f"backed up {path} to {args.path}"

    return _on_sqlite(args, work, "pg_dump")


def restore_command(args: argparse.Namespace) -> int:
    def work(path: Path) -> str:
        restore(Path(args.path), path)
        return f"restored {path} from {args.path}"

    return _on_sqlite(args, work, "pg_restore")


def migrate(args: argparse.Namespace) -> int:
    asyncio.run(_migrate(Settings()))
    print("database is at the newest migration")
    return 0


async def _reseal_secrets(settings: Settings) -> int:
    database = create_database(settings)
    try:
        async with database.unit() as uow:
            return await notification_service.reseal_secrets(uow, SecretBox.for_settings(settings))
    finally:
        await database.dispose()


def reseal_secrets(args: argparse.Namespace) -> int:
    try:
        resealed = asyncio.run(_reseal_secrets(Settings()))
    except UnreadableSecret:
        print(
            "error: a webhook secret opens with none of the keys (HABITUAL_SECRET_KEY, "
            "HABITUAL_PREVIOUS_SECRET_KEYS); nothing was changed",
            file=sys.stderr,
        )
        return 1
    print(f"{resealed} webhook secrets resealed under the current key")
    return 0


async def _create_admin(settings: Settings, body: AdminUserCreate) -> None:
    if settings.should_auto_migrate:
        await _migrate(settings)
    database = create_database(settings)
    try:
        async with database.unit() as uow:
            await user_service.create(
                uow,
                Passwords(settings),
                username=body.username,
                email=str(body.email),
                password=body.password,
                timezone=body.timezone,
                role=Role.admin,
            )
    finally:
        await database.dispose()


def create_admin(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password for the new admin: ")
        if getpass.getpass("Again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 1
    try:
        body = AdminUserCreate(username=args.username, email=args.email, password=password)
        asyncio.run(_create_admin(Settings(), body))
    except ValidationError as error:
        for issue in error.errors():
            print(f"error: {'.'.join(map(str, issue['loc']))}: {issue['msg']}", file=sys.stderr)
        return 1
    except HabitualError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 1
    print(f"admin {args.username!r} created")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="habitual",
        description="Habitual, a habit tracking backend. Configure with HABITUAL_* variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve_parser = commands.add_parser(
        "serve",
        help="serve the API (applies migrations first on SQLite)",
        description="Serve the HTTP API. On SQLite, pending migrations are applied first.",
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    serve_parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 8000),
        help="port to bind (the PORT variable that platforms set, else 8000)",
    )
    serve_parser.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    serve_parser.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-For is trusted for the client address (127.0.0.1)",
    )
    serve_parser.set_defaults(handler=serve)

    worker_parser = commands.add_parser(
        "worker",
        help="fire reminders and deliver notifications",
        description="Fire due reminders (into the in-app inbox) and deliver email and webhooks "
        "until SIGTERM, which finishes the batch in hand first. Run any number of them against "
        "PostgreSQL; they share the work. `serve` embeds one on SQLite.",
    )
    worker_parser.set_defaults(handler=worker)

    migrate_parser = commands.add_parser(
        "migrate",
        help="apply pending database migrations",
        description="Upgrade the database in HABITUAL_DATABASE_URL to the newest migration.",
    )
    migrate_parser.set_defaults(handler=migrate)

    reseal_parser = commands.add_parser(
        "reseal-secrets",
        help="seal webhook secrets under the current secret key (after a rotation)",
        description="Seal every webhook signing secret that is still sealed under one of "
        "HABITUAL_PREVIOUS_SECRET_KEYS under HABITUAL_SECRET_KEY instead, so that the previous "
        "key can be dropped.",
    )
    reseal_parser.set_defaults(handler=reseal_secrets)

    admin_parser = commands.add_parser(
        "create-admin",
        help="create an administrator account",
        description="Create an account with the admin role. Prompts for the password unless "
        "--password-stdin is given.",
    )
    admin_parser.add_argument("--username", required=True)
    admin_parser.add_argument("--email", required=True)
    admin_parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    admin_parser.set_defaults(handler=create_admin)

    backup_parser = commands.add_parser(
        "backup",
        help="copy the SQLite database, while it is in use, to PATH",
        description="Make a consistent copy of the SQLite database in HABITUAL_DATABASE_URL "
        "with SQLite's online backup API; servers and workers go on writing meanwhile. "
        "For PostgreSQL use pg_dump.",
    )
    backup_parser.add_argument("path", help="the file to write (0600)")
    backup_parser.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup_parser.set_defaults(handler=backup_command)

    restore_parser = commands.add_parser(
        "restore",
        help="put a backup made by `habitual backup` back as the SQLite database",
        description="Replace the SQLite database in HABITUAL_DATABASE_URL with the backup at "
        "PATH (checked first). Refuses while a server or worker runs on the database.",
    )
    restore_parser.add_argument("path", help="the backup to restore")
    restore_parser.set_defaults(handler=restore_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except ValidationError as error:  # the settings: refuse to start, saying why
        for issue in error.errors():
            print(f"error: {'.'.join(map(str, issue['loc']))}: {issue['msg']}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
