from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base, Timestamped


class Reminder(Timestamped, Base):
    """A nudge at a local wall time on chosen weekdays; `next_fire_at` is its next UTC instant."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "active", "next_fire_at"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    habit_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("habits.id", ondelete="CASCADE"), index=True
    )
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", the user's wall clock
    days: Mapped[int] = mapped_column(default=127)  # bit n set: weekday n (0 = Monday)
    message: Mapped[str | None] = mapped_column(Text)
    channels: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
