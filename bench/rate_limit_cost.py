"""What the rate-limit check costs the hot paths: wrk against `habitual serve` with it on and off.

    .venv/bin/python bench/rate_limit_cost.py                       # SQLite, memory counters
    .venv/bin/python bench/rate_limit_cost.py \
        --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        --redis-url redis://127.0.0.1:6379/0                        # PostgreSQL, Redis counters

One database of bench/generate.py (1,000 users by default) and one worker; for each round the
server starts with `HABITUAL_RATE_LIMIT_USER=off` (no counting, no headers) and with the
default, `600/minute`, which wrk's rotation over 1,000 users never reaches (every request
counted, its headers written; a Redis round trip only per reservation, habitual/auth/usage.py),
in alternating order (off-on, then on-off) because a shared machine drifts. Each endpoint gets
a warm-up and a measured wrk run (bench/habitual.lua, 64 connections); the table gives each
endpoint's mean req/s and worker CPU time per request, off and on, and the rounds' req/s (the
noise to read the change by).
Needs wrk. bench/instructions.py, run with the same two settings in the environment, counts
the instructions instead: the steadier measure on a busy machine (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from generate import SECRET_KEY, drop_database, generate
from load import BIN, HOST, LABELS, WRK_INSTALL, Load, clean_env, free_port, log, running, smoke

MODES = {"off": "off", "on": "600/minute"}


def serve_and_load(
    load: Load,
    database_url: str,
    redis_url: str | None,
    mode: str,
    endpoints: list[str],
    users_csv: Path,
    workdir: Path,
) -> dict[str, tuple[float, float]]:
    """Per endpoint: req/s, and the worker's CPU time per request in µs."""
    port = free_port()
    env = clean_env() | {
        "HABITUAL_DATABASE_URL": database_url,
        "HABITUAL_SECRET_KEY": SECRET_KEY,
        "HABITUAL_WORKER_EMBEDDED": "false",
        "HABITUAL_LOG_LEVEL": "warning",
        "HABITUAL_RATE_LIMIT_USER": MODES[mode],
    }
    if redis_url:
        env["HABITUAL_REDIS_URL"] = redis_url
        env["HABITUAL_REDIS_KEY_PREFIX"] = f"habitual-bench-{uuid.uuid4().hex[:8]}"
    command = [str(BIN / "habitual"), "serve", "--host", HOST, "--port", str(port)]
    base = f"http://{HOST}:{port}"
    nonce = uuid.uuid4().hex[:10]
    figures = {}
    with running([*command, "--workers", "1"], env, workdir, 1) as server:
        server.wait_ready(base + "/readyz")
        for endpoint in endpoints:
            smoke(base, users_csv, endpoint)
            figure = load.measure(
                f"{LABELS[endpoint]} ({mode})",
                1,
                base,
                (str(users_csv), endpoint, f"{nonce}-{endpoint}"),
                server_pids=server.worker_pids(),
            )
            if figure.failed:
                raise SystemExit(f"{endpoint} ({mode}): {figure.failed} requests failed")
            cpu_per_request = (figure.cpu.server if figure.cpu else 0.0) / figure.rps * 1e6
            figures[endpoint] = (figure.rps, cpu_per_request)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", help="PostgreSQL instead of SQLite (a scratch database)")
    parser.add_argument("--redis-url", help="count in Redis (HABITUAL_REDIS_URL)")
    parser.add_argument(
        "--limit",
        default=MODES["on"],
        help="the limit on (600/minute); one under 20 per window, such as 19/second, sends "
        "every request to the shared count (a reservation of one)",
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="off/on pairs (2)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (5)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up (1)")
    parser.add_argument(
        "--endpoints", default="today,habits,checkin", help="of habitual.lua (today,habits,checkin)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print(WRK_INSTALL, file=sys.stderr)
        return 2
    endpoints = args.endpoints.split(",")
    MODES["on"] = args.limit
    load = Load(args.duration, args.warmup, connections=64, threads=2)
    url = args.postgres_url or "sqlite"
    workdir = Path(tempfile.mkdtemp(prefix="habitual-rate-limit-"))
    runs: dict[str, dict[str, list[tuple[float, float]]]] = {
        mode: {endpoint: [] for endpoint in endpoints} for mode in MODES
    }
    try:
        log(f"generating {args.users:,} users on {url.split(':')[0]}")
        generated = asyncio.run(generate(url, args.users, workdir / "data", progress=False))
        try:
            for round_number in range(args.rounds):
                order = ["off", "on"] if round_number % 2 == 0 else ["on", "off"]
                for mode in order:
                    log(f"round {round_number + 1}, limit {mode}")
                    figures = serve_and_load(
                        load,
                        generated.database_url,
                        args.redis_url,
                        mode,
                        endpoints,
                        generated.users_csv,
                        workdir,
                    )
                    for endpoint, figure in figures.items():
                        runs[mode][endpoint].append(figure)
        finally:
            if generated.scratch is not None:
                asyncio.run(drop_database(url, generated.scratch))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    storage = "Redis" if args.redis_url else "memory"
    database = "PostgreSQL" if args.postgres_url else "SQLite"
    print(
        f"\n{database}, counters in {storage}, {args.users:,} users, one worker, "
        f"{args.rounds} rounds, limit {args.limit}"
    )
    print(
        "| endpoint | req/s off | req/s on | change | CPU µs/request off | CPU µs/request on "
        "| change | rounds (req/s off; on) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for endpoint in endpoints:
        off, on = runs["off"][endpoint], runs["on"][endpoint]
        rps_off, rps_on = (statistics.mean(rps for rps, _ in figures) for figures in (off, on))
        cpu_off, cpu_on = (statistics.mean(cpu for _, cpu in figures) for figures in (off, on))
        rounds = "; ".join(" / ".join(f"{rps:,.0f}" for rps, _ in figures) for figures in (off, on))
        print(
            f"| `{LABELS[endpoint]}` | {rps_off:,.0f} | {rps_on:,.0f} "
            f"| {rps_on / rps_off - 1:+.1%} | {cpu_off:,.0f} | {cpu_on:,.0f} "
            f"| {cpu_on / cpu_off - 1:+.1%} | {rounds} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
