"""keep stats carries: a habit's all-time statistics up to a boundary, and a history version

Revision ID: a7e76007c474
Revises: 13d6a99512ab
Create Date: 2026-11-27 18:34:51.735425

`GET /habits/{id}/stats` over two years of a daily habit judged ~730 periods and scored ~730
days on every call (26.9M instructions, bench/README.md). `habit_stats_carries` keeps the
running totals up to a boundary a few days back, so a read folds in only the days since.
`habits.history_version` is bumped by back-filled check-ins, which a carry may hold. The table
is a cache: the upgrade leaves it empty and reads fill it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from habitual.kit.types import BigID, UTCDateTime

revision: str = "a7e76007c474"
down_revision: str | None = "13d6a99512ab"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "habit_stats_carries",
        sa.Column("habit_id", BigID, nullable=False),
        sa.Column("history_version", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=64), nullable=False),
        sa.Column("until_date", sa.Date(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["habit_id"],
            ["habits.id"],
            name=op.f("fk_habit_stats_carries_habit_id_habits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("habit_id", name=op.f("pk_habit_stats_carries")),
    )
    with op.batch_alter_table("habits") as batch_op:
        batch_op.add_column(
            sa.Column("history_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("habits") as batch_op:
        batch_op.drop_column("history_version")
    op.drop_table("habit_stats_carries")
