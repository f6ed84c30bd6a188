"""goals: a target of met periods of a habit between two dates, one open goal per habit

Revision ID: d2b5d7f9a602
Revises: c3c7a2d9f403
Create Date: 2026-12-03 12:00:00.000000

`goals` holds each habit's goals, open and closed. Only `state` and `achieved_on` are stored of
a goal's outcome; how far it has come is computed from the check-ins by the habit maths. A
partial unique index keeps at most one open goal per habit (the same text on SQLite and
PostgreSQL). A new table: no existing row changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from habitual.kit.types import BigID, UTCDateTime

revision: str = "d2b5d7f9a602"
down_revision: str | None = "c3c7a2d9f403"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", BigID, nullable=False),
        sa.Column("user_id", BigID, nullable=False),
        sa.Column("habit_id", BigID, nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("consecutive", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("target >= 1", name=op.f("ck_goals_target_positive")),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_goals_end_after_start")
        ),
        sa.CheckConstraint(
            "state IN ('open', 'achieved', 'failed', 'abandoned')",
            name=op.f("ck_goals_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["habit_id"], ["habits.id"], name=op.f("fk_goals_habit_id_habits"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_goals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    op.create_index(op.f("ix_goals_user_id"), "goals", ["user_id"], unique=False)
    op.create_index("ix_goals_habit_created", "goals", ["habit_id", "created_at"], unique=False)
    op.create_index(
        "uq_goals_open_habit",
        "goals",
        ["habit_id"],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_goals_open_habit", table_name="goals")
    op.drop_index("ix_goals_habit_created", table_name="goals")
    op.drop_index(op.f("ix_goals_user_id"), table_name="goals")
    op.drop_table("goals")
