"""Plain ASGI middleware (no BaseHTTPMiddleware: it costs a task per request)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from habitual.errors import PROBLEM_JSON

# Where a request's rate-limit check leaves its RateLimit header fields (deps.py) for
# SecurityHeadersMiddleware to add to the response, whatever the response is.
RATE_LIMIT_HEADERS = "habitual.rate_limit_headers"


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
