from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class HabitShare(Base):
    """A public link to one habit's figures; kept only as its token's SHA-256 digest. Deleting
    the row revokes the link."""

    __tablename__ = "habit_shares"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    habit_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("habits.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
