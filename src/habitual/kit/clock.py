"""The one place that asks what time it is, so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC, truncated to microseconds as databases keep it."""
    return datetime.now(UTC)
