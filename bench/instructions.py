"""Instructions per request of each hot path, counted by valgrind: the same figure on every run.

    .venv/bin/python bench/instructions.py                       # 1,000 users on SQLite
    .venv/bin/python bench/instructions.py today stats --requests 100
    .venv/bin/python bench/instructions.py --database postgresql+asyncpg://postgres@127.0.0.1/test

Wall-clock figures on a shared machine drift by half from one hour to the next (the same GET
/today measured 914 and 1,382 µs in-process within twenty minutes here); the number of
instructions a request executes does not (repeat runs agree within 0.1%). So this is the
measure to compare a change by; `load.py` is the one to report throughput with.

It fills a database with bench/generate.py (1,000 users, ten habits each, two years of
check-ins), then, for each endpoint, starts itself under `valgrind --tool=callgrind` with
instrumentation off, sends every user's request once to fill the process's caches (verified
tokens, rules, prepared statements), switches instrumentation on for `--requests` more, and
divides. Requests go straight to the ASGI app (no HTTP server, no network), so the figure is
the app's own work: routing, authentication, SQL through the driver, the logic, the answer.
SQLite's work is in the count; PostgreSQL's server is another process, outside it. System
calls are outside it too, so write paths (fsync, WAL writes) cost more time than it shows.
Needs valgrind (`apt-get install valgrind`); about 30 s per endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from generate import SECRET_KEY, drop_database, generate

from habitual.app import create_app
from habitual.config import Settings
from habitual.kit.logs import configure_logging
from habitual.kit.rawsql import RawConnection

BENCH = Path(__file__).resolve().parent
ENDPOINTS = (
    "livez",
    "today",
    "habits",
    "stats",
    "stats-first",
    "checkins",
    "checkin",
    "entries",
)
Message = MutableMapping[str, Any]
# The check-in list's range, as bench/load.py asks for it: the last 30 days.
THIRTY_DAYS_AGO = (datetime.now(UTC).date() - timedelta(days=29)).isoformat()


def request_for(endpoint: str, user: dict[str, str]) -> tuple[str, str, bytes, list[Any]]:
    """Method, path, body and headers of `endpoint` for one row of users.csv."""
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {user['token']}".encode())]
    method, body = "GET", b""
    path = {
        "livez": "/livez",
        "today": "/api/v1/today",
        "habits": "/api/v1/habits",
        "stats": f"/api/v1/habits/{user['stats']}/stats",
        # The first read of a habit's statistics: no kept carry (habitmath/carry.py).
        "stats-first": f"/api/v1/habits/{user['stats']}/stats",
        "checkins": f"/api/v1/habits/{user['stats']}/checkins?from={THIRTY_DAYS_AGO}",
        "checkin": f"/api/v1/habits/{user['boolean'].split()[0]}/checkins/today",
        "entries": f"/api/v1/habits/{user['measurable']}/entries",
    }[endpoint]
    if endpoint == "checkin":
        method, body = "PUT", b'{"status":"done"}'
    elif endpoint == "entries":
        method, body = "POST", b'{"value":100}'
        headers.append((b"idempotency-key", uuid.uuid4().hex.encode()))
    if body:
        headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(body)).encode()))
    return method, path, body, headers


async def call(app: Callable[..., Awaitable[None]], endpoint: str, user: dict[str, str]) -> int:
    """One request through the ASGI app; its status."""
    method, target, body, headers = request_for(endpoint, user)
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def outdate_carries(connection: RawConnection) -> None:
    await connection.execute("UPDATE habits SET history_version = history_version + 1")


def instrumentation(switch: str) -> None:
    subprocess.run(  # noqa: S603 - our own process
        ["callgrind_control", "-i", switch, str(os.getpid())],  # noqa: S607
        capture_output=True,
        check=True,
    )


LOGS_VARIABLE = "BENCH_LOGS"


async def measured(database_url: str, users_csv: Path, endpoint: str, requests: int) -> None:
    """Run inside valgrind: warm up on every user, then count `requests` more."""
    with users_csv.open(encoding="ascii") as handle:
        users = list(csv.DictReader(handle))
    # As served (`--logs json`, the default): the access line of each request rendered as JSON,
    # to /dev/null; `--logs off`: no access line at all (the metrics still count).
    logged = os.environ.get(LOGS_VARIABLE, "json") == "json"
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key=SECRET_KEY,
        worker_embedded=False,
        log_level="info" if logged else "warning",
        access_log=logged,
    )
    if logged:
        configure_logging("info", "json", stream=open(os.devnull, "w"))  # noqa: ASYNC230, SIM115
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for user in users:
            await call(app, endpoint, user)
        if endpoint == "stats-first":  # every carry outdated: each request reads all its days
            await app.state.runtime.database.raw.write(outdate_carries)
        instrumentation("on")
        statuses = [await call(app, endpoint, users[n % len(users)]) for n in range(requests)]
        instrumentation("off")
    failed = [status for status in statuses if status >= 300]
    if failed:
        raise SystemExit(f"{endpoint}: {len(failed)} answers were not 2xx, e.g. {failed[0]}")


def count(database_url: str, users_csv: Path, endpoint: str, requests: int) -> int:
    """Instructions per request of `endpoint`, from a run of this script under valgrind."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={scratch}/callgrind.out",
            sys.executable,
            str(Path(__file__).resolve()),
            "--measure",
            database_url,
            str(users_csv),
            endpoint,
            str(requests),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"Collected\s*:\s*([\d,]+)|I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or match is None:
        raise SystemExit(f"{endpoint}: valgrind failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return int((match[1] or match[2]).replace(",", "")) // requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoints", nargs="*", default=list(ENDPOINTS), help=" ".join(ENDPOINTS))
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200, help="counted per endpoint (200)")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (a scratch file) or a postgresql+asyncpg:// URL beside which a scratch "
        "database is made and dropped",
    )
    parser.add_argument(
        "--logs",
        choices=("json", "off"),
        default="json",
        help="json: each request's access line rendered as served (default); off: none",
    )
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        url, users_csv, endpoint, requests = sys.argv[2:6]
        asyncio.run(measured(url, Path(users_csv), endpoint, int(requests)))
        return
    args = parser.parse_args()
    os.environ[LOGS_VARIABLE] = args.logs  # read by the measured run, a child of valgrind
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    if "stats-first" in args.endpoints and args.requests > args.users:
        parser.error("stats-first needs --requests <= --users: each user's first read counts once")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind is not installed: sudo apt-get install valgrind")
    with tempfile.TemporaryDirectory(prefix="habitual-instructions-") as directory:
        generated = asyncio.run(generate(args.database, args.users, Path(directory)))
        try:
            print(f"{args.users:,} users on {args.database.split(':')[0].split('+')[0]}")
            print(f"{'endpoint':12} {'instructions per request':>26}")
            for endpoint in args.endpoints:
                figure = count(generated.database_url, generated.users_csv, endpoint, args.requests)
                print(f"{endpoint:12} {figure:>26,}", flush=True)
        finally:
            if generated.scratch is not None:
                asyncio.run(drop_database(args.database, generated.scratch))


if __name__ == "__main__":
    main()
