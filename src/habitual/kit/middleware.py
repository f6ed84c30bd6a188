"""Plain ASGI middleware (no BaseHTTPMiddleware: it costs a task per request)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from habitual.errors import PROBLEM_JSON
from habitual.kit import metrics
from habitual.kit.logs import log_access

# Where a request's rate-limit check leaves its RateLimit header fields (deps.py) for
# SecurityHeadersMiddleware to add to the response, whatever the response is.
RATE_LIMIT_HEADERS = "habitual.rate_limit_headers"
# Where authentication (deps.py) leaves the caller's user id for the access line.
USER_ID = "habitual.user_id"
REQUEST_ID_HEADER = b"x-request-id"
# A request id a client or a proxy sent is kept if it looks like one (a UUID, a trace id, a
# load balancer's `Root=1-...`); anything else is replaced, so that no one writes into our logs.
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:=+/-]{1,128}")
# Any other method (a client may send any token) is counted as OTHER: a bounded set of series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


async def _send_problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI passes it on as a 413 instead of a body it could not read."""

    def __init__(self, detail: str):
        super().__init__(413, detail)


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` (or the limit `larger` gives the request's exact
    path, such as an upload's) with 413, whether announced or streamed.

    FastAPI's own `max_body_size` answers an announced oversize body in plain text, outside
    the exception handlers; this one always answers problem+json, as every error must."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        # Paths that take larger bodies (a batch of fitness samples), each with its own limit.
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.larger.get(scope["path"], self.max_bytes)
        detail = f"The request body is over the limit of {max_bytes} bytes."
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_large = int(value) > max_bytes
                except ValueError:
                    too_large = False
                if too_large:
                    await _send_problem(send, 413, "Payload too large", detail)
                    return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(detail)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await _send_problem(send, 413, "Payload too large", detail)


class SecurityHeadersMiddleware:
    """The usual protective headers; API responses forbid everything a browser could run.

    The docs pages and their assets (paths under `docs_prefixes`) set their own policy and
    may be cached. It also adds the RateLimit header fields a request's rate-limit check left
    in its scope (`RATE_LIMIT_HEADERS`): a dependency cannot set headers on an error response,
    nor on a response an endpoint builds itself, and the scope dict is shared by every layer of
    one request (one layer for both: each costs every request)."""

    def __init__(self, app: ASGIApp, *, hsts: bool, docs_prefixes: tuple[str, ...]):
        self.app = app
        self.docs_paths = frozenset(docs_prefixes)
        self.docs_subpaths = tuple(f"{prefix}/" for prefix in docs_prefixes)
        self.common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if hsts:
            self.common.append(
                (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
            )
        self.api_only = [
            (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
            (b"cache-control", b"no-store"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        is_docs = path in self.docs_paths or (
            bool(self.docs_subpaths) and path.startswith(self.docs_subpaths)
        )
        extra = self.common if is_docs else self.common + self.api_only

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers.extend(header for header in extra if header[0] not in present)
                if RATE_LIMIT_HEADERS in scope:
                    headers += scope[RATE_LIMIT_HEADERS]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _REQUEST_ID.fullmatch(value):
            return bytes(value).decode()
    return uuid.uuid4().hex


class AccessMiddleware:
    """One access line and the request metrics per HTTP request, and its `X-Request-ID`.

    The line has the method, the route template (`/api/v1/habits/{habit_id}`: never the path
    itself, which may carry a share or feed token, nor the query, nor a header or a body),
    the status, the duration, the request id and the user id (when the request authenticated).
    The request id is bound for every other line logged while the request is served.
    Measured in bench/README.md ("What logs and metrics cost a request").

    `templates` gives a route (by `id`) its full template where it was included under a
    prefix: FastAPI leaves in the scope the router's own route, whose `path` lacks it."""

    def __init__(
        self, app: ASGIApp, *, access_log: bool = True, templates: Mapping[int, str] | None = None
    ):
        self.app = app
        self.access_log = access_log
        self.templates = dict(templates or {})
        # Label lookups cost more than the increments: keep each series' child.
        self._counted: dict[tuple[str, str, int], Any] = {}
        self._timed: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        header = (REQUEST_ID_HEADER, request_id.encode())
        status = 500  # what the client gets if the app fails before it answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.reset_contextvars(**bound)
            self._record(scope, request_id, status, time.perf_counter() - started)

    def _record(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        method: str = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = scope.get("route")
        template: str = (
            self.templates.get(id(route)) or getattr(route, "path", None) or metrics.UNMATCHED_ROUTE
        )
        counted = self._counted.get((method, template, status))
        if counted is None:
            counted = metrics.REQUESTS.labels(method, template, str(status))
            self._counted[(method, template, status)] = counted
        counted.inc()
        timed = self._timed.get((method, template))
        if timed is None:
            timed = metrics.REQUEST_DURATION.labels(method, template)
            self._timed[(method, template)] = timed
        timed.observe(seconds)
        if self.access_log:
            log_access(
                method=method,
                route=template,
                status=status,
                duration_ms=round(seconds * 1000, 3),
                request_id=request_id,
                user_id=scope.get(USER_ID),
            )
