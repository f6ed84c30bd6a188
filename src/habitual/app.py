"""create_app(settings) -> FastAPI: routers, middleware, error handlers."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from habitual import __version__
from habitual.admin.endpoints import router as admin_router
from habitual.calendars.endpoints import router as calendar_router
from habitual.categories.endpoints import router as categories_router
from habitual.challenges.endpoints import router as challenges_router
from habitual.checkins.endpoints import router as checkins_router
from habitual.config import Settings
from habitual.errors import install_error_handlers, problem_responses
from habitual.exports.endpoints import router as exports_router
from habitual.fitness.endpoints import router as fitness_router
from habitual.fitness.import_endpoints import router as fitness_imports_router
from habitual.fitness.service import install as install_feed
from habitual.goals.endpoints import router as goals_router
from habitual.groups.endpoints import router as groups_router
from habitual.habits.endpoints import admin_router as admin_habits_router
from habitual.habits.endpoints import router as habits_router
from habitual.health.endpoints import router as health_router
from habitual.imports.endpoints import router as imports_router
from habitual.jobs.runner import embedded_worker
from habitual.kit.apidocs import DOCS_URL, REDOC_URL, install_docs
from habitual.kit.logs import configure_logging
from habitual.kit.middleware import (
    AccessMiddleware,
    BodyLimitMiddleware,
    SecurityHeadersMiddleware,
)
from habitual.kit.tracing import install_tracing
from habitual.leaderboards.cache import board_cache
from habitual.leaderboards.endpoints import router as leaderboards_router
from habitual.leaderboards.service import install as install_boards
from habitual.login.endpoints import router as login_router
from habitual.notifications.endpoints import router as notifications_router
from habitual.reminders.endpoints import router as reminders_router
from habitual.runtime import Runtime
from habitual.shares.endpoints import public_router as share_pages_router
from habitual.shares.endpoints import router as shares_router
from habitual.shares.endpoints import shared_router
from habitual.stats.endpoints import router as stats_router
from habitual.today.endpoints import router as today_router
from habitual.tokens.endpoints import router as tokens_router
from habitual.users.endpoints import router as users_router

API_PREFIX = "/api/v1"
OPENAPI_URL = "/openapi.json"
SWAGGER_UI_PARAMETERS = {"persistAuthorization": True}

logger = logging.getLogger(__name__)

DESCRIPTION = """
Habitual tracks habits: define them, check them off in your own time zone, and see your
streaks and progress. Authenticate with `Authorization: Bearer <token>`, using an access token
from `POST /api/v1/auth/login` or a personal access token. Errors are
`application/problem+json` (RFC 9457).
"""


def _document_shared_errors(app: FastAPI) -> None:
    """List the errors every operation of a kind can answer: 415 (errors.py) where a JSON body
    is read, 429 (the rate limits of deps.py) on every /api/v1 operation."""
    generate = app.openapi
    documented = {
        status: {"description": response["description"], "content": response["content"]}
        for status, response in problem_responses(415, 429).items()
    }

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = generate()  # made on the first call, then kept on the app
        if first:
            for path, item in schema["paths"].items():
                for operation in item.values():
                    if "application/json" in operation.get("requestBody", {}).get("content", {}):
                        operation["responses"].setdefault("415", documented[415])
                    if path.startswith(API_PREFIX):
                        operation["responses"].setdefault("429", documented[429])
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Move everything built at start-up out of the collector's sight: full collections then
        # walk only what requests allocate. Measured on GET /habits/{id}/stats over a decade
        # (bench/stats_endpoint_bench.py): p95 95 ms without, 23 ms with; the median unchanged.
        try:
            await runtime.usage_limiter.counts.prepare()
        except Exception as error:  # counting says so again at each request that needs Redis
            logger.warning("the rate limits' Redis is not reachable yet: %r", error)
        gc.collect()
        gc.freeze()
        async with contextlib.AsyncExitStack() as stack:
            if settings.should_embed_worker:
                await stack.enter_async_context(embedded_worker(runtime.database, settings))
            yield
        if stop_tracing is not None:
            stop_tracing()
        await runtime.database.dispose()

    docs = settings.docs_enabled
    app = FastAPI(
        title="Habitual",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, from this process
        redoc_url=None,
        openapi_url=OPENAPI_URL if docs else None,
    )
    if docs:
        install_docs(app, openapi_url=OPENAPI_URL, swagger_ui_parameters=SWAGGER_UI_PARAMETERS)
    app.state.runtime = runtime
    install_boards(runtime.database)
    install_feed(runtime.database)
    app.state.board_cache = board_cache(settings, runtime.database)
    install_error_handlers(app)
    _document_shared_errors(app)

    app.include_router(health_router)
    app.include_router(share_pages_router)
    # Routes are matched in order: the hot paths first (routing was ~14% of a `GET /today`
    # when /today came sixth).
    routers = (
        today_router,
        checkins_router,
        habits_router,
        stats_router,
        login_router,
        users_router,
        tokens_router,
        reminders_router,
        goals_router,
        notifications_router,
        categories_router,
        challenges_router,
        groups_router,
        leaderboards_router,
        shares_router,
        shared_router,
        exports_router,
        imports_router,
        calendar_router,
        fitness_imports_router,
        fitness_router,
        admin_router,
        admin_habits_router,
    )
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    # Each route's template as clients see it, for the access line and the metrics.
    templates = {
        id(route): API_PREFIX + getattr(route, "path", "")
        for router in routers
        for route in router.routes
    }

    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=settings.hsts_enabled,
        docs_prefixes=(DOCS_URL, REDOC_URL) if docs else (),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=[
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
            max_age=600,
        )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={
            f"{API_PREFIX}/fitness/samples": settings.max_fitness_batch_bytes,
            f"{API_PREFIX}/fitness/imports": settings.max_import_bytes,
            # The file and the form's other fields.
            f"{API_PREFIX}/imports": settings.import_max_bytes + 65_536,
        },
    )
    # Outermost: the access line and the metrics see every answer, a 413 or a CORS refusal too.
    app.add_middleware(AccessMiddleware, access_log=settings.access_log, templates=templates)
    stop_tracing = install_tracing(app, runtime.database.engine)
    logging.getLogger("habitual").setLevel(settings.log_level.upper())
    return app


def served_app() -> FastAPI:
    """The app `habitual serve` runs in each of its processes: logging set up as the settings
    say (kit/logs.py), then the app."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
