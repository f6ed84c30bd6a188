"""/livez and /readyz, for load balancers and orchestrators."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client.core import GaugeMetricFamily
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from habitual.db import UnitOfWork, current_revision, head_revision
from habitual.deps import RuntimeDep
from habitual.errors import NotFound, ServiceUnavailable, Unauthorized, problem_responses
from habitual.kit import metrics
from habitual.kit.clock import utcnow
from habitual.notifications.repository import DeliveryRepository

router = APIRouter(tags=["health"])
# Its own scheme: the metrics token is the deployment's, not a user's.
metrics_scheme = HTTPBearer(
    scheme_name="metricsToken",
    description="`HABITUAL_METRICS_TOKEN`, for `GET /metrics`.",
    auto_error=False,
)


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    migration: str


@router.get("/livez", response_model=Health, summary="Is the process alive")
async def livez() -> Health:
    """Always `ok` while the process answers."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Can the process serve",
    responses=problem_responses(503),
)
async def readyz(runtime: RuntimeDep) -> Readiness:
    """`ok` when the database answers and its schema is at the newest migration; 503 if not."""
    try:
        revision = await current_revision(runtime.database.engine)
    except (SQLAlchemyError, OSError):
        raise ServiceUnavailable("The database is not reachable.") from None
    if revision != head_revision():
        raise ServiceUnavailable(f"Migrations pending: database at {revision}, code at head.")
    return Readiness(status="ok", database="ok", migration=revision or "")


def _database_gauges(
    backlog: list[tuple[str, str, int]], oldest_ready_at: datetime | None, now: datetime
) -> list[GaugeMetricFamily]:
    deliveries = GaugeMetricFamily(
        "habitual_notification_deliveries",
        "Notifications' deliveries not yet delivered, by channel and state (pending: waiting "
        "for a first attempt or a retry, sending: claimed by a worker, dead: failed for good).",
        labels=["channel", "state"],
    )
    for channel, state, count in backlog:
        deliveries.add_metric([channel, state], count)
    lag = GaugeMetricFamily(
        "habitual_outbox_lag_seconds",
        "How long the longest-waiting delivery that is due has waited (0: none is waiting).",
        value=0.0 if oldest_ready_at is None else max(0.0, (now - oldest_ready_at).total_seconds()),
    )
    return [deliveries, lag]


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {metrics.CONTENT_TYPE: {}}, "description": "The metrics, as text."},
        **problem_responses(401, 404),
    },
)
async def prometheus_metrics(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(metrics_scheme)],
) -> Response:
    """Requests by route template and status, their latency, deliveries by channel and
    outcome, reminders fired, and the outbox (deliveries by state, its lag), in Prometheus's
    text format. Served only when `HABITUAL_METRICS_TOKEN` is set, to a caller that sends it
    as a bearer token (404 otherwise: the route does not exist for them)."""
    expected = runtime.settings.metrics_token
    if expected is None:
        raise NotFound("Not found.")
    if credentials is None or not hmac.compare_digest(
        credentials.credentials.encode(), expected.get_secret_value().encode()
    ):
        raise Unauthorized("The metrics token is missing or wrong.")
    now = utcnow()
    async with runtime.database.reader() as session:
        deliveries = DeliveryRepository(UnitOfWork(session=session))
        backlog = await deliveries.backlog()
        oldest_ready_at = await deliveries.oldest_ready_at(now)
    return Response(
        metrics.exposition(_database_gauges(backlog, oldest_ready_at, now)),
        media_type=metrics.CONTENT_TYPE,
    )
