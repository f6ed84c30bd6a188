from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class Event(StrEnum):
    """What a notification tells of: the values of `notifications.event`."""

    reminder = "reminder"
    streak_milestone = "streak_milestone"
    goal_reached = "goal_reached"
    target_met = "target_met"
    goal_achieved = "goal_achieved"
    challenge_started = "challenge_started"
    challenge_finished = "challenge_finished"
    fitness_goal_reached = "fitness_goal_reached"


class Notification(Base):
    """Something to tell a user, written in the same transaction as what caused it.

    `dedupe_key` is unique: each event becomes one notification, however often it is noticed.
    `in_inbox` says it was addressed to the in-app channel: the inbox reads this table, so it
    holds the notification from its commit on, and no delivery is made for it.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"))
    habit_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("habits.id", ondelete="SET NULL")
    )
    event: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    in_inbox: Mapped[bool] = mapped_column(default=False, server_default=false())
