from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class FitnessImport(Base):
    """A file of a wearable's export being read into samples, and what came of it.

    `updated_at` moves with every chunk read: an import `processing` whose `updated_at` stands
    still was cut off (its process stopped) and reads as failed."""

    __tablename__ = "fitness_imports"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'processing', 'done', 'failed')", name="status"),
        Index("ix_fitness_imports_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    filename: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(default=0)
    samples_read: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
