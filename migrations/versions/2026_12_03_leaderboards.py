"""leaderboards: kept board entries, and the opt-in to the global boards

Revision ID: f2b3c4d5e702
Revises: f4d5e6f7a904
Create Date: 2026-12-03 16:00:00.000000

A new table and a new column (false for everyone: nobody is on a global board until they opt in).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "f2b3c4d5e702"
down_revision: str | None = "f4d5e6f7a904"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("leaderboard_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "leaderboard_entries",
        sa.Column("board", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("reached_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lapses_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_leaderboard_entries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("board", "scope", "user_id", name=op.f("pk_leaderboard_entries")),
    )
    with op.batch_alter_table("leaderboard_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leaderboard_entries_ranking",
            ["board", "scope", "value", "reached_at", "user_id"],
            unique=False,
        )
        batch_op.create_index("ix_leaderboard_entries_user_id", ["user_id"], unique=False)
        batch_op.create_index("ix_leaderboard_entries_lapses_at", ["lapses_at"], unique=False)


def downgrade() -> None:
    op.drop_table("leaderboard_entries")
    op.drop_column("users", "leaderboard_opt_in")  # in place, as it was added
