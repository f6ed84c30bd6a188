from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base, Timestamped


class GoalState(StrEnum):
    """What is stored of a goal's outcome: `open` until it is achieved, abandoned, or closed
    as failed when a newer goal replaces it. Whether an open goal is active or failed is
    computed from the check-ins (goals/service.py)."""

    open = "open"
    achieved = "achieved"
    failed = "failed"
    abandoned = "abandoned"


class Goal(Timestamped, Base):
    """A target of met periods of one habit between two dates (no end date: open-ended).

    At most one goal per habit is open (a partial unique index), so two racing creations
    cannot both succeed; the closed ones stay as the habit's history.
    """

    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint("target >= 1", name="target_positive"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint("state IN ('open', 'achieved', 'failed', 'abandoned')", name="state_known"),
        Index(
            "uq_goals_open_habit",
            "habit_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        Index("ix_goals_habit_created", "habit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    habit_id: Mapped[int] = mapped_column(BigID, ForeignKey("habits.id", ondelete="CASCADE"))
    target: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    consecutive: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(16), default=GoalState.open.value)
    achieved_on: Mapped[date | None]  # the owner's local date the goal was reached
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
