from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID
from habitual.models.base import Base, Timestamped


class Checkin(Timestamped, Base):
    """What happened to a habit on one local date: done (with a value) or skipped."""

    __tablename__ = "checkins"
    __table_args__ = (
        # Exactly one check-in per habit and local date, whatever the concurrency.
        UniqueConstraint("habit_id", "local_date"),
        CheckConstraint("status IN ('done', 'skipped')", name="status"),
        CheckConstraint("origin IN ('manual', 'device')", name="origin"),
        # Covering: "today" reads a user's recent days (habit, status, value) from the index
        # alone, without a table look-up per row (~40% of that statement on SQLite).
        Index(
            "ix_checkins_user_date_covering", "user_id", "local_date", "habit_id", "status", "value"
        ),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    habit_id: Mapped[int] = mapped_column(BigID, ForeignKey("habits.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(Text)
    # `manual` (typed in: it wins and stays) or `device` (the fitness day value of a habit fed
    # by data, kept in step by the ingestion until a manual check-in replaces it).
    origin: Mapped[str] = mapped_column(String(8), default="manual", server_default="manual")
