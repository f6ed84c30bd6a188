"""usage plans: a rate limit per user and per personal access token

Revision ID: c2b6f1c8e302
Revises: c1a5e0b7d201
Create Date: 2026-12-03 09:00:00.000000

Both columns are nullable and start empty: null is the server's default for a user
(`HABITUAL_RATE_LIMIT_USER`) and "only the user's limit" for a token. No row changes. The
downgrade drops them in place (SQLite 3.35 or newer).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c2b6f1c8e302"
down_revision: str | None = "c1a5e0b7d201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("rate_limit", sa.String(length=64), nullable=True))
    op.add_column(
        "personal_access_tokens",
        sa.Column("rate_limit", sa.String(length=64), nullable=True),
    )


def downgrade() -> None:
    # In place (SQLite 3.35 or newer): a batch copy of `users` would cascade to its rows.
    op.drop_column("personal_access_tokens", "rate_limit")
    op.drop_column("users", "rate_limit")
