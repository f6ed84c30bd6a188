"""Fitness samples, the day figures kept from them, and a user's fitness goals and sources."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base

WEIGHT_ONLY = text("metric = 'weight_kg'")


class FitnessSample(Base):
    """One measurement from a phone, watch or app. `(user_id, source, sample_key)` is its
    identity: `sample_key` is `id:` + the source's own id when it gave one, else
    `at:` + metric, start and end. A higher `version` replaces the sample in place."""

    __tablename__ = "fitness_samples"
    __table_args__ = (
        # Only to find a weight day's latest sample again when a replacement moved it away.
        Index(
            "ix_fitness_samples_weight_days",
            "user_id",
            "local_date",
            postgresql_where=WEIGHT_ONLY,
            sqlite_where=WEIGHT_ONLY,
        ),
    )

    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    sample_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    local_date: Mapped[date]  # the user's day the sample counts on, fixed when it was stored


class FitnessDay(Base):
    """What one source's samples of a metric add up to on a local day, kept in the samples'
    transaction: their sum and count, and the value of the latest-starting one."""

    __tablename__ = "fitness_days"

    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    local_date: Mapped[date] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    total: Mapped[float] = mapped_column(Float)
    sample_count: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[float | None] = mapped_column(Float)
    last_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FitnessGoal(Base):
    """A user's daily target for one metric."""

    __tablename__ = "fitness_goals"

    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    daily_target: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FitnessSources(Base):
    """A user's order of sources for merging a day (empty: the largest source wins)."""

    __tablename__ = "fitness_sources"

    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    priority: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
