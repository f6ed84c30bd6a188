from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base, Timestamped


class CaldavAccount(Timestamped, Base):
    """A person's CalDAV calendar (at most one) that the worker keeps in step with their habits.

    The password has to be read back (it signs in on every sync), so it is kept sealed under a
    key derived from the server's secret key (kit/secrets.py `SecretBox`) and never returned.
    `pushed` is what the calendar holds as far as we know: each event's UID and the SHA-256 of
    the calendar object last written for it, so a sync writes only what changed.
    """

    __tablename__ = "caldav_accounts"

    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    username: Mapped[str] = mapped_column(String(255))
    sealed_password: Mapped[str] = mapped_column(String(2048))
    pushed: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    sync_requested: Mapped[bool] = mapped_column(default=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
