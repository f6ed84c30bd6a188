"""/admin/users: every account, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from habitual.admin.repository import SORT_COLUMNS, AccountFilter
from habitual.admin.schemas import AdminUserCreate, AdminUserRead, AdminUserUpdate
from habitual.admin.service import admin_service
from habitual.deps import AdminUser, RuntimeDep, UoW
from habitual.errors import problem_responses
from habitual.kit.pagination import Page, PageParams, page_params, sort_key
from habitual.kit.schemas import NO_NUL, PathID
from habitual.models import Role, User
from habitual.users.service import user_service

router = APIRouter(prefix="/admin/users", tags=["admin"])

# Bounded so that an id too big for the column is a 422, not an overflow in the driver (500).
UserID = PathID


@router.get(
    "",
    response_model=Page[AdminUserRead],
    summary="List accounts",
    responses=problem_responses(401, 403, 422),
)
async def list_users(
    admin: AdminUser,
    uow: UoW,
    paging: Annotated[PageParams, Depends(page_params)],
    q: Annotated[
        str | None,
        Query(max_length=100, pattern=NO_NUL, description="Part of username or email"),
    ] = None,
    role: Role | None = None,
    is_active: bool | None = None,
    sort: Annotated[
        str | None,
        Query(description="id, username, email, created_at or role; `-` first for descending"),
    ] = None,
) -> Page[AdminUserRead]:
    """Every account, paginated, filtered by `q`, `role` and `is_active`, sorted by `sort`."""
    column, descending = sort_key(sort, SORT_COLUMNS, default="id")
    where = AccountFilter(name_contains=q, role=role, is_active=is_active)
    return await admin_service.page(uow, where, column, descending, paging)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AdminUserRead,
    summary="Create an account",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_user(
    body: AdminUserCreate, admin: AdminUser, uow: UoW, runtime: RuntimeDep
) -> User:
    """Create an account with any role and usage plan, even while public registration is
    closed."""
    return await user_service.create(
        uow,
        runtime.passwords,
        username=body.username,
        email=str(body.email),
        password=body.password,
        timezone=body.timezone,
        role=body.role,
        is_active=body.is_active,
        rate_limit=body.rate_limit,
    )


@router.get(
    "/{user_id}",
    response_model=AdminUserRead,
    summary="One account",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_user(user_id: UserID, admin: AdminUser, uow: UoW) -> User:
    """Any account, by id."""
    return await admin_service.get(uow, user_id)


@router.patch(
    "/{user_id}",
    response_model=AdminUserRead,
    summary="Change role, activation or usage plan",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_user(user_id: UserID, body: AdminUserUpdate, admin: AdminUser, uow: UoW) -> User:
    """Set `role`, `is_active` or `rate_limit` (the account's usage plan, e.g. `6000/minute`;
    null returns it to the server's default). Deactivating ends every login of the account at
    once. The last active admin cannot be demoted or deactivated (409)."""
    return await admin_service.update(uow, user_id, body)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an account",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def delete_user(user_id: UserID, admin: AdminUser, uow: UoW) -> None:
    """Delete the account and everything it owns. The last active admin cannot be deleted."""
    await admin_service.delete(uow, user_id)
