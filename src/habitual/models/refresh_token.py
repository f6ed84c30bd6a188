from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class RefreshToken(Base):
    """An opaque refresh token, kept only as its SHA-256 digest; spent once, then replaced."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    spent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
