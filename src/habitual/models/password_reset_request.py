from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class PasswordResetRequest(Base):
    """An address someone asked a password reset for, until the worker turns it into an email
    (if an account has it) or drops it.

    Written for every address alike, known or not, so that the request does the same work
    either way: whether an account has the address is first looked at by the worker.
    """

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    email_key: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
