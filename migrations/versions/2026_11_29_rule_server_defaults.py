"""rule server defaults: the database fills in a rule's defaults, and checks both tables alike

Revision ID: ea21864da6ba
Revises: eee8660d20d0
Create Date: 2026-11-29 18:50:00.000000

The rule columns that `habits` and `habit_rules` share (models/habit_rule.py, `RuleColumns`)
and `habits.position` get their defaults in the database too, so a raw INSERT (the bench, a
script, a later migration that adds a rule version) may leave them out; `habits.history_version`
has had one since 2026_11_27. `habits.target_days` gets the check that `habit_rules` has: both
tables hold the same rule. No row changes.

SQLite changes a default by copying the table (batch mode), which env.py runs with foreign keys
off: with them on, dropping the old `habits` would delete every check-in, rule and reminder.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ea21864da6ba"
down_revision: str | None = "eee8660d20d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE_DEFAULTS = {
    "frequency": "daily",
    "times_per_period": "1",
    "target_days": "127",
    "every_n_days": "1",
    "goal_type": "at_least",
}
TARGET_DAYS = "target_days BETWEEN 1 AND 127"


def refuse_to_cascade() -> None:
    """Copying `habits` on SQLite with foreign keys enforced would empty the tables under it."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "SQLite enforces foreign keys on this connection: copying habits would delete its "
            "check-ins; migrate through habitual (env.py turns them off outside a transaction)"
        )


def upgrade() -> None:
    refuse_to_cascade()
    with op.batch_alter_table("habits") as batch_op:
        for column, default in RULE_DEFAULTS.items():
            batch_op.alter_column(column, server_default=default)
        batch_op.alter_column("position", server_default="0")
        batch_op.create_check_constraint(op.f("ck_habits_target_days"), TARGET_DAYS)
    with op.batch_alter_table("habit_rules") as batch_op:
        for column, default in RULE_DEFAULTS.items():
            batch_op.alter_column(column, server_default=default)


def downgrade() -> None:
    refuse_to_cascade()
    with op.batch_alter_table("habit_rules") as batch_op:
        for column in RULE_DEFAULTS:
            batch_op.alter_column(column, server_default=None)
    with op.batch_alter_table("habits") as batch_op:
        batch_op.drop_constraint(op.f("ck_habits_target_days"), type_="check")
        batch_op.alter_column("position", server_default=None)
        for column in RULE_DEFAULTS:
            batch_op.alter_column(column, server_default=None)
