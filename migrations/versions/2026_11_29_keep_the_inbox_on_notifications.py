"""keep the inbox on notifications: in-app notifications need no delivery

Revision ID: 432724260ade
Revises: a7e76007c474
Create Date: 2026-11-29 10:12:40.118254

The inbox listed notifications whose in-app delivery a worker had marked delivered, so without
a running worker (PostgreSQL does not embed one) it stayed empty, and with one it lagged. Now
`notifications.in_inbox` marks those addressed to the in-app channel and the inbox reads it:
a notification is there from its commit on. The worker sends only email and webhooks.

Every notification that had an in-app delivery, whatever its state, is in the inbox; those
deliveries are removed, and a delivery's channel can no longer be `inapp` (SQLite copies the
deliveries table to change that check). The downgrade makes them again, delivered, for the
notifications in the inbox; on SQLite it needs 3.35 or newer to drop the column in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "432724260ade"
down_revision: str | None = "a7e76007c474"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

notifications = sa.table(
    "notifications", sa.column("id"), sa.column("created_at"), sa.column("in_inbox", sa.Boolean)
)
deliveries = sa.table(
    "deliveries",
    sa.column("notification_id"),
    sa.column("channel"),
    sa.column("status"),
    sa.column("attempts"),
    sa.column("next_attempt_at"),
    sa.column("delivered_at"),
    sa.column("created_at"),
)


def upgrade() -> None:
    # Not in a batch: SQLite adds the column in place, where a batch would copy the table, and
    # dropping the old copy would cascade to the deliveries.
    op.add_column(
        "notifications",
        sa.Column("in_inbox", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(
        notifications.update()
        .where(
            sa.exists().where(
                deliveries.c.notification_id == notifications.c.id,
                deliveries.c.channel == "inapp",
            )
        )
        .values(in_inbox=True)
    )
    op.execute(deliveries.delete().where(deliveries.c.channel == "inapp"))
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_channel"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_deliveries_channel"), "channel IN ('email', 'webhook')"
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_channel"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_deliveries_channel"), "channel IN ('inapp', 'email', 'webhook')"
        )
    op.execute(
        deliveries.insert().from_select(
            [
                "notification_id",
                "channel",
                "status",
                "attempts",
                "next_attempt_at",
                "delivered_at",
                "created_at",
            ],
            sa.select(
                notifications.c.id,
                sa.literal("inapp"),
                sa.literal("delivered"),
                sa.literal(1),
                notifications.c.created_at,
                notifications.c.created_at,
                notifications.c.created_at,
            ).where(notifications.c.in_inbox.is_(True)),
        )
    )
    op.drop_column("notifications", "in_inbox")  # in place, as it was added
