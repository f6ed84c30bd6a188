"""`?page=&page_size=&sort=` for every list, and the `{items, total, page, page_size}` body."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, UnaryExpression, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from habitual.errors import Unprocessable
from habitual.kit.schemas import DecimalInteger

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


async def page_params(
    page: Annotated[
        DecimalInteger, Query(ge=1, le=1_000_000, description="1-based page number")
    ] = 1,
    page_size: Annotated[
        DecimalInteger, Query(ge=1, le=100, description="Items per page, at most 100")
    ] = 20,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


def sort_key(sort: str | None, allowed: Iterable[str], default: str) -> tuple[str, bool]:
    """`name` / `-name` -> (name, descending), if `name` is one of `allowed`."""
    key = sort or default
    descending = key.startswith("-")
    name = key.removeprefix("-")
    if name not in allowed:
        names = ", ".join(sorted(allowed))
        raise Unprocessable(
            f"cannot sort by {name!r}; use one of: {names}", field=("query", "sort")
        )
    return name, descending


def ordering(
    column: InstrumentedAttribute[Any], descending: bool, tiebreak: InstrumentedAttribute[Any]
) -> list[UnaryExpression[Any]]:
    """ORDER BY `column`, then `tiebreak` (which makes the order total), both the same way."""
    if descending:
        return [column.desc(), tiebreak.desc()]
    return [column.asc(), tiebreak.asc()]


async def paginate(
    session: AsyncSession,
    statement: Select[RowT],
    params: PageParams,
    item: Callable[[RowT], ItemT],
) -> Page[ItemT]:
    """One page of `statement`, each row turned into its schema by `item`, with the total."""
    count_statement = select(func.count()).select_from(statement.order_by(None).subquery())
    total = (await session.execute(count_statement)).scalar_one()
    rows = (
        (await session.execute(statement.limit(params.page_size).offset(params.offset)))
        .scalars()
        .all()
    )
    # At run time the item type is the response model's business; Page[Any] validates nothing.
    page: Page[ItemT] = Page[Any](
        items=[item(row) for row in rows], total=total, page=params.page, page_size=params.page_size
    )
    return page
