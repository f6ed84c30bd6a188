from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class StatsCarry(Base):
    """A habit's all-time statistics up to `until_date`, kept so that reading them costs only the
    days since (habitmath/carry.py). A cache: deleting every row loses nothing.

    Valid while `history_version` equals the habit's (back-filled check-ins bump it) and `basis`
    is the digest of what judges its days (rules, start and end, the owner's week start).
    """

    __tablename__ = "habit_stats_carries"

    habit_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("habits.id", ondelete="CASCADE"), primary_key=True
    )
    history_version: Mapped[int]
    basis: Mapped[str] = mapped_column(String(64))
    until_date: Mapped[date]
    state: Mapped[str] = mapped_column(Text)  # Carry.to_json(), as JSON text
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
