"""imports: what each import of another app's file made, and which habit each source habit became

Revision ID: d5b2f3e4a601
Revises: c4a1e2d3f501
Create Date: 2026-12-05 14:30:00.000000

Two new tables; no row of another changes. `imported_habits` is how a second import of the same
file finds the habits the first one made (by the source's own id, or name when it has none).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "d5b2f3e4a601"
down_revision: str | None = "c4a1e2d3f501"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("habits_created", sa.Integer(), nullable=False),
        sa.Column("habits_updated", sa.Integer(), nullable=False),
        sa.Column("checkins_created", sa.Integer(), nullable=False),
        sa.Column("reminders_created", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("created_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_imports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index("ix_imports_user_created", "imports", ["user_id", "created_at"])
    op.create_table(
        "imported_habits",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("source_key", sa.String(length=300), nullable=False),
        sa.Column("habit_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_imported_habits_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["habit_id"],
            ["habits.id"],
            name=op.f("fk_imported_habits_habit_id_habits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "source_key", name=op.f("pk_imported_habits")),
    )
    op.create_index("ix_imported_habits_habit_id", "imported_habits", ["habit_id"])


def downgrade() -> None:
    op.drop_index("ix_imported_habits_habit_id", table_name="imported_habits")
    op.drop_table("imported_habits")
    op.drop_index("ix_imports_user_created", table_name="imports")
    op.drop_table("imports")
