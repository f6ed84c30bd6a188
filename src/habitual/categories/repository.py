"""Every query on categories and on which habits are in them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, select

from habitual.categories.schemas import CategoryRead
from habitual.db import Repository
from habitual.kit.pagination import Page, PageParams, paginate
from habitual.models import Category, HabitCategory


def _placeholders(first: int, count: int) -> str:
    return ", ".join(f"${number}" for number in range(first, first + count))


class CategoryRepository(Repository):
    """Categories (shared by everyone, changed by admins) and their links to habits. The links
    are read and written on the driver: `GET /habits` reads a page's in one statement."""

    async def page(self, paging: PageParams) -> Page[CategoryRead]:
        """A page of every category, by name (ignoring case), then id."""
        statement = select(Category).order_by(Category.name_key, Category.id)
        return await paginate(self.session, statement, paging, CategoryRead.model_validate)

    async def get(self, category_id: int) -> Category | None:
        return await self.session.get(Category, category_id)

    async def name_taken(self, name_key: str, except_category_id: int | None = None) -> bool:
        statement = select(Category.id).where(Category.name_key == name_key)
        if except_category_id is not None:
            statement = statement.where(Category.id != except_category_id)
        return (await self.session.execute(statement.limit(1))).first() is not None

    async def add(self, category: Category) -> Category:
        self.session.add(category)
        await self.session.flush()
        return category

    async def delete(self, category: Category) -> None:
        """Delete the category and its links to habits (the foreign key would too)."""
        await self.session.execute(
            delete(HabitCategory).where(HabitCategory.category_id == category.id)
        )
        await self.session.execute(delete(Category).where(Category.id == category.id))

    async def existing(self, category_ids: Sequence[int]) -> set[int]:
        """Which of these ids are categories."""
        if not category_ids:
            return set()
        rows = await (await self.connection()).fetch(
            "SELECT id FROM categories "  # noqa: S608 - placeholders only
            f"WHERE id IN ({_placeholders(1, len(category_ids))})",
            *category_ids,
        )
        return {row[0] for row in rows}

    async def of_habits(self, habit_ids: Sequence[int]) -> dict[int, list[int]]:
        """Each habit's category ids, ascending: one statement for them all."""
        categories: dict[int, list[int]] = defaultdict(list)
        if not habit_ids:
            return categories
        rows = await (await self.connection()).fetch(
            "SELECT habit_id, category_id FROM habit_categories "  # noqa: S608 - placeholders
            f"WHERE habit_id IN ({_placeholders(1, len(habit_ids))}) "
            "ORDER BY habit_id, category_id",
            *habit_ids,
        )
        for habit_id, category_id in rows:
            categories[habit_id].append(category_id)
        return categories

    async def put_on_habit(self, habit_id: int, category_ids: Sequence[int]) -> None:
        """Make `category_ids` the habit's categories, exactly. `ON CONFLICT DO NOTHING`: a
        concurrent change of the same habit cannot make a duplicate link fail."""
        connection = await self.connection()
        if category_ids:
            await connection.execute(
                "DELETE FROM habit_categories WHERE habit_id = $1 "  # noqa: S608 - placeholders
                f"AND category_id NOT IN ({_placeholders(2, len(category_ids))})",
                habit_id,
                *category_ids,
            )
            values = ", ".join(f"($1, ${number})" for number in range(2, 2 + len(category_ids)))
            await connection.execute(
                "INSERT INTO habit_categories (habit_id, category_id) "  # noqa: S608 - placeholders
                f"VALUES {values} ON CONFLICT DO NOTHING",
                habit_id,
                *category_ids,
            )
        else:
            await connection.execute("DELETE FROM habit_categories WHERE habit_id = $1", habit_id)
