from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class AuthSession(Base):
    """One login: the family of refresh tokens it rotates through, and the access tokens it signs.

    Revoking it ends the login at once: access tokens carry its id and are checked against it.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    user_agent: Mapped[str | None] = mapped_column(String(255))
