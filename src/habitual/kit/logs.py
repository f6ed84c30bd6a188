"""Log lines: JSON (one object per line) for machines, or coloured columns for a terminal.

Everything goes through the standard library's `logging` (ours, uvicorn's, the libraries'),
rendered by structlog: so a line written by `logging.getLogger(__name__).info(...)` and the
access line of kit/middleware.py look alike, and each carries the fields bound for the
request in hand (its `request_id` and `user_id`).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import structlog

LogFormat = Literal["auto", "json", "console"]

# Loggers whose INFO lines are ours to show; the rest of the libraries speak from WARNING up
# (httpx, for one, logs every request's URL at INFO, a webhook's among them).
OUR_LOGGERS = ("habitual", "uvicorn", "uvicorn.error")
ACCESS_LOGGER = "habitual.access"

_HANDLER_NAME = "habitual"


def _route_structlog_through_logging() -> None:
    """structlog's loggers hand their events to the standard library's, whose handlers (one,
    once configure_logging has run) render them. Done on import, so that an app built without
    configure_logging (a test's, an embedding program's) writes nothing of its own accord."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


_route_structlog_through_logging()


def chosen_format(log_format: LogFormat) -> Literal["json", "console"]:
    """`auto` is JSON unless standard error is a terminal (a person is watching)."""
    if log_format != "auto":
        return log_format
    return "console" if sys.stderr.isatty() else "json"


def configure_logging(
    level: str, log_format: LogFormat = "auto", stream: TextIO | None = None
) -> None:
    """Send every log record to `stream` (standard error), rendered as `log_format` says.

    Safe to call again (a test, a second app in one process): the handler it installed before
    is replaced, not doubled."""
    rendered = chosen_format(log_format)
    # Run once per line, by the formatter, whoever wrote the line.
    render: list[structlog.types.Processor] = [
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
    ]
    if rendered == "json":
        # A traceback as data, without the frames' local variables: a password may be one.
        tracebacks = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        render += [
            structlog.processors.ExceptionRenderer(tracebacks),
            structlog.processors.JSONRenderer(),
        ]
    else:
        render.append(structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()))
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.contextvars.merge_contextvars], processors=render
        )
    )
    global _access_sink, _configured
    _configured = True
    if logging.getLevelName(level.upper()) > logging.INFO:
        _access_sink = None  # the access line is at INFO
    elif rendered == "json":
        _access_sink = _json_access_sink(handler.stream)
    else:
        _access_sink = _console_access_sink()
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())


# The access line's own path, set by configure_logging: one line per request is the most
# frequent line there is, and the stdlib path (a LogRecord, the caller's frame looked up, the
# formatter's chain) cost ~245,000 instructions a line; this one writes the same JSON object
# for a fraction (bench/README.md, "Issue 18").
AccessSink = Callable[[dict[str, Any]], None]
_access_sink: AccessSink | None = None
_configured = False
_access_fallback = structlog.stdlib.get_logger(ACCESS_LOGGER)


def _json_access_sink(stream: TextIO) -> AccessSink:
    encode = json.JSONEncoder(default=str).encode

    def write(fields: dict[str, Any]) -> None:
        fields["event"] = "request"
        fields["logger"] = ACCESS_LOGGER
        fields["level"] = "info"
        fields["time"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        stream.write(encode(fields) + "\n")
        stream.flush()

    return write


def _console_access_sink() -> AccessSink:
    logger = structlog.stdlib.get_logger(ACCESS_LOGGER)

    def write(fields: dict[str, Any]) -> None:
        logger.info("request", **fields)  # a person is reading: the cost does not matter

    return write


def log_access(**fields: Any) -> None:
    """Write a request's access line (kit/middleware.py). Before configure_logging (a test's
    app, an embedding program's), it is an INFO record of the `habitual.access` logger."""
    sink = _access_sink
    if sink is not None:
        sink(fields)
    elif not _configured:
        _access_fallback.info("request", **fields)


def reset_logging() -> None:
    """Undo configure_logging: its handler removed, the access line back on the stdlib path."""
    global _access_sink, _configured
    _access_sink, _configured = None, False
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
