"""Logs, metrics and traces: the access line's shape, X-Request-ID, /metrics and its token,
the worker's counters, OpenTelemetry spans to a real OTLP/HTTP receiver, and a served process
pair whose counts add up across workers."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from habitual.app import create_app
from habitual.jobs.worker import Worker
from habitual.kit import logs
from habitual.kit.clock import utcnow
from habitual.models import Channel, Delivery
from tests.factories import API, create_habit
from tests.notifications.conftest import (  # noqa: F401 (smtp_server: a fixture)
    Clock,
    WebhookReceiver,
    configured,
    notify_user,
    smtp_server,
)
from tests.test_cli import cli_environment, free_port, habitual

METRICS_TOKEN = "metrics-secret-" + "m" * 20
ACCESS_KEYS = {
    "event",
    "logger",
    "level",
    "time",
    "method",
    "route",
    "status",
    "duration_ms",
    "request_id",
    "user_id",
}


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Every log line of the test, as configure_logging writes it in production (JSON)."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    logs.configure_logging("info", "json", stream=stream)
    try:
        yield stream
    finally:
        logs.reset_logging()
        root.setLevel(level)


def lines_of(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def access_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in lines_of(stream) if line["logger"] == "habitual.access"]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Each sample of a Prometheus exposition, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


# --- the access line and the request id -------------------------------------------------------


async def test_one_json_access_line_per_request_with_the_route_template_and_user(
    client, accounts, json_logs
):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Read")
    json_logs.truncate(0)
    json_logs.seek(0)

    response = await client.get(
        f"{API}/habits/{habit['id']}?note=private-query-value",
        headers=alice.auth | {"X-Request-ID": "req-4f2a"},
    )

    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-4f2a"
    (line,) = access_lines(json_logs)
    assert set(line) == ACCESS_KEYS
    assert line["event"] == "request"
    assert line["level"] == "info"
    assert (line["method"], line["route"], line["status"]) == (
        "GET",
        f"{API}/habits/{{habit_id}}",
        200,
    )
    assert (line["request_id"], line["user_id"]) == ("req-4f2a", alice.id)
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    written = json_logs.getvalue()
    for secret in (alice.access_token, alice.password, "private-query-value"):
        assert secret not in written
    assert f"/habits/{habit['id']}" not in written


async def test_a_login_line_carries_neither_the_password_nor_the_tokens(
    client, accounts, json_logs
):
    alice = await accounts.create()
    response = await client.post(
        f"{API}/auth/login", json={"username": alice.username, "password": alice.password}
    )
    assert response.status_code == 200
    written = json_logs.getvalue()
    assert alice.password not in written
    assert response.json()["access_token"] not in written
    line = [line for line in access_lines(json_logs) if line["route"] == f"{API}/auth/login"][-1]
    assert (line["method"], line["status"], line["user_id"]) == ("POST", 200, None)


async def test_an_unmatched_path_is_one_label_and_an_anonymous_request_has_no_user(
    client, json_logs
):
    response = await client.get("/calendar/secret-token-in-the-path.ics")
    assert response.status_code == 404
    (line,) = access_lines(json_logs)
    assert (line["route"], line["status"], line["user_id"]) == ("unmatched", 404, None)
    assert "secret-token-in-the-path" not in json_logs.getvalue()


@pytest.mark.parametrize(
    "sent",
    [None, "has spaces in it", "x" * 129, 'quote"d', "new\nline"],
    ids=["absent", "spaces", "too-long", "quote", "newline"],
)
async def test_a_missing_or_unsafe_request_id_is_replaced_by_a_fresh_one(client, sent, json_logs):
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = await client.get("/livez", headers=headers)
    second = await client.get("/livez", headers=headers)
    made = first.headers["x-request-id"]
    assert len(made) == 32
    assert int(made, 16) >= 0
    assert second.headers["x-request-id"] != made
    assert [line["request_id"] for line in access_lines(json_logs)] == [
        made,
        second.headers["x-request-id"],
    ]


async def test_the_request_id_is_on_every_line_logged_during_the_request(app_factory, json_logs):
    # An unreachable Redis for the rate limits logs a warning in the request that counts.
    async with app_factory(redis_url="redis://127.0.0.1:1/0") as other:
        response = await other.get(f"{API}/habits", headers={"X-Request-ID": "trace-me"})
    assert response.status_code in (401, 503)
    assert {line["request_id"] for line in lines_of(json_logs) if "request_id" in line} == {
        "trace-me"
    }


async def test_the_access_line_can_be_turned_off_and_the_metrics_still_count(
    app_factory, json_logs
):
    async with app_factory(access_log=False, metrics_token=METRICS_TOKEN) as other:
        await other.get("/livez")
        scraped = await other.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert access_lines(json_logs) == []
    assert (
        value(
            scraped.text, "habitual_http_requests_total", method="GET", route="/livez", status="200"
        )
        >= 1
    )


# --- /metrics ---------------------------------------------------------------------------------


async def test_metrics_is_not_served_without_a_token_configured(client):
    response = await client.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_metrics_refuses_a_missing_or_wrong_token_and_a_users_token(app_factory, accounts):
    alice = await accounts.create()
    async with app_factory(metrics_token=METRICS_TOKEN) as other:
        missing = await other.get("/metrics")
        wrong = await other.get("/metrics", headers={"Authorization": "Bearer not-it"})
        users = await other.get("/metrics", headers=alice.auth)
        basic = await other.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
    for response in (missing, wrong, users, basic):
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "habitual_http_requests" not in response.text


async def test_metrics_counts_requests_by_template_and_reads_the_outbox(
    app_factory, accounts, runtime
):
    alice = await accounts.create()
    await notify_user(runtime, alice.id, Channel.email, count=2)
    async with runtime.database.writer() as session, session.begin():
        waited = (
            await session.execute(
                update(Delivery).values(next_attempt_at=utcnow() - timedelta(hours=1))
            )
        ).rowcount
    assert waited == 2
    auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    async with app_factory(metrics_token=METRICS_TOKEN) as other:
        before = (await other.get("/metrics", headers=auth)).text
        for habit_id in (1, 2, 3):  # three paths, one template
            await other.get(f"{API}/habits/{habit_id}", headers=alice.auth)
        response = await other.get("/metrics", headers=auth)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    after = response.text
    labels = {"method": "GET", "route": f"{API}/habits/{{habit_id}}", "status": "404"}
    assert (
        value(after, "habitual_http_requests_total", **labels)
        - value(before, "habitual_http_requests_total", **labels)
        == 3
    )
    timed = {"method": "GET", "route": f"{API}/habits/{{habit_id}}"}
    assert (
        value(after, "habitual_http_request_duration_seconds_count", **timed)
        - value(before, "habitual_http_request_duration_seconds_count", **timed)
        == 3
    )
    assert not any(f"{API}/habits/1" in name for name in after.splitlines() if "route=" in name)
    assert value(after, "habitual_notification_deliveries", channel="email", state="pending") == 2
    assert 3600 <= value(after, "habitual_outbox_lag_seconds") < 3700


async def test_the_worker_counts_deliveries_by_channel_and_outcome(
    app_factory,
    accounts,
    runtime,
    settings,
    smtp_server,  # noqa: F811 (the fixture)
):
    alice = await accounts.create()
    await accounts.verify_email(alice.id)
    auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    async with app_factory(metrics_token=METRICS_TOKEN) as other:
        before = (await other.get("/metrics", headers=auth)).text
        await notify_user(runtime, alice.id, Channel.email)
        async with Worker(runtime.database, smtp_server.settings(settings), clock=Clock()) as w:
            assert await w.run_once() == 1
        await notify_user(runtime, alice.id, Channel.email)
        nothing_listens = configured(settings, smtp_host="127.0.0.1", smtp_port=free_port())
        async with Worker(runtime.database, nothing_listens, clock=Clock()) as w:
            assert await w.run_once() == 1
        after = (await other.get("/metrics", headers=auth)).text

    for outcome in ("delivered", "retry"):
        labels = {"channel": "email", "outcome": outcome}
        grown = value(after, "habitual_deliveries_total", **labels) - value(
            before, "habitual_deliveries_total", **labels
        )
        assert grown == 1, outcome
    assert value(after, "habitual_notification_deliveries", channel="email", state="pending") == 1


async def test_the_worker_counts_reminders_notified_and_skipped(
    client, accounts, runtime, settings, frozen_clock
):
    from habitual.kit import metrics
    from tests.reminders.test_reminder_firing import check_in, create_reminder, utc

    owner = await accounts.create(timezone="America/New_York")
    frozen_clock(utc("2026-06-15T12:00:00"))  # Monday 08:00 in New York
    met = await create_habit(client, owner, name="Met already")
    waiting = await create_habit(client, owner, name="Still to do")
    for habit in (met, waiting):
        await create_reminder(client, owner, habit, time="20:00")
    await check_in(client, owner, met, "2026-06-15")

    def count(outcome: str) -> float:
        counted: float = metrics.REMINDERS_FIRED.labels(outcome)._value.get()
        return counted

    before = (count("notified"), count("skipped"))
    moment = utc("2026-06-16T00:00:00")  # Monday 20:00 in New York
    frozen_clock(moment)
    async with Worker(runtime.database, settings, clock=lambda: moment) as worker:
        assert await worker.fire_due_reminders() == 2
    assert (count("notified") - before[0], count("skipped") - before[1]) == (1, 1)


# --- OpenTelemetry ----------------------------------------------------------------------------


def span_names(body: bytes, encoding: str | None) -> list[str]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest()
    request.ParseFromString(gzip.decompress(body) if encoding == "gzip" else body)
    return [
        span.name
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]


async def test_traces_go_to_the_otlp_endpoint_with_a_span_per_route_and_statement(
    monkeypatch, settings, accounts
):
    pytest.importorskip("opentelemetry.sdk")
    alice = await accounts.create()
    collector = WebhookReceiver()
    collector.start()
    try:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{collector.port}")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "habitual-test")
        app = create_app(settings.model_copy(update={"worker_embedded": False}))
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            response = await http.get(f"{API}/habits", headers=alice.auth)
            assert response.status_code == 200
            assert (await http.get("/readyz")).status_code == 200  # through the ORM
        await app.state.runtime.database.dispose()
    finally:
        collector.stop()

    posts = [request for request in collector.requests if request.path == "/v1/traces"]
    assert posts, "no spans reached the collector"
    names = [
        name
        for post in posts
        for name in span_names(post.body, post.headers.get("content-encoding"))
    ]
    assert f"GET {API}/habits" in names
    assert any(name.split()[0] in {"SELECT", "select"} for name in names), names
    assert alice.access_token.encode() not in b"".join(post.body for post in posts)


# --- served: two worker processes, one view ---------------------------------------------------


def test_serve_with_two_workers_logs_json_and_its_metrics_add_up(tmp_path):
    database = tmp_path / "habitual.db"
    assert habitual("migrate", database=database).returncode == 0
    port = free_port()
    multiprocess = tmp_path / "prometheus"
    multiprocess.mkdir()
    environment = cli_environment(database) | {
        "HABITUAL_WORKER_EMBEDDED": "false",
        "HABITUAL_METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(multiprocess),
    }
    environment.pop("HABITUAL_LOG_FORMAT", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "habitual.cli", "serve", "--port", str(port), "--workers", "2"],
        env=environment,
        cwd=database.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    requests = 40

    def get(path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        connection.close()
        return response

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get("/readyz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "habitual serve --workers 2 did not answer"
                time.sleep(0.2)
        for _ in range(requests):  # a new connection each: the kernel spreads them
            assert get("/livez").status == 200
        scrape = get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0
    assert scrape.status == 200
    text = scrape.body.decode()  # type: ignore[attr-defined]
    assert (
        value(text, "habitual_http_requests_total", method="GET", route="/livez", status="200")
        == requests
    )
    # Whichever process answered the scrape, it counted every process's requests.
    assert any(path.name.startswith("counter_") for path in multiprocess.iterdir())

    lines = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]
    answered = [line for line in lines if line.get("logger") == "habitual.access"]
    assert len([line for line in answered if line["route"] == "/livez"]) == requests
    assert all(set(line) == ACCESS_KEYS for line in answered)
    assert not [line for line in lines if line.get("logger") == "uvicorn.access"]
    assert any(line.get("logger") == "uvicorn.error" for line in lines)  # startup, as JSON
