"""habits fed by data: a measurable habit's fitness metric, and where each check-in came from

Revision ID: b1d2e3f4a901
Revises: f2b3c4d5e702
Create Date: 2026-12-03 19:00:00.000000

Two columns: every existing habit is fed by nothing, every existing check-in was typed in
(`manual`). Device check-ins are written by the fitness ingestion only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b1d2e3f4a901"
down_revision: str | None = "f2b3c4d5e702"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("habits") as batch:
        batch.add_column(sa.Column("data_source_metric", sa.String(length=32), nullable=True))
        batch.create_check_constraint(
            op.f("ck_habits_data_source_measurable"),
            "data_source_metric IS NULL OR kind = 'measurable'",
        )
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=8), server_default="manual", nullable=False)
        )
        batch.create_check_constraint(op.f("ck_checkins_origin"), "origin IN ('manual', 'device')")


def downgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.drop_constraint(op.f("ck_checkins_origin"), type_="check")
        batch.drop_column("origin")
    with op.batch_alter_table("habits") as batch:
        batch.drop_constraint(op.f("ck_habits_data_source_measurable"), type_="check")
        batch.drop_column("data_source_metric")
