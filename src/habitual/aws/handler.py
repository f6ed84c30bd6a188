"""The Lambda entry points: `habitual.aws.handler.handler` (the API, behind API Gateway) and
`habitual.aws.handler.worker` (one bounded round of the worker, run by a schedule).

One container serves one request at a time and is reused for many, so the app, its engine
and its pool are built on the first invocation and kept; the event loop Mangum runs them on
is kept with them. Mangum reads both API Gateway shapes: REST API (payload 1.0, `path` without
the stage) and HTTP API (payload 2.0, `rawPath`); `HABITUAL_LAMBDA_BASE_PATH` strips a custom
domain's base path mapping. Lifespan is off: what the app does at start-up (preparing Redis's
script) happens on first use, and there is no shutdown to wait for in a frozen container.

SQLite is refused: each container would have its own copy of the database, which another
container never sees and which is gone when the container is (docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from mangum import Mangum

from habitual.app import create_app
from habitual.config import Settings
from habitual.db import create_database
from habitual.jobs.worker import Worker
from habitual.kit.logs import configure_logging

# A worker round stops taking work this long before the function's own timeout.
WORKER_MARGIN_SECONDS = 10.0

_api: Mangum | None = None


class SQLiteOnLambda(RuntimeError):
    """HABITUAL_DATABASE_URL names SQLite on Lambda, without HABITUAL_LAMBDA_ALLOW_SQLITE."""


def lambda_settings() -> Settings:
    settings = Settings()
    if settings.is_sqlite and not settings.lambda_allow_sqlite:
        raise SQLiteOnLambda(
            "Habitual does not run on SQLite on AWS Lambda: each container would keep its own "
            "copy of the database, lost with the container. Set HABITUAL_DATABASE_URL to "
            "PostgreSQL (RDS or Aurora, through RDS Proxy: deploy/aws/template.yaml), or "
            "HABITUAL_LAMBDA_ALLOW_SQLITE=true to try it anyway (a demo, a test)."
        )
    return settings


def api(settings: Settings) -> Mangum:
    """The app as a Lambda handler, for these settings."""
    configure_logging(settings.log_level, "json")  # CloudWatch keeps each line as an event
    return Mangum(
        create_app(settings), lifespan="off", api_gateway_base_path=settings.lambda_base_path
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway's proxy integration calls this with each request."""
    global _api
    if _api is None:
        _api = api(lambda_settings())
    response: dict[str, Any] = _api(event, context)
    return response


async def work_round(settings: Settings, seconds: float) -> int:
    """Fire due reminders and deliver notifications until there is nothing left to do or
    `seconds` have passed; how much work was done."""
    deadline = time.monotonic() + seconds
    database = create_database(settings)
    done = 0
    try:
        async with Worker(database, settings) as worker:
            while time.monotonic() < deadline:
                busy = await worker.run_once()
                done += busy
                if not busy:
                    break
    finally:
        await database.dispose()
    return done


def worker(event: dict[str, Any], context: Any) -> dict[str, int]:
    """EventBridge's schedule calls this every minute: one round of the worker, bounded by the
    time the invocation has left. An exception fails the invocation (to its dead-letter
    queue); claims it held run out and are taken by the next round."""
    settings = lambda_settings()
    configure_logging(settings.log_level, "json")
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else 60.0
    done = asyncio.run(work_round(settings, max(1.0, remaining - WORKER_MARGIN_SECONDS)))
    return {"done": done}
