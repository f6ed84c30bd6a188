"""Every query on groups, their members and their invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVarTuple

from sqlalchemy import Select, func, select

from habitual.db import Repository
from habitual.models import Group, GroupHabit, GroupInvite, GroupMember, Habit, Notification, User
from habitual.users.names import display_name_column

Columns = TypeVarTuple("Columns")


class MemberRow(NamedTuple):
    user_id: int
    display_name: str
    role: str
    joined_at: datetime


class SharedRow(NamedTuple):
    group_id: int
    habit_id: int
    user_id: int
    habit_name: str
    shared_at: datetime


class ProgressMember(NamedTuple):
    """A member as the group's progress needs them: whose day it is, and their name."""

    id: int
    display_name: str
    timezone: str
    week_start: int
    day_start: int


class SharedHabit(NamedTuple):
    habit_id: int
    user_id: int
    archived: bool


class FeedRow(NamedTuple):
    id: int
    event: str
    user_id: int
    display_name: str
    habit_id: int
    habit_name: str
    data: dict[str, Any]
    created_at: datetime


class GroupRepository(Repository):
    # --- groups ---

    async def add(self, group: Group) -> Group:
        self.session.add(group)
        await self.session.flush()
        return group

    async def membership(self, group_id: int, user_id: int) -> tuple[Group, GroupMember] | None:
        """The group and the user's membership of it; None when either is missing."""
        statement = (
            select(Group, GroupMember)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(Group.id == group_id, GroupMember.user_id == user_id)
        )
        row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def page_of_member(
        self, user_id: int, limit: int, offset: int
    ) -> tuple[Sequence[tuple[Group, str]], int]:
        """The groups the user is a member of, with their role in each, oldest first."""
        condition = GroupMember.user_id == user_id
        total = (
            await self.session.execute(
                select(func.count()).select_from(GroupMember).where(condition)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(Group, GroupMember.role)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(condition)
            .order_by(Group.created_at, Group.id)
            .limit(limit)
            .offset(offset)
        )
        return [(row[0], row[1]) for row in rows.all()], total

    async def delete(self, group: Group) -> None:
        await self.session.delete(group)

    async def lock(self, group_id: int) -> bool:
        """Lock the group's row until the transaction ends, so that joins count its members
        one after another (SQLite serialises writers anyway): whether the group exists."""
        row = await (await self.connection()).fetchrow(
            "UPDATE groups SET owner_id = owner_id WHERE id = $1 RETURNING id", group_id
        )
        return row is not None

    async def member_count(self, group_id: int) -> int:
        row = await (await self.connection()).fetchrow(
            "SELECT count(*) FROM group_members WHERE group_id = $1", group_id
        )
        assert row is not None
        return int(row[0])

    async def member_counts(self, group_ids: list[int]) -> dict[int, int]:
        if not group_ids:
            return {}
        rows = await self.session.execute(
            select(GroupMember.group_id, func.count())
            .where(GroupMember.group_id.in_(group_ids))
            .group_by(GroupMember.group_id)
        )
        return {row[0]: row[1] for row in rows.all()}

    # --- members ---

    async def add_member(self, group_id: int, user_id: int, role: str, now: datetime) -> bool:
        """Add the membership unless there is one: whether this call added it."""
        row = await (await self.connection()).fetchrow(
            "INSERT INTO group_members (group_id, user_id, role, joined_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (group_id, user_id) DO NOTHING "
            "RETURNING user_id",
            group_id,
            user_id,
            role,
            now,
        )
        return row is not None

    async def member(self, group_id: int, user_id: int) -> GroupMember | None:
        return await self.session.get(GroupMember, (group_id, user_id))

    async def remove_member(self, member: GroupMember) -> None:
        await self.session.delete(member)
        await self.session.flush()

    async def members_page(
        self, group_id: int, limit: int, offset: int
    ) -> tuple[list[MemberRow], int]:
        """The group's members, first joined first; what others may see of them, nothing more."""
        total = (
            await self.session.execute(
                select(func.count())
                .select_from(GroupMember)
                .where(GroupMember.group_id == group_id)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(
                GroupMember.user_id,
                display_name_column(),
                GroupMember.role,
                GroupMember.joined_at,
            )
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.group_id == group_id)
            .order_by(GroupMember.joined_at, GroupMember.user_id)
            .limit(limit)
            .offset(offset)
        )
        return [MemberRow(*row) for row in rows.all()], total

    async def member_row(self, group_id: int, user_id: int) -> MemberRow | None:
        row = (
            await self.session.execute(
                select(
                    GroupMember.user_id,
                    display_name_column(),
                    GroupMember.role,
                    GroupMember.joined_at,
                )
                .join(User, User.id == GroupMember.user_id)
                .where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
            )
        ).one_or_none()
        return None if row is None else MemberRow(*row)

    # --- invites ---

    async def add_invite(self, invite: GroupInvite) -> GroupInvite:
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def invite(self, group_id: int, invite_id: int) -> GroupInvite | None:
        statement = select(GroupInvite).where(
            GroupInvite.id == invite_id, GroupInvite.group_id == group_id
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def live_invite_group(self, code_hash: str, now: datetime) -> int | None:
        """The group of a code that still works (not revoked, expired or used up)."""
        row = await (await self.connection()).fetchrow(
            "SELECT group_id FROM group_invites WHERE code_hash = $1 AND revoked_at IS NULL "
            "AND (expires_at IS NULL OR expires_at > $2) "
            "AND (max_uses IS NULL OR uses < max_uses)",
            code_hash,
            now,
        )
        return None if row is None else int(row[0])

    async def use_invite(self, code_hash: str, now: datetime) -> bool:
        """Count one use of a code that still works: whether it was counted. One conditional
        UPDATE, so concurrent joins never pass max_uses."""
        row = await (await self.connection()).fetchrow(
            "UPDATE group_invites SET uses = uses + 1 WHERE code_hash = $1 "
            "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) "
            "AND (max_uses IS NULL OR uses < max_uses) RETURNING id",
            code_hash,
            now,
        )
        return row is not None

    # --- shared habits ---

    async def share(self, group_id: int, habit_id: int, user_id: int, now: datetime) -> bool:
        """Share the habit unless it is shared already: whether this call shared it. The
        membership must exist (a foreign key): one removed meanwhile fails with one of
        `INTEGRITY_ERRORS`."""
        row = await (await self.connection()).fetchrow(
            "INSERT INTO group_habits (group_id, habit_id, user_id, shared_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (group_id, habit_id) DO NOTHING "
            "RETURNING habit_id",
            group_id,
            habit_id,
            user_id,
            now,
        )
        return row is not None

    def _shared_rows(self) -> Select[int, int, int, str, datetime]:
        return select(
            GroupHabit.group_id,
            GroupHabit.habit_id,
            GroupHabit.user_id,
            Habit.name,
            GroupHabit.shared_at,
        ).join(Habit, Habit.id == GroupHabit.habit_id)

    async def shared(self, group_id: int, habit_id: int) -> SharedRow | None:
        statement = self._shared_rows().where(
            GroupHabit.group_id == group_id, GroupHabit.habit_id == habit_id
        )
        row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else SharedRow(*row)

    async def unshare(self, group_id: int, habit_id: int) -> None:
        shared = await self.session.get(GroupHabit, (group_id, habit_id))
        if shared is not None:
            await self.session.delete(shared)
            await self.session.flush()

    async def shared_page(
        self, group_id: int, limit: int, offset: int
    ) -> tuple[list[SharedRow], int]:
        """What is shared with the group, first shared first."""
        total = (
            await self.session.execute(
                select(func.count()).select_from(GroupHabit).where(GroupHabit.group_id == group_id)
            )
        ).scalar_one()
        rows = await self.session.execute(
            self._shared_rows()
            .where(GroupHabit.group_id == group_id)
            .order_by(GroupHabit.shared_at, GroupHabit.habit_id)
            .limit(limit)
            .offset(offset)
        )
        return [SharedRow(*row) for row in rows.all()], total

    # --- progress and feed ---

    async def progress_members(self, group_id: int) -> list[ProgressMember]:
        """Every member with the settings that decide their day, first joined first."""
        rows = await self.session.execute(
            select(
                GroupMember.user_id,
                display_name_column(),
                User.timezone,
                User.week_start,
                User.day_start,
            )
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.group_id == group_id)
            .order_by(GroupMember.joined_at, GroupMember.user_id)
        )
        return [ProgressMember(*row) for row in rows.all()]

    async def shared_habits(self, group_id: int) -> list[SharedHabit]:
        """Every habit shared with the group, in each owner's order of their habits."""
        rows = await self.session.execute(
            select(GroupHabit.habit_id, GroupHabit.user_id, Habit.archived_at.is_not(None))
            .join(Habit, Habit.id == GroupHabit.habit_id)
            .where(GroupHabit.group_id == group_id)
            .order_by(Habit.user_id, Habit.position, Habit.id)
        )
        return [SharedHabit(*row) for row in rows.all()]

    async def feed_page(
        self, group_id: int, events: Sequence[str], limit: int, offset: int
    ) -> tuple[list[FeedRow], int]:
        """The notifications of these events about habits shared with the group, told while
        they were shared, newest first."""

        def told_while_shared(statement: Select[*Columns]) -> Select[*Columns]:
            return statement.join(
                GroupHabit,
                (GroupHabit.habit_id == Notification.habit_id)
                & (GroupHabit.user_id == Notification.user_id)
                & (GroupHabit.shared_at <= Notification.created_at),
            ).where(GroupHabit.group_id == group_id, Notification.event.in_(events))

        total = (
            await self.session.execute(
                told_while_shared(select(func.count()).select_from(Notification))
            )
        ).scalar_one()
        rows = await self.session.execute(
            told_while_shared(
                select(
                    Notification.id,
                    Notification.event,
                    Notification.user_id,
                    display_name_column(),
                    Notification.habit_id,
                    Habit.name,
                    Notification.data,
                    Notification.created_at,
                ).select_from(Notification)
            )
            .join(Habit, Habit.id == Notification.habit_id)
            .join(User, User.id == Notification.user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [FeedRow(*row) for row in rows.all()], total
