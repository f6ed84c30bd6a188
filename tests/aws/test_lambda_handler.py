"""The Lambda handler, invoked in-process with API Gateway's REST (payload 1.0) and HTTP API
(payload 2.0) events, against the test database; the worker's bounded round; SQLite refused.

Each test's handler runs in one thread of its own, as Lambda runs one: Mangum keeps its event
loop (and the engine's pool, bound to it) from one invocation to the next.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import pytest

from habitual.aws import handler as aws
from habitual.config import Settings
from habitual.kit.logs import reset_logging
from habitual.models import Channel
from tests.factories import API, PASSWORD
from tests.notifications.conftest import (  # noqa: F401 (smtp_server: a fixture)
    notify_user,
    smtp_server,
    the_delivery,
)

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


class Context:
    """What Lambda passes as `context`: the parts the handlers read."""

    def __init__(self, remaining_ms: int = 30_000):
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = "habitual-api"
        self._remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining_ms


def rest_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, list[str]] | None = None,
    stage: str = "prod",
) -> dict[str, Any]:
    """A REST API proxy integration's event (payload 1.0), as API Gateway sends it."""
    sent = {"Host": "abc123.execute-api.eu-west-1.amazonaws.com", "User-Agent": "test"}
    if body is not None:
        sent["Content-Type"] = "application/json"
    sent |= headers or {}
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {name: [value] for name, value in sent.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": query,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc",
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "accountId": "123456789012",
            "apiId": "abc123",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "203.0.113.40", "userAgent": "test"},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def http_api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw_query: str = "",
) -> dict[str, Any]:
    """An HTTP API's event (payload 2.0); this one sends its body base64-encoded."""
    sent = {"host": "xyz789.execute-api.eu-west-1.amazonaws.com", "user-agent": "test"}
    if body is not None:
        sent["content-type"] = "application/json"
    sent |= {name.lower(): value for name, value in (headers or {}).items()}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": sent,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "xyz789",
            "domainName": sent["host"],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.41",
                "userAgent": "test",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
        },
        "body": None if body is None else base64.b64encode(json.dumps(body).encode()).decode(),
        "isBase64Encoded": body is not None,
    }


def headers_of(response: dict[str, Any]) -> dict[str, str]:
    found = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        found.setdefault(name.lower(), values[-1])
    return found


def json_of(response: dict[str, Any]) -> Any:
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


@pytest.fixture
async def lambda_api(settings: Settings, runtime: Any) -> AsyncIterator[Callable[..., Invoke]]:
    """`make(**settings)`: a handler as Lambda would build it, and a way to invoke it."""
    threads: list[tuple[ThreadPoolExecutor, Any]] = []

    def make(**overrides: Any) -> Invoke:
        chosen = settings.model_copy(update={"lambda_allow_sqlite": True} | overrides)
        thread = ThreadPoolExecutor(max_workers=1)
        handler = thread.submit(aws.api, chosen).result()
        threads.append((thread, handler))

        def invoke(event: dict[str, Any]) -> dict[str, Any]:
            response: dict[str, Any] = thread.submit(handler, event, cast(Any, Context())).result()
            return response

        return invoke

    try:
        yield make
    finally:
        reset_logging()
        for thread, handler in threads:
            database = handler.app.state.runtime.database
            loop_of_thread = thread.submit(asyncio.get_event_loop).result()
            thread.submit(loop_of_thread.run_until_complete, database.dispose()).result()
            thread.shutdown()


def register_and_login(invoke: Invoke, event: Callable[..., dict[str, Any]]) -> dict[str, str]:
    name = f"lambda{uuid.uuid4().hex[:8]}"
    registered = invoke(
        event(
            "POST",
            f"{API}/auth/register",
            body={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
    )
    assert registered["statusCode"] == 201, registered["body"]
    login = invoke(
        event("POST", f"{API}/auth/login", body={"username": name, "password": PASSWORD})
    )
    assert login["statusCode"] == 200, login["body"]
    return {"Authorization": f"Bearer {json_of(login)['access_token']}"}


async def test_a_rest_api_event_is_served_with_the_stage_left_out(lambda_api):
    invoke = lambda_api()

    def run() -> None:
        auth = register_and_login(invoke, rest_event)
        created = invoke(
            rest_event(
                "POST",
                f"{API}/habits",
                body={"name": "Walk"},
                headers=auth | {"X-Request-ID": "apigw-req-1"},
            )
        )
        assert created["statusCode"] == 201, created["body"]
        assert headers_of(created)["x-request-id"] == "apigw-req-1"
        assert headers_of(created)["content-type"].startswith("application/json")
        listed = invoke(
            rest_event(
                "GET", f"{API}/habits", headers=auth, query={"q": ["Wal"], "page_size": ["5"]}
            )
        )
        assert listed["statusCode"] == 200, listed["body"]
        assert [habit["name"] for habit in json_of(listed)["items"]] == ["Walk"]

    await asyncio.to_thread(run)


async def test_an_http_api_event_is_served_and_errors_stay_problem_json(lambda_api):
    invoke = lambda_api()

    def run() -> None:
        auth = register_and_login(invoke, http_api_event)
        created = invoke(
            http_api_event("POST", f"{API}/habits", body={"name": "Read"}, headers=auth)
        )
        assert created["statusCode"] == 201, created["body"]
        habit_id = json_of(created)["id"]
        other = register_and_login(invoke, http_api_event)
        hidden = invoke(http_api_event("GET", f"{API}/habits/{habit_id}", headers=other))
        assert hidden["statusCode"] == 404
        assert headers_of(hidden)["content-type"] == "application/problem+json"
        anonymous = invoke(http_api_event("GET", f"{API}/habits"))
        assert anonymous["statusCode"] == 401
        unknown_field = invoke(
            http_api_event("POST", f"{API}/habits", body={"name": "X", "colour": 1}, headers=auth)
        )
        assert unknown_field["statusCode"] == 422
        mine = invoke(
            http_api_event(
                "GET", f"{API}/habits", headers=auth, raw_query="page_size=5&archived=all"
            )
        )
        assert [habit["id"] for habit in json_of(mine)["items"]] == [habit_id]

    await asyncio.to_thread(run)


async def test_a_custom_domains_base_path_is_stripped(lambda_api):
    invoke = lambda_api(lambda_base_path="/habitual")

    def run() -> None:
        live = invoke(rest_event("GET", "/habitual/livez"))
        assert (live["statusCode"], json_of(live)) == (200, {"status": "ok"})
        v2 = invoke(http_api_event("GET", "/habitual/readyz"))
        assert v2["statusCode"] == 200, v2["body"]

    await asyncio.to_thread(run)


def test_the_handler_refuses_sqlite_unless_told(monkeypatch, tmp_path):
    monkeypatch.setenv("HABITUAL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/habitual.db")
    monkeypatch.setenv("HABITUAL_SECRET_KEY", "k" * 40)
    with pytest.raises(aws.SQLiteOnLambda, match="PostgreSQL"):
        aws.lambda_settings()
    monkeypatch.setenv("HABITUAL_LAMBDA_ALLOW_SQLITE", "true")
    assert aws.lambda_settings().is_sqlite
    monkeypatch.setenv("HABITUAL_DATABASE_URL", "postgresql://u@db.example:5432/habitual")
    monkeypatch.delenv("HABITUAL_LAMBDA_ALLOW_SQLITE")
    assert not aws.lambda_settings().is_sqlite


async def test_the_scheduled_worker_delivers_and_stops_when_there_is_nothing_left(
    accounts,
    runtime,
    settings,
    smtp_server,  # noqa: F811 (the fixture)
):
    alice = await accounts.create()
    await accounts.verify_email(alice.id)
    (notification_id,) = await notify_user(runtime, alice.id, Channel.email)
    configured = smtp_server.settings(settings)

    done = await aws.work_round(configured, seconds=20)

    assert done == 1
    assert (await the_delivery(runtime, notification_id)).status == "delivered"
    assert len(smtp_server.mailbox.emails) == 1
    assert await aws.work_round(configured, seconds=20) == 0
