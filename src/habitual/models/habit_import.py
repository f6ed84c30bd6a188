from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class HabitImport(Base):
    """One import of another app's file (or of our own export) and what it made; a dry run
    leaves none. The file itself is not kept, only its digest and size."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(default=0)
    habits_created: Mapped[int] = mapped_column(default=0)
    habits_updated: Mapped[int] = mapped_column(default=0)
    checkins_created: Mapped[int] = mapped_column(default=0)
    reminders_created: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ImportedHabit(Base):
    """Which of the person's habits a source's habit became: `source_key` is
    `{format}:{source id}` (or `{format}:name:{name}` when the source has no ids)."""

    __tablename__ = "imported_habits"
    __table_args__ = (Index("ix_imported_habits_habit_id", "habit_id"),)

    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    source_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    habit_id: Mapped[int] = mapped_column(BigID, ForeignKey("habits.id", ondelete="CASCADE"))
