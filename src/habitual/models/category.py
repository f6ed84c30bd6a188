from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID
from habitual.models.base import Base, Timestamped


class Category(Timestamped, Base):
    """A label that admins manage and anyone may put on their habits (many-to-many)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    # The case-folded name carries the uniqueness regardless of case, also under a race; folding
    # can lengthen a name (`ß` -> `ss`), hence the room.
    name_key: Mapped[str] = mapped_column(String(240), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    icon: Mapped[str | None] = mapped_column(String(64))
    color: Mapped[str | None] = mapped_column(String(7))  # `#rrggbb`, lower case


class HabitCategory(Base):
    """One habit in one category; both sides' deletion removes the link, and nothing else."""

    __tablename__ = "habit_categories"

    habit_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("habits.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )
