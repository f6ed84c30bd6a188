"""groups: invite-only groups, their members with roles, and invite codes kept as digests

Revision ID: e1a2b3c4d501
Revises: d3c6e8a1b703
Create Date: 2026-12-03 13:35:00.000000

Three new tables and no change to existing rows: `groups`,
`group_members` (one per person and group, with a role) and `group_invites` (a code's SHA-256
digest, its expiry, its use limit and count, and when it was revoked).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from habitual.kit.types import BigID, UTCDateTime

revision: str = "e1a2b3c4d501"
down_revision: str | None = "d3c6e8a1b703"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", BigID, nullable=False),
        sa.Column("owner_id", BigID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_groups_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_groups_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "group_members",
        sa.Column("group_id", BigID, nullable=False),
        sa.Column("user_id", BigID, nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("joined_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('owner', 'admin', 'member')", name=op.f("ck_group_members_role")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_members_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index("ix_group_members_user_id", ["user_id"], unique=False)

    op.create_table(
        "group_invites",
        sa.Column("id", BigID, nullable=False),
        sa.Column("group_id", BigID, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_invites_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_group_invites_code_hash")),
    )
    with op.batch_alter_table("group_invites", schema=None) as batch_op:
        batch_op.create_index("ix_group_invites_group_id", ["group_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_invites", schema=None) as batch_op:
        batch_op.drop_index("ix_group_invites_group_id")
    op.drop_table("group_invites")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_group_members_user_id")
    op.drop_table("group_members")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groups_owner_id"))
    op.drop_table("groups")
