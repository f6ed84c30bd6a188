from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base, Timestamped


class Group(Timestamped, Base):
    """An invite-only group; its owner is also its member with the role `owner`."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)


class GroupMember(Base):
    """Someone in a group, with their role there: exactly one `owner` (the group's owner_id)."""

    __tablename__ = "group_members"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'admin', 'member')", name="role"),
        Index("ix_group_members_user_id", "user_id"),
    )

    group_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(8))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupInvite(Base):
    """An invite code to a group, kept only as its SHA-256 digest; `uses` counts the joins."""

    __tablename__ = "group_invites"
    __table_args__ = (Index("ix_group_invites_group_id", "group_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    group_id: Mapped[int] = mapped_column(BigID, ForeignKey("groups.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0, server_default="0")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupHabit(Base):
    """One of a member's habits shared with a group. The row hangs on the membership: a member
    who leaves or is removed stops sharing everything with that group at once."""

    __tablename__ = "group_habits"
    __table_args__ = (
        ForeignKeyConstraint(
            ["group_id", "user_id"],
            ["group_members.group_id", "group_members.user_id"],
            ondelete="CASCADE",
        ),
        Index("ix_group_habits_habit_id", "habit_id"),
        Index("ix_group_habits_group_user", "group_id", "user_id"),
    )

    group_id: Mapped[int] = mapped_column(BigID, primary_key=True)
    habit_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("habits.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigID)
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
