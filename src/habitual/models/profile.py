from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID
from habitual.models.base import Base, Timestamped


class Profile(Timestamped, Base):
    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    dob: Mapped[date | None]
    bio: Mapped[str | None] = mapped_column(Text)
