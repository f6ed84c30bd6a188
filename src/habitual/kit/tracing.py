"""OpenTelemetry traces, sent over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

The packages are an optional group (`pip install 'habitual[otel]'`), so a deployment that
does not trace installs none of them. The exporter reads the standard `OTEL_*` variables
itself (endpoint, headers, timeout); `OTEL_SERVICE_NAME` names the service (default
`habitual`). Each request is a span named by its route template, with a child span per SQL
statement.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACES_ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"

logger = logging.getLogger(__name__)


def tracing_wanted() -> bool:
    return bool(os.environ.get(ENDPOINT_VARIABLE) or os.environ.get(TRACES_ENDPOINT_VARIABLE))


def install_tracing(app: FastAPI, engine: AsyncEngine) -> Callable[[], None] | None:
    """Trace `app`'s requests and `engine`'s statements when an OTLP endpoint is set; what to
    call at shutdown to send the last spans (None: not tracing)."""
    if not tracing_wanted():
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        logger.warning(
            "%s is set but OpenTelemetry is not installed: pip install 'habitual[otel]'",
            ENDPOINT_VARIABLE,
        )
        return None
    service = os.environ.get("OTEL_SERVICE_NAME") or "habitual"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    # Its declared range stops below SQLAlchemy 2.1, whose event API it uses unchanged
    # (tests/test_observability.py sees a span per statement).
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=provider, skip_dep_check=True
    )

    def stop() -> None:
        # The SQLAlchemy instrumentor also wraps engine creation process-wide: undo it, so
        # that an engine made after this app (a test's, a CLI command's) is not traced.
        SQLAlchemyInstrumentor().uninstrument()
        FastAPIInstrumentor.uninstrument_app(app)
        provider.shutdown()  # sends the spans still buffered

    return stop
