"""caldav accounts: the CalDAV calendar each person has the worker push their habits to

Revision ID: e6c3a4f5b701
Revises: d5b2f3e4a601
Create Date: 2026-12-05 14:40:00.000000

One new table; no row of another changes. The password is stored sealed (kit/secrets.py), and
`pushed` holds each pushed event's UID with the digest of what was written for it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "e6c3a4f5b701"
down_revision: str | None = "d5b2f3e4a601"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "caldav_accounts",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("sealed_password", sa.String(length=2048), nullable=False),
        sa.Column("pushed", sa.JSON(), nullable=False),
        sa.Column("sync_requested", sa.Boolean(), nullable=False),
        sa.Column("last_checked_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_synced_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_caldav_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_caldav_accounts")),
    )


def downgrade() -> None:
    op.drop_table("caldav_accounts")
