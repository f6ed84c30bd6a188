"""encrypt webhook secrets: the signing secrets are kept sealed, never in plain text

Revision ID: c1a5e0b7d201
Revises: ea21864da6ba
Create Date: 2026-12-03 09:00:00

`webhooks.secret` (plain text) becomes `webhooks.sealed_secret`: the same secret sealed with
Fernet under a key derived from the server's secret key (kit/secrets.py `SecretBox`). The key
comes from the settings `habitual migrate` runs with (HABITUAL_SECRET_KEY or its key file),
the same the server will open them with. Going back opens them again (with the current or a
previous key). SQLite copies the webhooks table to rename and widen the column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from habitual.config import Settings
from habitual.kit.secrets import SecretBox

revision: str = "c1a5e0b7d201"
down_revision: str | None = "ea21864da6ba"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _box() -> SecretBox:
    """The box of the settings Habitual migrates with (`upgrade_to_head`), else of the
    environment's, as `alembic` alone would read them."""
    settings = context.config.attributes.get("settings") or Settings()
    return SecretBox.for_settings(settings)


def _rewrite(column: str, change: str) -> None:
    """Rewrite every webhook's secret in `column` with the box's `seal` or `open`."""
    webhooks = sa.table("webhooks", sa.column("id"), sa.column(column))
    connection = op.get_bind()
    rows = connection.execute(sa.select(webhooks.c.id, webhooks.c[column])).all()
    if not rows:
        return  # no key needed: a new database, or one without webhooks
    rewrite = getattr(_box(), change)
    for webhook_id, value in rows:
        connection.execute(
            webhooks.update().where(webhooks.c.id == webhook_id).values({column: rewrite(value)})
        )


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as batch_op:
        batch_op.alter_column(
            "secret",
            new_column_name="sealed_secret",
            existing_type=sa.String(length=100),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
    _rewrite("sealed_secret", "seal")


def downgrade() -> None:
    _rewrite("sealed_secret", "open")
    with op.batch_alter_table("webhooks") as batch_op:
        batch_op.alter_column(
            "sealed_secret",
            new_column_name="secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=100),
            existing_nullable=False,
        )
