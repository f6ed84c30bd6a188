"""challenges: people doing one habit between two dates, ranked live, final standings kept

Revision ID: d3c6e8a1b703
Revises: d1a4c6e8f501
Create Date: 2026-12-03 12:10:04.481307

Three new tables and no change to existing rows: `challenges` (with the habit template in the
rule columns habits have), `challenge_participants` (one per person and challenge, with their
figures as last computed, a cache), and `challenge_final_standings` (written once a challenge is
over, never recomputed).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from habitual.kit.types import BigID, UTCDateTime

revision: str = "d3c6e8a1b703"
down_revision: str | None = "d1a4c6e8f501"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", BigID, nullable=False),
        sa.Column("owner_id", BigID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=True),
        sa.Column("invite_code_hash", sa.String(length=64), nullable=True),
        sa.Column("finalized_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("frequency", sa.String(length=16), server_default="daily", nullable=False),
        sa.Column("times_per_period", sa.Integer(), server_default="1", nullable=False),
        sa.Column("target_days", sa.Integer(), server_default="127", nullable=False),
        sa.Column("every_n_days", sa.Integer(), server_default="1", nullable=False),
        sa.Column("goal_value", sa.Double(), nullable=True),
        sa.Column("goal_type", sa.String(length=16), server_default="at_least", nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('boolean', 'measurable')", name=op.f("ck_challenges_kind")),
        sa.CheckConstraint(
            "frequency IN ('daily', 'weekly', 'monthly', 'every_n_days')",
            name=op.f("ck_challenges_frequency"),
        ),
        sa.CheckConstraint("target_days BETWEEN 1 AND 127", name=op.f("ck_challenges_target_days")),
        sa.CheckConstraint(
            "goal_type IN ('at_least', 'at_most')", name=op.f("ck_challenges_goal_type")
        ),
        sa.CheckConstraint(
            "metric IN ('completion_rate', 'total_value', 'longest_streak')",
            name=op.f("ck_challenges_metric"),
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'private')", name=op.f("ck_challenges_visibility")
        ),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_challenges_end_after_start")),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_challenges_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
        sa.UniqueConstraint("invite_code_hash", name=op.f("uq_challenges_invite_code_hash")),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenges_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "ix_challenges_visibility_end", ["visibility", "end_date"], unique=False
        )

    op.create_table(
        "challenge_final_standings",
        sa.Column("challenge_id", BigID, nullable=False),
        sa.Column("user_id", BigID, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("completion_rate", sa.Double(), nullable=True),
        sa.Column("total_value", sa.Double(), nullable=True),
        sa.Column("longest_streak", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_final_standings_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_challenge_final_standings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "challenge_id", "user_id", name=op.f("pk_challenge_final_standings")
        ),
    )
    with op.batch_alter_table("challenge_final_standings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_challenge_final_standings_rank", ["challenge_id", "rank", "user_id"], unique=False
        )

    op.create_table(
        "challenge_participants",
        sa.Column("id", BigID, nullable=False),
        sa.Column("challenge_id", BigID, nullable=False),
        sa.Column("user_id", BigID, nullable=False),
        sa.Column("habit_id", BigID, nullable=False),
        sa.Column("joined_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("told_started", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("met", sa.Integer(), server_default="0", nullable=False),
        sa.Column("due", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completion_rate", sa.Double(), nullable=True),
        sa.Column("total_value", sa.Double(), nullable=True),
        sa.Column("longest_streak", sa.Integer(), server_default="0", nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("fresh_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("history_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recent_from", sa.Date(), nullable=True),
        sa.Column("recent_count", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_participants_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["habit_id"],
            ["habits.id"],
            name=op.f("fk_challenge_participants_habit_id_habits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_challenge_participants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_participants")),
        sa.UniqueConstraint(
            "challenge_id", "user_id", name=op.f("uq_challenge_participants_challenge_id")
        ),
    )
    with op.batch_alter_table("challenge_participants", schema=None) as batch_op:
        batch_op.create_index("ix_challenge_participants_habit_id", ["habit_id"], unique=False)
        batch_op.create_index("ix_challenge_participants_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("challenge_participants", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_participants_user_id")
        batch_op.drop_index("ix_challenge_participants_habit_id")

    op.drop_table("challenge_participants")
    with op.batch_alter_table("challenge_final_standings", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_final_standings_rank")

    op.drop_table("challenge_final_standings")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index("ix_challenges_visibility_end")
        batch_op.drop_index(batch_op.f("ix_challenges_owner_id"))

    op.drop_table("challenges")
