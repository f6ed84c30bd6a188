from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base, Timestamped
from habitual.models.habit_rule import RuleColumns

# What a unit tells (db.UnitOfWork.tell) when a habit fed by data needs its days filled from the
# data there is (created fed, given another metric, re-dated, restored): (person, habit id).
# fitness/ does it before the unit commits, so habits/ needs not import it.
FEED_HABIT = "habits.feed"


class Habit(RuleColumns, Timestamped, Base):
    """What a user wants to do, with its current schedule and goal.

    Its rule columns (`RuleColumns`) repeat the newest `habit_rules` row, which keeps every
    version with the date it took effect; lists, filters and "today" read them here without a
    join.
    """

    __tablename__ = "habits"
    __table_args__ = (
        CheckConstraint("kind IN ('boolean', 'measurable')", name="kind"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint(
            "data_source_metric IS NULL OR kind = 'measurable'", name="data_source_measurable"
        ),
        # Names are unique among a user's active habits, regardless of case.
        Index(
            "uq_habits_active_name",
            "user_id",
            "name_key",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
        Index("ix_habits_user_position", "user_id", "position"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    color: Mapped[str | None] = mapped_column(String(7))
    icon: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped by every change to check-ins that a stats carry may hold (habit_stats_carries).
    history_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # A measurable habit fed by the owner's fitness data: the metric whose day value is the
    # habit's (check-ins with origin `device`); None for a habit typed in.
    data_source_metric: Mapped[str | None] = mapped_column(String(32))
