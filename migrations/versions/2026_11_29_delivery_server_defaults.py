"""delivery server defaults: a new delivery is pending, with no attempts, by the schema's word

Revision ID: eee8660d20d0
Revises: 432724260ade
Create Date: 2026-11-29 18:44:30.937322

`deliveries.status` starts at 'pending' and `deliveries.attempts` at 0 in the database itself,
so the outbox's INSERT (on the driver, below the models' defaults) no longer restates them.
No row changes. SQLite copies the deliveries table to change a column's default.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eee8660d20d0"
down_revision: str | None = "432724260ade"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            server_default="pending",
        )
        batch_op.alter_column(
            "attempts",
            existing_type=sa.Integer(),
            existing_nullable=False,
            server_default=sa.text("0"),
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            server_default=None,
        )
        batch_op.alter_column(
            "attempts", existing_type=sa.Integer(), existing_nullable=False, server_default=None
        )
