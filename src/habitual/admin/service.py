"""What an administrator may do to accounts, and the guard that keeps one admin standing."""

from __future__ import annotations

from habitual.admin.repository import AccountFilter, AdminRepository
from habitual.admin.schemas import AdminUserRead, AdminUserUpdate
from habitual.auth.repository import AuthRepository
from habitual.db import UnitOfWork
from habitual.errors import Conflict, NotFound
from habitual.kit.clock import utcnow
from habitual.kit.pagination import Page, PageParams
from habitual.models import Role, User
from habitual.users.repository import UserRepository
from habitual.users.service import user_service


class AdminService:
    async def page(
        self,
        uow: UnitOfWork,
        where: AccountFilter,
        sort: str,
        descending: bool,
        paging: PageParams,
    ) -> Page[AdminUserRead]:
        """A page of the accounts `where` lets through, sorted by `sort` (one of the
        repository's `SORT_COLUMNS`)."""
        return await AdminRepository(uow).page(
            where, sort, descending, paging, AdminUserRead.model_validate
        )

    async def get(self, uow: UnitOfWork, user_id: int) -> User:
        user = await UserRepository(uow).get(user_id)
        if user is None:
            raise NotFound("No such user.")
        return user

    async def update(self, uow: UnitOfWork, user_id: int, changes: AdminUserUpdate) -> User:
        user = await self.get(uow, user_id)
        demoted = changes.role is not None and changes.role != Role.admin
        deactivated = changes.is_active is False
        if user.role == Role.admin and user.is_active and (demoted or deactivated):
            await self._keep_an_admin(uow)
        if changes.role is not None:
            user.role = changes.role
        if changes.is_active is not None:
            if not changes.is_active and user.is_active:
                await AuthRepository(uow).revoke_all_sessions(user.id, "deactivated", utcnow())
            user.is_active = changes.is_active
        if "rate_limit" in changes.model_fields_set:
            user.rate_limit = changes.rate_limit
        await uow.session.flush()
        return user

    async def delete(self, uow: UnitOfWork, user_id: int) -> None:
        user = await self.get(uow, user_id)
        if user.role == Role.admin and user.is_active:
            await self._keep_an_admin(uow)
        await user_service.delete(uow, user)

    async def _keep_an_admin(self, uow: UnitOfWork) -> None:
        if await AdminRepository(uow).active_admins() <= 1:
            raise Conflict("This is the last active admin; make another admin first.")


admin_service = AdminService()
