"""The error hierarchy and the RFC 9457 problem+json responses it turns into."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from limits.errors import StorageError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class HabitualError(Exception):
    """Base of every error the API reports on purpose; carries its HTTP status."""

    status = 500
    title = "Internal error"
    # Most errors undo the request's writes; a few must keep them (a revoked token family).
    keeps_changes = False

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        self.detail = detail or self.title
        self.headers = headers or {}
        super().__init__(self.detail)


class Unauthorized(HabitualError):
    status = 401
    title = "Not authenticated"

    def __init__(self, detail: str | None = None):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(HabitualError):
    status = 403
    title = "Forbidden"


class NotFound(HabitualError):
    status = 404
    title = "Not found"


class Conflict(HabitualError):
    status = 409
    title = "Conflict"


class Unprocessable(HabitualError):
    """A well-formed request that breaks a rule; `field` points at the offending input."""

    status = 422
    title = "Validation failed"

    def __init__(self, detail: str, *, field: tuple[str | int, ...] = ()):
        super().__init__(detail)
        self.field = field


class MethodNotAllowed(HabitualError):
    """For a literal path segment that a parameter route beside it would otherwise take
    (`/groups/join` beside `/groups/{group_id}`): 405 with the methods it has."""

    status = 405
    title = "Method not allowed"

    def __init__(self, *allowed: str):
        methods = ", ".join(allowed)
        super().__init__(f"This path allows {methods} only.", headers={"Allow": methods})


class TooManyRequests(HabitualError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


class ServiceUnavailable(HabitualError):
    status = 503
    title = "Service unavailable"


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ValidationIssue] | None = None


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _validation_issues(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) if not isinstance(part, int) else part for part in err["loc"]],
            # Our own validators raise ValueError; pydantic prefixes their message with this.
            "msg": err["msg"].removeprefix("Value error, "),
        }
        for err in exc.errors()
    ]


async def _habitual_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HabitualError)
    errors = None
    if isinstance(exc, Unprocessable) and exc.field:
        errors = [{"loc": list(exc.field), "msg": exc.detail}]
    return problem_response(exc.status, exc.title, exc.detail, errors=errors, headers=exc.headers)


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this Content-Type as JSON: `application/json` or
    `application/*+json`, with any parameters."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    maintype, _, subtype = media_type.partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


def _not_json(reason: str) -> JSONResponse:
    return problem_response(
        422,
        "Validation failed",
        f"The request body is not valid JSON: {reason}.",
        errors=[{"loc": ["body"], "msg": f"not valid JSON: {reason}"}],
    )


def _unsupported_media_type(content_type: str | None) -> JSONResponse:
    media_type = (content_type or "").partition(";")[0].strip()
    sent = f"is {media_type}" if media_type else "has no Content-Type"
    return problem_response(
        415, "Unsupported media type", f"The request body {sent}; send it as application/json."
    )


async def _request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # FastAPI parses a body as JSON only when its Content-Type says JSON; any other body reaches
    # validation as the bytes it was.
    if isinstance(exc.body, bytes):
        return _unsupported_media_type(request.headers.get("content-type"))
    for error in exc.errors():
        if error["type"] == "json_invalid":
            return _not_json(f"{error['ctx']['error']} at character {error['loc'][-1]}")
    issues = _validation_issues(exc)
    detail = "; ".join(f"{'.'.join(map(str, i['loc']))}: {i['msg']}" for i in issues[:5])
    return problem_response(422, "Validation failed", detail, errors=issues)


def _allowed_methods(request: Request) -> str:
    """Every method of the requested path, across all its routes (RFC 9110 `Allow`).

    Starlette's 405 names only the methods of the first route whose path matched, and FastAPI
    makes one route per method.
    """
    methods: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route_methods
    return ", ".join(sorted(methods))


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # FastAPI answers 400 for a JSON body it cannot even decode as text.
    if isinstance(exc.__cause__, UnicodeDecodeError) and _is_json(
        request.headers.get("content-type")
    ):
        return _not_json("it is not UTF-8 text")
    titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}
    title = titles.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(exc.status_code, title, detail, headers=headers or None)


# How long a client is asked to wait when the rate limits' shared storage cannot be reached.
STORAGE_RETRY_SECONDS = 5


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    """The rate limits' storage (Redis) cannot be reached: the limits that guard passwords and
    emails cannot be counted, so the request is refused, not let through uncounted."""
    assert isinstance(exc, StorageError)
    logger.warning(
        "rate-limit storage error on %s %s: %r", request.method, request.url.path, exc.storage_error
    )
    return problem_response(
        503,
        "Service unavailable",
        "A limit of this request cannot be counted right now; try again shortly.",
        headers={"Retry-After": str(STORAGE_RETRY_SECONDS)},
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(500, "Internal error", "An unexpected error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HabitualError, _habitual_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(StorageError, _storage_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problem+json errors a route can return."""
    descriptions = {
        400: "Bad request",
        401: "Missing, invalid or expired credentials",
        403: "Authenticated, but the role or token scope does not allow this",
        404: "No such object, or it belongs to someone else",
        409: "Conflicts with existing data",
        413: "Request body over the size limit",
        415: "The request body is not application/json",
        422: "Invalid input; `errors` lists each bad field",
        429: "Rate limited; see the Retry-After header",
        503: "Not ready",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
