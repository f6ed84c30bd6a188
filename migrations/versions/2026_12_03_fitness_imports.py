"""fitness imports: files of wearables' exports being read into samples

Revision ID: f5e6f7a8b905
Revises: f3c4d5e6f803
Create Date: 2026-12-03 16:00:00.000000

A new table; no row of another changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "f5e6f7a8b905"
down_revision: str | None = "f3c4d5e6f803"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = habitual.kit.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fitness_imports",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("samples_read", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'done', 'failed')",
            name=op.f("ck_fitness_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_fitness_imports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fitness_imports")),
    )
    with op.batch_alter_table("fitness_imports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fitness_imports_user_created", ["user_id", "created_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("fitness_imports")
