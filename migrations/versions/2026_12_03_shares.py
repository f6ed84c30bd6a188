"""shares: public, revocable links to one habit's figures

Revision ID: e2b3c4d5e602
Revises: e1a2b3c4d501
Create Date: 2026-12-03 13:30:00.000000

A new table; no row of another changes. A share is kept only as its token's SHA-256 digest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "e2b3c4d5e602"
down_revision: str | None = "e1a2b3c4d501"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "habit_shares",
        sa.Column("id", ID, nullable=False),
        sa.Column("habit_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["habit_id"],
            ["habits.id"],
            name=op.f("fk_habit_shares_habit_id_habits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_habit_shares_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_habit_shares")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_habit_shares_token_hash")),
    )
    with op.batch_alter_table("habit_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_habit_shares_habit_id"), ["habit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_habit_shares_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("habit_shares")
