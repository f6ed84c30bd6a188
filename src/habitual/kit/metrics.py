"""The process's Prometheus metrics, and how `/metrics` reads them.

Several processes (uvicorn's workers, `habitual worker`) share one view when
`PROMETHEUS_MULTIPROC_DIR` names a directory they all write (prometheus-client's multiprocess
mode: each process keeps its values in a file there, and a scrape adds them up). That directory
must be empty when the first process starts; the unit files and the image give it a fresh one.
Without it, a scrape sees the process that answers it.

What is in the database rather than in a process (the outbox) is counted at scrape time by
the endpoint (health/endpoints.py), so any process tells the same.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# A route no router matched: one label for every such path, so a scan cannot grow the series.
UNMATCHED_ROUTE = "unmatched"

REQUESTS = Counter(
    "habitual_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
REQUEST_DURATION = Histogram(
    "habitual_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DELIVERIES = Counter(
    "habitual_deliveries",
    "Delivery attempts of notifications, by channel and outcome "
    "(delivered, retry: failed and queued again, dead: failed for good).",
    ["channel", "outcome"],
)
REMINDERS_FIRED = Counter(
    "habitual_reminders_fired",
    "Reminders that came due, by outcome (notified, or skipped: the habit was met already "
    "or not due that day).",
    ["outcome"],
)


class _Snapshot(Collector):
    """Gauges read from the database for one scrape."""

    def __init__(self, families: Iterable[GaugeMetricFamily]):
        self.families = list(families)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return self.families


def fresh_multiprocess_directory() -> Path | None:
    """Empty (or make) `PROMETHEUS_MULTIPROC_DIR` before a server's processes start: values a
    previous run left there would be added to this run's. None when it is not set."""
    named = os.environ.get(MULTIPROCESS_DIRECTORY)
    if not named:
        return None
    directory = Path(named)
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):  # prometheus-client's files, one per process and kind
        leftover.unlink(missing_ok=True)
    return directory


def exposition(database_gauges: Iterable[GaugeMetricFamily] = ()) -> bytes:
    """The text a scrape gets: this process's metrics (or every process's, in multiprocess
    mode), then the gauges read from the database."""
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    snapshot = CollectorRegistry()
    snapshot.register(_Snapshot(database_gauges))
    return text + generate_latest(snapshot)
