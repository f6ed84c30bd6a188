from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, String, false
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID
from habitual.models.base import Base, Timestamped


class Role(StrEnum):
    user = "user"
    admin = "admin"


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'admin')", name="role"),
        CheckConstraint("week_start BETWEEN 0 AND 6", name="week_start"),
        CheckConstraint("day_start BETWEEN 0 AND 23", name="day_start"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    # Lower-cased copies carry the case-insensitive uniqueness on every database.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    # Proven by a link mailed to `email`; a changed email starts unverified again.
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.user)
    is_active: Mapped[bool] = mapped_column(default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    week_start: Mapped[int] = mapped_column(default=0)  # 0 = Monday, as date.weekday()
    day_start: Mapped[int] = mapped_column(default=0)  # local hour at which a new day begins
    # A usage plan (`6000/minute`, habitual.config.parse_rate_limit); None: the server's default.
    rate_limit: Mapped[str | None] = mapped_column(String(64))
    # E.164 (`+4930123456`), as phonenumbers normalises it; only its owner ever sees it.
    phone: Mapped[str | None] = mapped_column(String(16))
    # What others see instead of anything private; None: the username (users/names.py).
    display_name: Mapped[str | None] = mapped_column(String(50))
    # Listed on the global leaderboards (leaderboards/); groups and challenges list members anyway.
    leaderboard_opt_in: Mapped[bool] = mapped_column(default=False, server_default=false())
