"""HTTP load on loopback: `habitual serve` with one and two workers, against two baselines.

    make bench-load                                      # SQLite; PostgreSQL too when
                                                         # HABITUAL_BENCH_POSTGRES_URL is set
    .venv/bin/python bench/load.py --sizes 1000 --duration 3       # a quick trial
    .venv/bin/python bench/load.py --databases postgresql \
        --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

For each database and size, bench/generate.py fills a fresh database (a SQLite file in a
temporary directory, or a scratch PostgreSQL database beside the URL, dropped afterwards), then
`habitual serve --workers N` runs on 127.0.0.1 and wrk loads six endpoints through
bench/habitual.lua, rotating through the tokens and habits of the active users (`--active-users`,
1,000 spread over all of them: every size gets the same mix of work). The baselines
(bench/baselines.py: a bare ASGI app and a FastAPI endpoint with a response model) run first
under the same uvicorn, with the same wrk settings. Each figure is printed and written to
bench/RESULTS.md with its ratio to the FastAPI baseline, the workers' peak RSS, and whether
each target of the issue is met. Needs wrk (`apt-get install wrk`, `brew install wrk`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from generate import SECRET_KEY, Generated, drop_database, generate
from sqlalchemy import make_url

BENCH = Path(__file__).resolve().parent
LUA = BENCH / "habitual.lua"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
WRK = shutil.which("wrk") or "wrk"
FASTAPI_BASELINE = "FastAPI + response model"
BARE_BASELINE = "bare ASGI"

# (name in habitual.lua, label); the order they run in against one server.
ENDPOINTS = (
    ("today", "GET /today"),
    ("habits", "GET /habits"),
    ("stats", "GET /habits/{id}/stats"),
    ("checkins", "GET /habits/{id}/checkins (30 days)"),
    ("checkin", "PUT /habits/{id}/checkins/today"),
    ("entries", "POST /habits/{id}/entries"),
)
LABELS = dict(ENDPOINTS)
DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

WRK_INSTALL = """\
wrk is not installed; the load bench needs it:
    Debian/Ubuntu:  sudo apt-get install wrk
    Fedora:         sudo dnf install wrk
    macOS:          brew install wrk
    from source:    git clone https://github.com/wg/wrk && make -C wrk  (put wrk on PATH)"""


@dataclass
class Figure:
    """One wrk run."""

    label: str
    workers: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int  # non-2xx/3xx answers and socket errors
    cpu: Cpu | None = None  # cores busy during the measured run
    ratio: float | None = None  # to the FastAPI baseline's req/s


@dataclass
class Cpu:
    """Cores busy on average during a run: the server's processes, PostgreSQL's, wrk and the
    whole machine (all processes, the kernel included)."""

    server: float
    database: float
    wrk: float
    machine: float

    def text(self) -> str:
        return f"{self.server:.2f} / {self.database:.2f} / {self.wrk:.2f} / {self.machine:.2f}"


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User and system CPU time of `pids` so far (those that have gone count nothing)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
    return pids


def machine_busy_seconds() -> float:
    """All CPU time the machine spent not idle, summed over its cores."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / TICKS


class CpuMeter:
    """CPU time used between `__init__` and `stop()`, by whom."""

    def __init__(self, server_pids: Sequence[int]):
        self.server_pids = list(server_pids)
        self.database_pids = postgres_pids()
        self.began = time.monotonic()
        self.server = cpu_seconds(self.server_pids)
        self.database = cpu_seconds(self.database_pids)
        self.children = _children_seconds()
        self.machine = machine_busy_seconds()

    def stop(self) -> Cpu:
        wall = time.monotonic() - self.began
        return Cpu(
            server=(cpu_seconds(self.server_pids) - self.server) / wall,
            database=(cpu_seconds(self.database_pids) - self.database) / wall,
            wrk=(_children_seconds() - self.children) / wall,
            machine=(machine_busy_seconds() - self.machine) / wall,
        )


def _children_seconds() -> float:
    """CPU time of our children that have ended and been waited for: the wrk runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Section:
    """One database at one size."""

    database: str
    users: int
    detail: str = ""
    figures: list[Figure] = field(default_factory=list)
    peak_rss_mib: dict[int, list[float]] = field(default_factory=dict)  # workers: per worker
    # The FastAPI baseline run just before and just after each block of runs (by workers): the
    # block's ratios are to their mean, so a machine whose speed drifts skews them less.
    baselines: dict[int, tuple[Figure, Figure]] = field(default_factory=dict)

    def figure(self, endpoint: str, workers: int) -> Figure | None:
        label = LABELS[endpoint]
        return next((f for f in self.figures if f.label == label and f.workers == workers), None)


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    """req/s, p50 and p99 in ms, requests, and failures from `wrk --latency` output."""

    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if match is None:
            raise ValueError(f"no {percent}% latency in wrk's output:\n{output}")
        return float(match[1]) * _UNITS_MS[match[2]]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    if rps is None or total is None:
        raise ValueError(f"unexpected wrk output:\n{output}")
    failed = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        failed += int(non_2xx[1])
    if errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        failed += sum(int(n) for n in errors.groups())
    return float(rps[1]), latency("50"), latency("99"), int(total[1]), failed


@dataclass
class Load:
    duration: int
    warmup: int
    connections: int
    threads: int
    loadavg: str = field(
        default_factory=lambda: " ".join(Path("/proc/loadavg").read_text().split()[:3])
    )

    def wrk(self, url: str, seconds: int, script_args: Sequence[str] = ()) -> str:
        command = [WRK, f"-t{self.threads}", f"-c{self.connections}", f"-d{seconds}s"]
        command += ["--timeout", "10s", "--latency"]
        if script_args:
            command += ["-s", str(LUA), url, "--", *script_args, str(self.threads)]
        else:
            command.append(url)
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        return done.stdout

    def measure(
        self,
        label: str,
        workers: int,
        url: str,
        script_args: Sequence[str] = (),
        server_pids: Sequence[int] = (),
    ) -> Figure:
        # A fresh nonce per wrk run: the measured run must not replay the warm-up's keys.
        def fresh(run: str) -> list[str]:
            return [*script_args[:2], f"{script_args[2]}-{run}"] if script_args else []

        if self.warmup > 0:
            self.wrk(url, self.warmup, fresh("warm-up"))
        meter = CpuMeter(server_pids)
        output = self.wrk(url, self.duration, fresh("measured"))
        cpu = meter.stop()
        rps, p50, p99, requests, failed = parse_wrk(output)
        figure = Figure(label, workers, rps, p50, p99, requests, failed, cpu)
        note = f", {failed} FAILED" if failed else ""
        log(
            f"  {label:32} {workers} worker{'s' if workers > 1 else ' '} "
            f"{rps:9,.0f} req/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  cores {cpu.text()}{note}"
        )
        return figure


class Server:
    """A process tree started by us, stopped with SIGTERM (SIGKILL if it lingers)."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, workers: int):
        self.workers = workers
        self.logfile = (cwd / f"server-{uuid.uuid4().hex[:6]}.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            command,
            env=env,
            cwd=cwd,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker_pids(self) -> list[int]:
        """The processes that serve: the one we started, or its spawned uvicorn workers."""
        if self.workers == 1:
            return [self.process.pid]
        pids = []
        for children in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pids += [int(pid) for pid in children.read_text().split()]
        workers = []
        for pid in pids:
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                    workers.append(pid)
        return workers

    def wait_ready(self, url: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}); see its log")
            if len(self.worker_pids()) >= self.workers:
                with (
                    contextlib.suppress(OSError, urllib.error.URLError),
                    urllib.request.urlopen(url, timeout=2) as answer,  # noqa: S310 - loopback
                ):
                    if answer.status == 200:
                        time.sleep(0.5 if self.workers == 1 else 2.0)  # let all workers settle
                        return
            time.sleep(0.2)
        raise RuntimeError(f"{url} not ready after {timeout:.0f} s")

    def peak_rss_mib(self) -> list[float]:
        """VmHWM of each serving process, MiB."""
        peaks = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                if match := re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE):
                    peaks.append(int(match[1]) / 1024)
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only its tree
                self.process.wait()
        self.logfile.close()


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], cwd: Path, workers: int) -> Iterator[Server]:
    server = Server(command, env, cwd, workers)
    try:
        yield server
    except BaseException:
        server.logfile.flush()
        tail = Path(server.logfile.name).read_text()[-3000:]
        if tail.strip():
            print(f"--- server log (tail) ---\n{tail}\n---", file=sys.stderr)
        raise
    finally:
        server.stop()


def clean_env() -> dict[str, str]:
    """The environment without any HABITUAL_* setting of the caller's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HABITUAL_")}


BASELINE_APPS = {
    BARE_BASELINE: ("baselines:bare", "/"),
    FASTAPI_BASELINE: ("baselines:fastapi_app", "/item"),
}


def run_baselines(
    load: Load, workdir: Path, labels: Sequence[str] = tuple(BASELINE_APPS)
) -> list[Figure]:
    figures = []
    for label in labels:
        app, path = BASELINE_APPS[label]
        port = free_port()
        command = [str(BIN / "python"), "-m", "uvicorn", app, "--app-dir", str(BENCH)]
        command += ["--host", HOST, "--port", str(port), "--workers", "1"]
        # The event loop `habitual serve` runs on (cli.py): the ceiling under the same server.
        # On uvloop the FastAPI baseline did ~4% more req/s here, with a p99 of 128 ms against 22.
        command += ["--loop", "asyncio", "--log-level", "warning"]
        url = f"http://{HOST}:{port}{path}"
        with running(command, clean_env(), workdir, 1) as server:
            server.wait_ready(url)
            figures.append(load.measure(label, 1, url, server_pids=server.worker_pids()))
    return figures


def thirty_days_ago() -> str:
    """`from` of the check-in list's range, as habitual.lua computes it: 29 days before today
    (UTC), so the range holds 30 days and about 24 check-ins of the two-year habit."""
    return (datetime.now(UTC).date() - timedelta(days=29)).isoformat()


def smoke(base: str, users_csv: Path, endpoint: str) -> None:
    """One request of the kind wrk will send, which must succeed (else the figures lie)."""
    with users_csv.open(encoding="ascii") as handle:
        handle.readline()
        _, token, _, boolean, measurable, stats = handle.readline().strip().split(",")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    method, path, body = "GET", "/api/v1/today", None
    if endpoint == "checkin":
        method, body = "PUT", b'{"status":"done"}'
        path = f"/api/v1/habits/{boolean.split()[0]}/checkins/today"
    elif endpoint == "entries":
        method, body = "POST", b'{"value":100}'
        path = f"/api/v1/habits/{measurable}/entries"
        headers["Idempotency-Key"] = f"smoke-{uuid.uuid4().hex}"
    elif endpoint == "habits":
        path = "/api/v1/habits"
    elif endpoint == "stats":
        path = f"/api/v1/habits/{stats}/stats"
    elif endpoint == "checkins":
        path = f"/api/v1/habits/{stats}/checkins?from={thirty_days_ago()}"
    request = urllib.request.Request(  # noqa: S310 - loopback
        base + path, data=body, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            answer.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(
            f"{method} {path} answered {error.code}: {error.read()[:500]!r}"
        ) from None


def active_users(users_csv: Path, count: int, out: Path) -> Path:
    """A users.csv of `count` users spread evenly over all of `users_csv` (all when 0 or more).

    wrk rotates through the users it is given. At 10,000 users a 12-second run reaches each
    user about once, at 1,000 about ten times, so an all-users rotation compares different
    work: almost every request a user's first in the worker (its token decoded, its rules
    built), and PUT an insert where at 1,000 users it is mostly an update of today's row. The
    same active users at every size make the database's size the one thing that changes
    (bench/README.md has both measured).
    """
    lines = users_csv.read_text(encoding="ascii").splitlines()
    header, users = lines[0], lines[1:]
    if count <= 0 or count >= len(users):
        return users_csv
    step = len(users) / count
    picked = [users[int(n * step)] for n in range(count)]
    active = out / f"active-{count}.csv"
    active.write_text("\n".join([header, *picked]) + "\n", encoding="ascii")
    return active


def run_habitual(
    load: Load,
    generated: Generated,
    workers: int,
    workdir: Path,
    section: Section,
    users_csv: Path,
) -> None:
    port = free_port()
    env = clean_env() | {
        "HABITUAL_DATABASE_URL": generated.database_url,
        "HABITUAL_SECRET_KEY": SECRET_KEY,
        "HABITUAL_WORKER_EMBEDDED": "false",
        "HABITUAL_LOG_LEVEL": "warning",  # uvicorn's access log is info: off
    }
    command = [str(BIN / "habitual"), "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers)]
    base = f"http://{HOST}:{port}"
    nonce = uuid.uuid4().hex[:10]
    with running(command, env, workdir, workers) as server:
        server.wait_ready(base + "/readyz")
        for endpoint, label in ENDPOINTS:
            smoke(base, users_csv, endpoint)
            figure = load.measure(
                label,
                workers,
                base,
                (str(users_csv), endpoint, f"{nonce}-{endpoint}"),
                server_pids=[server.process.pid, *server.worker_pids()]
                if workers > 1
                else server.worker_pids(),
            )
            section.figures.append(figure)
        section.peak_rss_mib[workers] = server.peak_rss_mib()
    peaks = ", ".join(f"{mib:.0f}" for mib in section.peak_rss_mib[workers])
    log(f"  peak RSS per worker ({workers} worker{'s' if workers > 1 else ''}): {peaks} MiB")


async def postgres_version(url: str) -> str:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        return str(await connection.fetchval("SHOW server_version")).split()[0]
    finally:
        await connection.close()


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text()
    total = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
    memory = f"{int(total[1]) / 1024 / 1024:.1f} GiB" if total else "? GiB"
    model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    cores = len(os.sched_getaffinity(0))
    cpu = f", {model[1].strip()}" if model else ""
    return f"{cores} cores{cpu}, {memory} memory, Linux {platform.release()}"


def wrk_version() -> str:
    done = subprocess.run([WRK, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    first = (done.stdout or done.stderr).split("\n")[0]
    return first.split(" Copyright")[0].strip()


# -- results -------------------------------------------------------------------------------


def ratio_text(figure: Figure) -> str:
    return f"{figure.ratio:.0%}" if figure.ratio is not None else "-"


def figure_row(figure: Figure) -> str:
    failed = f"{figure.failed:,}" if figure.failed else "0"
    cores = figure.cpu.text() if figure.cpu else "-"
    return (
        f"| {figure.label} | {figure.workers} | {figure.rps:,.0f} | {figure.p50_ms:.2f} | "
        f"{figure.p99_ms:.2f} | {ratio_text(figure)} | {cores} | {failed} |"
    )


TABLE_HEAD = (
    "| endpoint | workers | req/s | p50 ms | p99 ms | of FastAPI baseline "
    "| cores: server / PostgreSQL / wrk / machine | failed |\n"
    "|---|---|---|---|---|---|---|---|"
)


def targets(sections: list[Section], baseline: float) -> list[tuple[str, str, bool | None]]:
    """(target, the figures, met) for every target of the issue that the run can judge."""
    rows: list[tuple[str, str, bool | None]] = []
    for section in sections:
        where = f"{DATABASE_LABELS[section.database]}, {section.users:,} users"
        for endpoint in ("checkin", "today"):
            figure = section.figure(endpoint, 1)
            if figure is None:
                continue
            met = (figure.ratio or 0) >= 0.35 and figure.p99_ms < 50 and not figure.failed
            rows.append(
                (
                    f"{figure.label} ≥ 35% of baseline, p99 < 50 ms ({where})",
                    f"{ratio_text(figure)} ({figure.rps:,.0f} req/s), p99 {figure.p99_ms:.1f} ms",
                    met,
                )
            )
        if (stats := section.figure("stats", 1)) is not None:
            rows.append(
                (
                    f"{stats.label} (two years) ≥ 15% of baseline ({where})",
                    f"{ratio_text(stats)} ({stats.rps:,.0f} req/s)",
                    (stats.ratio or 0) >= 0.15 and not stats.failed,
                )
            )
    by_database: dict[str, list[Section]] = {}
    for section in sections:
        by_database.setdefault(section.database, []).append(section)
    for database, group in by_database.items():
        small = next((s for s in group if s.users == 1000), None)
        large = next((s for s in group if s.users == 10_000), None)
        label = DATABASE_LABELS[database]
        if small is None or large is None:
            rows.append(
                (f"1,000 → 10,000 users: no hot path > 20% slower ({label})", "not measured", None)
            )
            continue
        for endpoint, _ in ENDPOINTS:
            before, after = small.figure(endpoint, 1), large.figure(endpoint, 1)
            if before is None or after is None:
                continue
            change = after.rps / before.rps - 1
            steady = (after.ratio or 0) / (before.ratio or 1) - 1  # each to its own baseline
            rows.append(
                (
                    f"{before.label}: 1,000 → 10,000 users ≤ 20% slower ({label})",
                    f"{before.rps:,.0f} → {after.rps:,.0f} req/s ({change:+.0%}); "
                    f"to the adjacent baselines {ratio_text(before)} → {ratio_text(after)} "
                    f"({steady:+.0%})",
                    steady >= -0.20,
                )
            )
    for section in sections:
        if section.database != "postgresql":
            continue
        for endpoint, _ in ENDPOINTS:
            one, two = section.figure(endpoint, 1), section.figure(endpoint, 2)
            if one is None or two is None:
                continue
            scale = two.rps / one.rps
            steady = (two.ratio or 0) / (one.ratio or 1)  # each to its own baseline
            cores = f"; cores busy with 1 worker {one.cpu.machine:.2f}" if one.cpu else ""
            rows.append(
                (
                    f"{one.label}: 2 workers ≥ 1.6x 1 worker (PostgreSQL, {section.users:,} users)",
                    f"{one.rps:,.0f} → {two.rps:,.0f} req/s ({scale:.2f}x; {steady:.2f}x to "
                    f"the adjacent baselines){cores}",
                    steady >= 1.6,
                )
            )
    for section in sections:
        single = section.peak_rss_mib.get(1)
        if single:
            where = f"{DATABASE_LABELS[section.database]}, {section.users:,} users"
            everyone = max(max(peaks) for peaks in section.peak_rss_mib.values() if peaks)
            rows.append(
                (
                    f"peak RSS of one worker < 150 MB ({where})",
                    f"{max(single):.0f} MiB with 1 worker; {everyone:.0f} MiB the most of any "
                    "worker",
                    max(single) * 1.048576 < 150,
                )
            )
    return rows


def report(
    started: datetime,
    elapsed: float,
    load: Load,
    baselines: list[Figure],
    sections: list[Section],
    command: str,
) -> str:
    baseline = next(f.rps for f in baselines if f.label == FASTAPI_BASELINE)
    lines = [
        "# Load benchmark results",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {machine()}; Python "
        f"{platform.python_version()}, {wrk_version()}. Loopback, wrk `-t{load.threads} "
        f"-c{load.connections} -d{load.duration}s` after a {load.warmup} s warm-up per endpoint. "
        f"Load average at the start: {load.loadavg}. The whole run took {elapsed / 60:.1f} min.",
        "",
        f"Command: `{command}`",
        "",
        "Ratios are to the mean req/s of the FastAPI baseline run just before and just after "
        "each block of runs (one database, size and worker count; their rows, in italics, "
        "frame the block), since this machine's speed drifts within minutes. The targets' "
        "comparisons between sizes and worker counts are made on these ratios too. "
        "`failed`: non-2xx answers and socket "
        "errors (must be 0). Peak RSS is each serving process's VmHWM after all its runs. "
        "`cores`: CPU time during the measured run over its length, of the serving "
        "processes, of all PostgreSQL processes, of wrk, and of the whole machine (all "
        f"processes and the kernel; it has {os.cpu_count()} cores).",
        "",
        "## Baselines (one uvicorn worker)",
        "",
        TABLE_HEAD,
        *(figure_row(f) for f in baselines),
    ]
    for section in sections:
        lines += [
            "",
            f"## {DATABASE_LABELS[section.database]}, {section.users:,} users",
            "",
            section.detail,
            "",
            TABLE_HEAD,
        ]
        for workers in sorted(section.baselines):
            before, after = section.baselines[workers]
            lines.append(figure_row(replace(before, ratio=None, label=f"*{before.label}, before*")))
            lines += [figure_row(f) for f in section.figures if f.workers == workers]
            lines.append(figure_row(replace(after, ratio=None, label=f"*{after.label}, after*")))
        lines.append("")
        for workers, peaks in sorted(section.peak_rss_mib.items()):
            each = ", ".join(f"{mib:.0f}" for mib in peaks)
            lines.append(
                f"- Peak RSS, {workers} worker{'s' if workers > 1 else ''}: {each} MiB "
                f"(max {max(peaks, default=0):.0f} MiB)"
            )
    lines += ["", "## Targets (one worker, 64 connections unless stated)", ""]
    lines += ["| target | measured | |", "|---|---|---|"]
    for target, measured, met in targets(sections, baseline):
        verdict = "-" if met is None else ("pass" if met else "**miss**")
        lines.append(f"| {target} | {measured} | {verdict} |")
    return "\n".join(lines) + "\n"


# -- main ----------------------------------------------------------------------------------


def estimate_minutes(args: argparse.Namespace, databases: list[str]) -> float:
    per_server = 4 + len(ENDPOINTS) * (args.warmup + args.duration + 0.5)
    servers = len(databases) * len(args.sizes) * len(args.workers)
    generation = sum(8 * size / 1000 for size in args.sizes) * len(databases)
    baselines = (2 + 2 * servers) * (args.warmup + args.duration + 3)
    return (servers * per_server + generation + baselines) / 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])

    def numbers(text: str) -> list[int]:
        return [int(item) for item in text.split(",") if item]

    parser.add_argument("--sizes", type=numbers, default=[1000, 10_000], help="1000,10000")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per run (2)")
    parser.add_argument(
        "--databases",
        default=None,
        help="sqlite,postgresql (default: sqlite, and postgresql when a URL is given)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("HABITUAL_BENCH_POSTGRES_URL"),
        help="a postgresql+asyncpg:// URL; scratch databases are created beside it "
        "(default: $HABITUAL_BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--workers", type=numbers, default=[1, 2], help="1,2")
    parser.add_argument(
        "--active-users",
        type=int,
        default=1000,
        help="users wrk rotates through, spread over all of them; 0: every user (1000)",
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        print(WRK_INSTALL, file=sys.stderr)
        return 2
    databases = (args.databases or "sqlite,postgresql").split(",")
    if args.databases is None and not args.postgres_url:
        databases = ["sqlite"]
        log("PostgreSQL skipped: set HABITUAL_BENCH_POSTGRES_URL (or --postgres-url) for it")
    if "postgresql" in databases and not args.postgres_url:
        parser.error("--databases postgresql needs --postgres-url or HABITUAL_BENCH_POSTGRES_URL")
    unknown = set(databases) - set(DATABASE_LABELS)
    if unknown:
        parser.error(f"unknown database {', '.join(sorted(unknown))}")

    load = Load(args.duration, args.warmup, args.connections, args.threads)
    started, began = datetime.now(UTC), time.monotonic()
    log(
        f"{', '.join(databases)}; {args.sizes} users; workers {args.workers}: "
        f"about {estimate_minutes(args, databases):.0f} min"
    )
    workdir = Path(tempfile.mkdtemp(prefix="habitual-load-"))
    sections: list[Section] = []
    try:
        log("baselines")
        baselines = run_baselines(load, workdir)
        fastapi_rps = next(f.rps for f in baselines if f.label == FASTAPI_BASELINE)
        for figure in baselines:
            figure.ratio = figure.rps / fastapi_rps
        for database in databases:
            url = "sqlite" if database == "sqlite" else args.postgres_url
            detail = ""
            if database == "postgresql":
                detail = f"PostgreSQL {asyncio.run(postgres_version(url))}. "
            for size in args.sizes:
                log(f"{DATABASE_LABELS[database]}, {size:,} users: generating")
                out = workdir / f"{database}-{size}"
                generated = asyncio.run(generate(url, size, out))
                counts = generated.counts
                log(
                    f"  {counts['users']:,} users, {counts['habits']:,} habits, "
                    f"{counts['checkins']:,} check-ins in {generated.seconds:.0f} s"
                )
                section = Section(
                    database,
                    size,
                    detail + f"{counts['habits']:,} habits, {counts['checkins']:,} check-ins "
                    f"({counts['checkins'] / counts['users']:.0f} per user), generated in "
                    f"{generated.seconds:.0f} s.",
                )
                sections.append(section)
                users_csv = active_users(generated.users_csv, args.active_users, out)
                if users_csv != generated.users_csv:
                    section.detail += (
                        f" wrk rotates through {args.active_users:,} of the users, "
                        "spread over all of them."
                    )
                try:
                    for workers in args.workers:
                        log(f"{DATABASE_LABELS[database]}, {size:,} users, {workers} worker(s)")
                        (before,) = run_baselines(load, workdir, [FASTAPI_BASELINE])
                        run_habitual(load, generated, workers, out, section, users_csv)
                        (after,) = run_baselines(load, workdir, [FASTAPI_BASELINE])
                        section.baselines[workers] = (before, after)
                        adjacent = (before.rps + after.rps) / 2
                        for figure in section.figures:
                            if figure.workers == workers:
                                figure.ratio = figure.rps / adjacent
                finally:
                    if generated.scratch is not None:
                        asyncio.run(drop_database(url, generated.scratch))
                    shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    elapsed = time.monotonic() - began
    command = "python bench/load.py " + " ".join(sys.argv[1:])
    text = report(started, elapsed, load, baselines, sections, command.strip())
    args.output.write_text(text, encoding="utf-8")
    print()
    print(text)
    log(f"written to {args.output} ({elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
