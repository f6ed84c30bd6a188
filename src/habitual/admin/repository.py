"""Administrators' queries across every account: the filtered list and the count of admins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from habitual.db import Repository
from habitual.kit.like import escape_like
from habitual.kit.pagination import Page, PageParams, ordering, paginate
from habitual.models import Role, User

ItemT = TypeVar("ItemT")

# What `?sort=` may name.
SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "id": User.id,
    "username": User.username_key,
    "email": User.email_key,
    "created_at": User.created_at,
    "role": User.role,
}


@dataclass(frozen=True)
class AccountFilter:
    """Which accounts a list shows: each condition given narrows it."""

    name_contains: str | None = None  # in the username or the email, ignoring case
    role: Role | None = None
    is_active: bool | None = None


class AdminRepository(Repository):
    async def page(
        self,
        where: AccountFilter,
        sort: str,
        descending: bool,
        paging: PageParams,
        item: Callable[[User], ItemT],
    ) -> Page[ItemT]:
        """A page of the accounts `where` lets through, sorted by one of `SORT_COLUMNS`, then
        by id."""
        conditions: list[ColumnElement[bool]] = []
        if where.name_contains:
            pattern = f"%{escape_like(where.name_contains.lower())}%"
            conditions.append(
                or_(
                    User.username_key.like(pattern, escape="\\"),
                    User.email_key.like(pattern, escape="\\"),
                )
            )
        if where.role is not None:
            conditions.append(User.role == where.role)
        if where.is_active is not None:
            conditions.append(User.is_active.is_(where.is_active))
        statement = (
            select(User)
            .where(*conditions)
            .order_by(*ordering(SORT_COLUMNS[sort], descending, User.id))
        )
        return await paginate(self.session, statement, paging, item)

    async def active_admins(self) -> int:
        statement = select(func.count()).where(User.role == Role.admin, User.is_active.is_(True))
        return (await self.session.execute(statement)).scalar_one()
