"""account recovery: one-time tokens for password resets and email verification

Revision ID: c3c7a2d9f403
Revises: c2b6f1c8e302
Create Date: 2026-12-03 09:00:00.000000

`one_time_tokens` holds the tokens mailed for a password reset or an email verification, only
as their SHA-256 digests (the primary key), each with its purpose, account, the address it was
sent to, its expiry and when it was used. `password_reset_requests` holds the addresses a
reset was asked for until the worker looks them up (the request does the same work whether or
not an account has the address). `users.email_verified` says a link mailed to the
account's address was opened; email notifications go only to verified addresses.

Every existing account starts unverified: nothing ever proved its address, and marking it
verified would send notifications to addresses nobody confirmed. Its owner verifies with
`POST /users/me/verify-email/resend` and the link it mails. The column is added in place (no
batch): on SQLite a batch copies `users`, and dropping the old copy would cascade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import habitual.kit.types

revision: str = "c3c7a2d9f403"
down_revision: str | None = "c2b6f1c8e302"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "one_time_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('password_reset', 'email_verification')",
            name=op.f("ck_one_time_tokens_purpose"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_one_time_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_one_time_tokens")),
    )
    op.create_index(
        op.f("ix_one_time_tokens_user_id"), "one_time_tokens", ["user_id"], unique=False
    )
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("created_at", habitual.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )


def downgrade() -> None:
    op.drop_table("password_reset_requests")
    op.drop_index(op.f("ix_one_time_tokens_user_id"), table_name="one_time_tokens")
    op.drop_table("one_time_tokens")
    op.drop_column("users", "email_verified")  # in place, as it was added
