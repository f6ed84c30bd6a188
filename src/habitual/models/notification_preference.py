from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class NotificationPreference(Base):
    """The channels a user chose for one event; no row: the event's default.

    A row per (user, event) chosen rather than a JSON document on `users`: the outbox reads the
    rows of a batch's users in one statement by the primary key's prefix, an event added later
    needs no migration (`event` is the plain value of `Event`), setting one event writes one
    row, and going back to the default deletes it.
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    channels: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
