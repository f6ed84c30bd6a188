"""Where the time comes from: one clock for the whole process, which tests can stop."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """The system's clock, unless an instant was set (`freeze`): then that instant, until
    `thaw`. Code asks it through `utcnow`, so a test moves time for every module at once."""

    def __init__(self) -> None:
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        return self._frozen_at or datetime.now(UTC)

    def freeze(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("give an aware instant")
        self._frozen_at = instant.astimezone(UTC)

    def thaw(self) -> None:
        self._frozen_at = None


clock = Clock()


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC (microseconds, as both databases keep it)."""
    return clock.now()
