"""profile and categories: phone and display name on accounts; categories of habits

Revision ID: d1a4c6e8f501
Revises: d2b5d7f9a602
Create Date: 2026-12-03 12:30:00.000000

`users.phone` (E.164, shown to its owner only) and `users.display_name` (what others see,
default the username) are nullable and start empty: no row changes. `categories` are managed by
admins, their names unique regardless of case through `name_key` (the case-folded name);
`habit_categories` links habits and categories, each link removed with either side. The
columns are added in place (no batch): on SQLite a batch copies `users`, and dropping the old
copy would cascade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "d1a4c6e8f501"
down_revision: str | None = "d2b5d7f9a602"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("users", sa.Column("phone", sa.String(length=16), nullable=True))
    op.add_column("users", sa.Column("display_name", sa.String(length=50), nullable=True))
    op.create_table(
        "categories",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=240), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("icon", sa.String(length=64), nullable=True),
        sa.Column("color", sa.String(length=7), nullable=True),
        sa.Column("created_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("name_key", name=op.f("uq_categories_name_key")),
    )
    op.create_table(
        "habit_categories",
        sa.Column("habit_id", ID, nullable=False),
        sa.Column("category_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_habit_categories_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["habit_id"],
            ["habits.id"],
            name=op.f("fk_habit_categories_habit_id_habits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("habit_id", "category_id", name=op.f("pk_habit_categories")),
    )
    op.create_index(
        op.f("ix_habit_categories_category_id"),
        "habit_categories",
        ["category_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_habit_categories_category_id"), table_name="habit_categories")
    op.drop_table("habit_categories")
    op.drop_table("categories")
    op.drop_column("users", "display_name")  # in place, as they were added
    op.drop_column("users", "phone")
