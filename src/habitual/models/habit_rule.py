from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class HabitRule(Base):
    """One version of a habit's schedule and goal, in force from `effective_from` on.

    Past days are judged by the rule of their day, so changing a habit never rewrites history.
    """

    __tablename__ = "habit_rules"
    __table_args__ = (
        UniqueConstraint("habit_id", "effective_from"),
        CheckConstraint(
            "frequency IN ('daily', 'weekly', 'monthly', 'every_n_days')", name="frequency"
        ),
        CheckConstraint("goal_type IN ('at_least', 'at_most')", name="goal_type"),
        CheckConstraint("target_days BETWEEN 1 AND 127", name="target_days"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    habit_id: Mapped[int] = mapped_column(BigID, ForeignKey("habits.id", ondelete="CASCADE"))
    effective_from: Mapped[date]
    frequency: Mapped[str] = mapped_column(String(16))
    times_per_period: Mapped[int] = mapped_column(default=1)
    target_days: Mapped[int] = mapped_column(default=127)  # bit n set: weekday n (0 = Monday)
    every_n_days: Mapped[int] = mapped_column(default=1)
    goal_value: Mapped[float | None]
    goal_type: Mapped[str] = mapped_column(String(16), default="at_least")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
