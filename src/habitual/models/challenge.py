from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base, Timestamped
from habitual.models.habit_rule import RuleColumns


class Challenge(RuleColumns, Timestamped, Base):
    """People doing the same habit between two dates, ranked by one metric.

    Its rule columns (`RuleColumns`) are the habit template a participant's new habit is made
    from. A private challenge keeps only the SHA-256 digest of its invite code.
    """

    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("kind IN ('boolean', 'measurable')", name="kind"),
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint(
            "metric IN ('completion_rate', 'total_value', 'longest_streak')", name="metric"
        ),
        CheckConstraint("visibility IN ('public', 'private')", name="visibility"),
        Index("ix_challenges_visibility_end", "visibility", "end_date"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date]
    end_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(8))
    max_participants: Mapped[int | None]
    invite_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Set once the standings are final and kept in `challenge_final_standings`.
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChallengeParticipant(Base):
    """Someone taking part, with the habit that counts, and their figures as last computed.

    The figures are a cache of the habit maths over the challenge's days (challenges/service.py
    says when they are stale); leaving deletes the row, never the habit.
    """

    __tablename__ = "challenge_participants"
    __table_args__ = (
        # One participation per person, whatever the concurrency (`ON CONFLICT DO NOTHING`).
        UniqueConstraint("challenge_id", "user_id"),
        Index("ix_challenge_participants_habit_id", "habit_id"),
        Index("ix_challenge_participants_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("challenges.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"))
    habit_id: Mapped[int] = mapped_column(BigID, ForeignKey("habits.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    told_started: Mapped[bool] = mapped_column(default=False, server_default=false())
    met: Mapped[int] = mapped_column(default=0, server_default="0")
    due: Mapped[int] = mapped_column(default=0, server_default="0")
    completion_rate: Mapped[float | None]
    total_value: Mapped[float | None]
    longest_streak: Mapped[int] = mapped_column(default=0, server_default="0")
    # What the figures were computed from: valid while all of it still holds.
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fresh_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    history_version: Mapped[int] = mapped_column(default=0, server_default="0")
    recent_from: Mapped[date | None]
    recent_count: Mapped[int] = mapped_column(default=0, server_default="0")


class ChallengeFinalStanding(Base):
    """A participant's place once the challenge is over: written once, never recomputed."""

    __tablename__ = "challenge_final_standings"
    __table_args__ = (
        Index("ix_challenge_final_standings_rank", "challenge_id", "rank", "user_id"),
    )

    challenge_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int]
    met: Mapped[int]
    due: Mapped[int]
    completion_rate: Mapped[float | None]
    total_value: Mapped[float | None]
    longest_streak: Mapped[int]
