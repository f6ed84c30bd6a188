"""/categories: anyone signed in reads them; admins create, change and delete them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from habitual.categories.schemas import CategoryPatch, CategoryRead, CategoryWrite
from habitual.categories.service import category_service
from habitual.deps import AdminUser, HabitReader, UoW
from habitual.errors import problem_responses
from habitual.kit.pagination import Page, PageParams, page_params
from habitual.kit.schemas import PathID
from habitual.models import Category

router = APIRouter(prefix="/categories", tags=["categories"])

CategoryID = PathID


@router.get(
    "",
    response_model=Page[CategoryRead],
    summary="Every category",
    responses=problem_responses(401, 403, 422),
)
async def list_categories(
    user: HabitReader, uow: UoW, paging: Annotated[PageParams, Depends(page_params)]
) -> Page[CategoryRead]:
    """Every category, paginated, sorted by name (ignoring case). Any signed-in user may read
    them; personal access tokens need the `habits:read` scope."""
    return await category_service.page(uow, paging)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CategoryRead,
    summary="Create a category (admin)",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_category(body: CategoryWrite, admin: AdminUser, uow: UoW) -> Category:
    """A new category: `name` (1..60 characters, trimmed, unique regardless of case: 409 for a
    name taken), and optionally `description`, `icon` and `color` (`#rrggbb`). Admins only."""
    return await category_service.create(uow, body)


@router.patch(
    "/{category_id}",
    response_model=CategoryRead,
    summary="Change a category (admin)",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_category(
    category_id: CategoryID, body: CategoryPatch, admin: AdminUser, uow: UoW
) -> Category:
    """Change some fields; `null` clears `description`, `icon` or `color`. A name another
    category has (in any case) is 409. Admins only."""
    return await category_service.update(uow, category_id, body)


@router.delete(
    "/{category_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a category (admin)",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_category(category_id: CategoryID, admin: AdminUser, uow: UoW) -> None:
    """Delete the category: it leaves every habit it was on, and nothing else changes (the
    habits, their check-ins and their `updated_at` stay as they were). Admins only."""
    await category_service.delete(uow, category_id)
