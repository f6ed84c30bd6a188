"""The one clock: tests stop it without patching the modules that ask it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from habitual.checkins import service as checkin_service_module  # imports utcnow by name
from habitual.kit.clock import Clock, utcnow
from habitual.models.base import Timestamped


def test_a_frozen_clock_is_seen_by_every_module_that_imported_utcnow(frozen_clock):
    instant = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)

    frozen_clock(instant)

    assert checkin_service_module.utcnow() == instant  # type: ignore[attr-defined]
    assert utcnow() == instant


def test_column_defaults_read_the_same_clock(frozen_clock):
    instant = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    frozen_clock(instant)

    default = Timestamped.__dict__["created_at"].column.default

    assert default.arg(None) == instant


def test_a_clock_keeps_a_frozen_instant_in_utc_and_thaws_back_to_the_system():
    clock = Clock()
    clock.freeze(datetime(2026, 3, 8, 9, 30, tzinfo=timezone(timedelta(hours=2))))

    assert clock.now() == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert clock.now().tzinfo is UTC

    clock.thaw()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_naive_instant_cannot_freeze_the_clock():
    with pytest.raises(ValueError, match="aware"):
        Clock().freeze(datetime(2026, 3, 8, 7, 30))
