"""Rules for categories: unique names regardless of case, admin-only changes, and habits put
only in categories that exist."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from habitual.categories.repository import CategoryRepository
from habitual.categories.schemas import CategoryPatch, CategoryRead, CategoryWrite
from habitual.db import UnitOfWork
from habitual.errors import Conflict, NotFound, Unprocessable
from habitual.kit.pagination import Page, PageParams
from habitual.kit.rawsql import INTEGRITY_ERRORS
from habitual.models import Category


def name_key(name: str) -> str:
    """What two names equal regardless of case have in common."""
    return name.casefold()


def _taken(name: str) -> Conflict:
    return Conflict(f"A category named {name!r} exists already (names ignore case).")


class CategoryService:
    async def page(self, uow: UnitOfWork, paging: PageParams) -> Page[CategoryRead]:
        return await CategoryRepository(uow).page(paging)

    async def get(self, uow: UnitOfWork, category_id: int) -> Category:
        category = await CategoryRepository(uow).get(category_id)
        if category is None:
            raise NotFound("No such category.")
        return category

    async def create(self, uow: UnitOfWork, body: CategoryWrite) -> Category:
        repository = CategoryRepository(uow)
        if await repository.name_taken(name_key(body.name)):
            raise _taken(body.name)
        category = Category(
            name=body.name,
            name_key=name_key(body.name),
            description=body.description,
            icon=body.icon,
            color=body.color,
        )
        try:
            return await repository.add(category)
        except IntegrityError:  # the same name, created meanwhile by another request
            raise _taken(body.name) from None

    async def update(self, uow: UnitOfWork, category_id: int, body: CategoryPatch) -> Category:
        repository = CategoryRepository(uow)
        category = await self.get(uow, category_id)
        given = body.model_fields_set
        if body.name is not None:
            key = name_key(body.name)
            if key != category.name_key and await repository.name_taken(key, category.id):
                raise _taken(body.name)
            category.name, category.name_key = body.name, key
        for field in ("description", "icon", "color"):
            if field in given:
                setattr(category, field, getattr(body, field))
        try:
            await uow.session.flush()
        except IntegrityError:
            raise _taken(category.name) from None
        return category

    async def delete(self, uow: UnitOfWork, category_id: int) -> None:
        """Delete the category; the habits in it stay, without it."""
        await CategoryRepository(uow).delete(await self.get(uow, category_id))

    async def of_habits(self, uow: UnitOfWork, habit_ids: Sequence[int]) -> dict[int, list[int]]:
        """Each habit's category ids, ascending (a habit in none is missing)."""
        return await CategoryRepository(uow).of_habits(habit_ids)

    async def put_on_habit(
        self, uow: UnitOfWork, habit_id: int, category_ids: Sequence[int]
    ) -> bool:
        """Make these the habit's categories (each must exist: else 422 naming
        `category_ids`); whether that changed anything."""
        repository = CategoryRepository(uow)
        unknown = sorted(set(category_ids) - await repository.existing(category_ids))
        if unknown:
            raise _unknown(unknown)
        before = (await repository.of_habits([habit_id])).get(habit_id, [])
        if before == sorted(category_ids):
            return False
        try:
            await repository.put_on_habit(habit_id, category_ids)
        except INTEGRITY_ERRORS:  # a category deleted since it was looked up
            raise _unknown(sorted(category_ids)) from None
        return True


def _unknown(category_ids: Sequence[int]) -> Unprocessable:
    ids = ", ".join(map(str, category_ids))
    return Unprocessable(f"No such category: {ids}.", field=("body", "category_ids"))


category_service = CategoryService()
