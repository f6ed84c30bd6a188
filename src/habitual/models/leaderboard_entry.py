from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base

# What a unit tells (db.UnitOfWork.tell) for leaderboards/ to do before it commits, so that a
# feature changing someone's figures needs not import it: a user id whose entries to recompute,
# and a scope (`group:{id}`, `challenge:{id}`) that is gone.
REFRESH_BOARDS = "leaderboards.refresh"
DROP_BOARDS = "leaderboards.drop"


class LeaderboardEntry(Base):
    """One person's kept value on one board of one scope (`global`, `group:{id}`,
    `challenge:{id}`): the truth the boards are read from, and that Redis mirrors
    (leaderboards/). Written in the transaction of whatever changed it."""

    __tablename__ = "leaderboard_entries"
    __table_args__ = (
        # The board read: best value first, then who reached it first.
        Index("ix_leaderboard_entries_ranking", "board", "scope", "value", "reached_at", "user_id"),
        Index("ix_leaderboard_entries_user_id", "user_id"),
        Index("ix_leaderboard_entries_lapses_at", "lapses_at"),
    )

    board: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[int]
    # When the value was reached, to the second (Redis encodes the same second in its score).
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the value stops being true without any write (a streak's period passing unmet, the
    # week ending); None: it holds until the next write.
    lapses_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
