from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import ColumnDefault

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class RuleColumns:
    """A habit's rule, its schedule and goal: the columns `habits` (the newest rule) and
    `habit_rules` (every version) share, with their checks and defaults.

    The rest of the code takes the list from here (`RULE_COLUMNS`): a column added here is
    read, versioned and compared with the others, and reaches the `habitmath.schedule.Rule`
    field of its name. The default is the database's too, so a raw INSERT may leave it out.
    """

    frequency: Mapped[str] = mapped_column(
        String(16),
        CheckConstraint(
            "frequency IN ('daily', 'weekly', 'monthly', 'every_n_days')", name="frequency"
        ),
        default="daily",
        server_default="daily",
    )
    times_per_period: Mapped[int] = mapped_column(default=1, server_default="1")
    # Bit n set: weekday n (0 = Monday).
    target_days: Mapped[int] = mapped_column(
        CheckConstraint("target_days BETWEEN 1 AND 127", name="target_days"),
        default=127,
        server_default="127",
    )
    every_n_days: Mapped[int] = mapped_column(default=1, server_default="1")
    goal_value: Mapped[float | None]
    goal_type: Mapped[str] = mapped_column(
        String(16),
        CheckConstraint("goal_type IN ('at_least', 'at_most')", name="goal_type"),
        default="at_least",
        server_default="at_least",
    )


# The rule's columns in their order, each named like its field of `habitmath.schedule.Rule`,
# and the values the ORM gives those left out (the database's defaults too).
RULE_COLUMNS: tuple[str, ...] = tuple(RuleColumns.__annotations__)


class HabitRule(RuleColumns, Base):
    """One version of a habit's schedule and goal, in force from `effective_from` on.

    Past days are judged by the rule of their day, so changing a habit never rewrites history.
    """

    __tablename__ = "habit_rules"
    __table_args__ = (UniqueConstraint("habit_id", "effective_from"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    habit_id: Mapped[int] = mapped_column(BigID, ForeignKey("habits.id", ondelete="CASCADE"))
    effective_from: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


RULE_DEFAULTS: dict[str, object] = {
    column.key: column.default.arg
    for column in HabitRule.__table__.columns
    if column.key in RULE_COLUMNS
    and isinstance(column.default, ColumnDefault)
    and column.default.is_scalar
}
