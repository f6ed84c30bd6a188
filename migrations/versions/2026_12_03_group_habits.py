"""group habits: a member's habits shared with a group

Revision ID: f1a2b3c4d601
Revises: e2b3c4d5e602
Create Date: 2026-12-03 15:00:00.000000

A new table; no row of another changes. Each row hangs on its membership (composite foreign
key), so leaving a group withdraws what was shared with it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "f1a2b3c4d601"
down_revision: str | None = "e2b3c4d5e602"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "group_habits",
        sa.Column("group_id", ID, nullable=False),
        sa.Column("habit_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("shared_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id", "user_id"],
            ["group_members.group_id", "group_members.user_id"],
            name=op.f("fk_group_habits_group_id_group_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["habit_id"],
            ["habits.id"],
            name=op.f("fk_group_habits_habit_id_habits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "habit_id", name=op.f("pk_group_habits")),
    )
    with op.batch_alter_table("group_habits", schema=None) as batch_op:
        batch_op.create_index("ix_group_habits_habit_id", ["habit_id"], unique=False)
        batch_op.create_index("ix_group_habits_group_user", ["group_id", "user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("group_habits")
