"""fitness: samples from phones and watches, their day figures, goals and source order

Revision ID: f3c4d5e6f803
Revises: f1a2b3c4d601
Create Date: 2026-12-03 16:00:00.000000

New tables; no row of another changes. Until the lead re-chains it, this revises f1a2b3c4d601
(group habits); it is meant to follow f2b3c4d5e702.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "f3c4d5e6f803"
down_revision: str | None = "f1a2b3c4d601"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WEIGHT_ONLY = sa.text("metric = 'weight_kg'")


def _user(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "fitness_samples",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("sample_key", sa.String(length=300), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("start_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        _user("fitness_samples"),
        sa.PrimaryKeyConstraint("user_id", "source", "sample_key", name=op.f("pk_fitness_samples")),
    )
    op.create_index(
        "ix_fitness_samples_weight_days",
        "fitness_samples",
        ["user_id", "local_date"],
        unique=False,
        postgresql_where=WEIGHT_ONLY,
        sqlite_where=WEIGHT_ONLY,
    )
    op.create_table(
        "fitness_days",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Float(), nullable=True),
        sa.Column("last_start_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=True),
        _user("fitness_days"),
        sa.PrimaryKeyConstraint(
            "user_id", "metric", "local_date", "source", name=op.f("pk_fitness_days")
        ),
    )
    op.create_table(
        "fitness_goals",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("daily_target", sa.Float(), nullable=False),
        sa.Column("updated_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        _user("fitness_goals"),
        sa.PrimaryKeyConstraint("user_id", "metric", name=op.f("pk_fitness_goals")),
    )
    op.create_table(
        "fitness_sources",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("priority", sa.JSON(), nullable=False),
        sa.Column("updated_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        _user("fitness_sources"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_fitness_sources")),
    )


def downgrade() -> None:
    op.drop_table("fitness_sources")
    op.drop_table("fitness_goals")
    op.drop_table("fitness_days")
    op.drop_index("ix_fitness_samples_weight_days", table_name="fitness_samples")
    op.drop_table("fitness_samples")
