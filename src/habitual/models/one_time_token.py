from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class TokenPurpose(StrEnum):
    """What a one-time token does: the values of `one_time_tokens.purpose`, and the
    `notifications.event` of the account email that carries it."""

    password_reset = "password_reset"  # noqa: S105 - a purpose, not a password
    email_verification = "email_verification"


class OneTimeToken(Base):
    """A token mailed to an account's address, kept only as its SHA-256 digest.

    It works once (`used_at`) and until `expires_at`, and only for the address it was sent to
    (`email`): a changed address makes it worthless.
    """

    __tablename__ = "one_time_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('password_reset', 'email_verification')", name="purpose"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
