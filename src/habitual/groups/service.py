"""Groups: invite-only, one owner, admins who invite and remove, members who see each other.

Someone who is not a member learns nothing of a group: every route answers them 404. A member
asking for what only the owner (or an admin) may do gets 403.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from habitual.db import UnitOfWork
from habitual.errors import Conflict, Forbidden, NotFound
from habitual.groups.repository import GroupRepository, MemberRow, SharedRow
from habitual.groups.schemas import (
    GroupCreate,
    GroupRead,
    GroupRole,
    GroupUpdate,
    InviteCreate,
    InviteRead,
    RoleUpdate,
)
from habitual.habits.repository import HabitRepository
from habitual.kit.clock import utcnow
from habitual.kit.pagination import PageParams
from habitual.kit.rawsql import INTEGRITY_ERRORS
from habitual.kit.secrets import token_digest
from habitual.models import DROP_BOARDS, REFRESH_BOARDS, Group, GroupInvite, GroupMember, User

INVITE_PREFIX = "hab_inv_"


def group_read(group: Group, role: str, members: int) -> GroupRead:
    return GroupRead(
        id=group.id,
        owner_id=group.owner_id,
        name=group.name,
        description=group.description,
        members=members,
        role=GroupRole(role),
        created_at=group.created_at,
        updated_at=group.updated_at,
    )


class GroupService:
    async def _membership(
        self, uow: UnitOfWork, user: User, group_id: int
    ) -> tuple[Group, GroupMember]:
        found = await GroupRepository(uow).membership(group_id, user.id)
        if found is None:
            raise NotFound("No such group.")
        return found

    async def require_member(self, uow: UnitOfWork, user: User, group_id: int) -> GroupMember:
        """The user's membership of the group; not a member (or no such group): 404."""
        return (await self._membership(uow, user, group_id))[1]

    async def _owned(self, uow: UnitOfWork, user: User, group_id: int) -> Group:
        group, member = await self._membership(uow, user, group_id)
        if member.role != GroupRole.owner:
            raise Forbidden("Only the group's owner may do this.")
        return group

    async def _managed(
        self, uow: UnitOfWork, user: User, group_id: int
    ) -> tuple[Group, GroupMember]:
        group, member = await self._membership(uow, user, group_id)
        if member.role not in (GroupRole.owner, GroupRole.admin):
            raise Forbidden("Only the group's owner or an admin of it may do this.")
        return group, member

    # --- groups ---

    async def create(self, uow: UnitOfWork, user: User, body: GroupCreate) -> GroupRead:
        repository = GroupRepository(uow)
        group = await repository.add(
            Group(owner_id=user.id, name=body.name, description=body.description)
        )
        await repository.add_member(group.id, user.id, GroupRole.owner, utcnow())
        uow.tell(REFRESH_BOARDS, user.id)
        return group_read(group, GroupRole.owner, 1)

    async def _read(self, uow: UnitOfWork, group: Group, role: str) -> GroupRead:
        counts = await GroupRepository(uow).member_counts([group.id])
        return group_read(group, role, counts.get(group.id, 0))

    async def page(
        self, uow: UnitOfWork, user: User, paging: PageParams
    ) -> tuple[list[GroupRead], int]:
        repository = GroupRepository(uow)
        rows, total = await repository.page_of_member(user.id, paging.page_size, paging.offset)
        counts = await repository.member_counts([group.id for group, _ in rows])
        return [group_read(group, role, counts.get(group.id, 0)) for group, role in rows], total

    async def get(self, uow: UnitOfWork, user: User, group_id: int) -> GroupRead:
        group, member = await self._membership(uow, user, group_id)
        return await self._read(uow, group, member.role)

    async def update(
        self, uow: UnitOfWork, user: User, group_id: int, body: GroupUpdate
    ) -> GroupRead:
        group = await self._owned(uow, user, group_id)
        for name, value in body.model_dump(exclude_unset=True).items():
            setattr(group, name, value)
        await uow.session.flush()
        return await self._read(uow, group, GroupRole.owner)

    async def delete(self, uow: UnitOfWork, user: User, group_id: int) -> None:
        await GroupRepository(uow).delete(await self._owned(uow, user, group_id))
        uow.tell(DROP_BOARDS, f"group:{group_id}")

    # --- invites ---

    async def invite(
        self, uow: UnitOfWork, user: User, group_id: int, body: InviteCreate
    ) -> InviteRead:
        group, _ = await self._managed(uow, user, group_id)
        now = utcnow()
        code = f"{INVITE_PREFIX}{secrets.token_urlsafe(24)}"
        expires_at = (
            None if body.expires_in_hours is None else now + timedelta(hours=body.expires_in_hours)
        )
        invite = await GroupRepository(uow).add_invite(
            GroupInvite(
                group_id=group.id,
                code_hash=token_digest(code),
                expires_at=expires_at,
                max_uses=body.max_uses,
                uses=0,
                created_at=now,
            )
        )
        return InviteRead(
            id=invite.id,
            group_id=group.id,
            code=code,
            expires_at=invite.expires_at,
            max_uses=invite.max_uses,
            uses=0,
            created_at=invite.created_at,
        )

    async def revoke_invite(
        self, uow: UnitOfWork, user: User, group_id: int, invite_id: int
    ) -> None:
        await self._managed(uow, user, group_id)
        invite = await GroupRepository(uow).invite(group_id, invite_id)
        if invite is None:
            raise NotFound("No such invite.")
        if invite.revoked_at is None:
            invite.revoked_at = utcnow()
            await uow.session.flush()

    async def join(
        self, uow: UnitOfWork, user: User, code: str, *, max_members: int
    ) -> tuple[GroupRead, bool]:
        """The group joined, and whether this call joined it (a member joining again is
        answered the group, and uses nothing of the code)."""
        repository = GroupRepository(uow)
        now = utcnow()
        code_hash = token_digest(code)
        group_id = await repository.live_invite_group(code_hash, now)
        if group_id is None or not await repository.lock(group_id):
            raise NotFound("No such invite code, or it has expired, been used up or revoked.")
        if not await repository.add_member(group_id, user.id, GroupRole.member, now):
            return await self.get(uow, user, group_id), False
        # The group's row is locked: the count sees every join committed before this one. A
        # refusal raises, and the rollback takes the membership back.
        members = await repository.member_count(group_id)
        if members > max_members:
            raise Conflict(f"This group is full ({max_members} members).")
        # A conditional UPDATE: concurrent joins wait on the invite's row and see its new count.
        if not await repository.use_invite(code_hash, now):
            raise NotFound("No such invite code, or it has expired, been used up or revoked.")
        found = await repository.membership(group_id, user.id)
        assert found is not None
        group, member = found
        uow.tell(REFRESH_BOARDS, user.id)  # on the group's boards from now on
        return group_read(group, member.role, members), True

    # --- members ---

    async def members(
        self, uow: UnitOfWork, user: User, group_id: int, paging: PageParams
    ) -> tuple[list[MemberRow], int]:
        await self._membership(uow, user, group_id)
        return await GroupRepository(uow).members_page(group_id, paging.page_size, paging.offset)

    async def _target(self, uow: UnitOfWork, group_id: int, user_id: int) -> GroupMember:
        member = await GroupRepository(uow).member(group_id, user_id)
        if member is None:
            raise NotFound("No such member of this group.")
        return member

    async def set_role(
        self, uow: UnitOfWork, user: User, group_id: int, user_id: int, body: RoleUpdate
    ) -> MemberRow:
        await self._owned(uow, user, group_id)
        target = await self._target(uow, group_id, user_id)
        if target.role == GroupRole.owner:
            raise Conflict("The owner's role changes only by handing ownership over (transfer).")
        target.role = body.role.value
        await uow.session.flush()
        row = await GroupRepository(uow).member_row(group_id, user_id)
        assert row is not None
        return row

    async def remove(self, uow: UnitOfWork, user: User, group_id: int, user_id: int) -> None:
        """Remove a member (the owner anyone, an admin plain members), or leave (yourself)."""
        _, actor = await self._membership(uow, user, group_id)
        repository = GroupRepository(uow)
        if user_id == user.id:
            if actor.role == GroupRole.owner:
                raise Conflict(
                    "The owner cannot leave the group: hand ownership to another member first "
                    "(POST /groups/{id}/transfer), or delete the group."
                )
            target = actor
        else:
            if actor.role not in (GroupRole.owner, GroupRole.admin):
                raise Forbidden("Only the group's owner or an admin of it may remove members.")
            target = await self._target(uow, group_id, user_id)
            if actor.role == GroupRole.admin and target.role != GroupRole.member:
                raise Forbidden("An admin removes members only; the owner removes admins.")
        await repository.remove_member(target)
        uow.tell(REFRESH_BOARDS, target.user_id)  # off the group's boards at once

    async def transfer(self, uow: UnitOfWork, user: User, group_id: int, user_id: int) -> GroupRead:
        """Hand ownership to another member; the old owner stays on as an admin."""
        group = await self._owned(uow, user, group_id)
        if user_id == user.id:
            raise Conflict("You own this group already.")
        target = await self._target(uow, group_id, user_id)
        current = await self._target(uow, group_id, user.id)
        current.role = GroupRole.admin.value
        target.role = GroupRole.owner.value
        group.owner_id = user_id
        await uow.session.flush()
        return await self._read(uow, group, GroupRole.admin)

    # --- shared habits ---

    async def share(
        self, uow: UnitOfWork, user: User, group_id: int, habit_id: int
    ) -> tuple[SharedRow, bool]:
        """Share one of your habits with a group you are a member of: the share, and whether
        this call made it (sharing again changes nothing). An archived habit is not shared
        anew (409); one archived while shared stays shared."""
        await self._membership(uow, user, group_id)
        repository = GroupRepository(uow)
        shared = await repository.shared(group_id, habit_id)
        if shared is not None and shared.user_id == user.id:
            return shared, False
        habit = await HabitRepository(uow).get_for_owner(user.id, habit_id)
        if habit is None:
            raise NotFound("No such habit.")
        if habit.archived_at is not None:
            raise Conflict("This habit is archived: unarchive it to share it.")
        try:
            made = await repository.share(group_id, habit.id, user.id, utcnow())
        except INTEGRITY_ERRORS as error:  # the membership went meanwhile (or the habit)
            raise NotFound("No such group.") from error
        shared = await repository.shared(group_id, habit.id)
        assert shared is not None
        if made:
            uow.tell(REFRESH_BOARDS, user.id)  # the group's boards count shared habits only
        return shared, made

    async def unshare(self, uow: UnitOfWork, user: User, group_id: int, habit_id: int) -> None:
        """Stop sharing a habit: its owner may, and so may the group's owner (anyone's) and an
        admin (a plain member's), as a removal would."""
        _, actor = await self._membership(uow, user, group_id)
        repository = GroupRepository(uow)
        shared = await repository.shared(group_id, habit_id)
        if shared is None:
            raise NotFound("This habit is not shared with this group.")
        if shared.user_id != user.id:
            if actor.role not in (GroupRole.owner, GroupRole.admin):
                raise Forbidden("Only the habit's owner, the group's owner or an admin may.")
            sharer = await self._target(uow, group_id, shared.user_id)
            if actor.role == GroupRole.admin and sharer.role != GroupRole.member:
                raise Forbidden("An admin stops plain members' habits only; the owner any.")
        await repository.unshare(group_id, habit_id)
        uow.tell(REFRESH_BOARDS, shared.user_id)

    async def shared_page(
        self, uow: UnitOfWork, user: User, group_id: int, paging: PageParams
    ) -> tuple[list[SharedRow], int]:
        await self._membership(uow, user, group_id)
        return await GroupRepository(uow).shared_page(group_id, paging.page_size, paging.offset)


group_service = GroupService()
