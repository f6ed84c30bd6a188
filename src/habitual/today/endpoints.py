"""/today: what is due in your day."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from habitual.auth.scopes import Scope
from habitual.deps import Caller, ScopedCaller, runtime_of
from habitual.errors import Unprocessable, problem_responses
from habitual.kit.timezones import check_timezone
from habitual.today.schemas import Today
from habitual.today.service import today_service

router = APIRouter(tags=["today"])


@router.get(
    "/today",
    response_model=Today,
    summary="What is due today",
    responses=problem_responses(401, 403, 422),
)
async def get_today(
    caller: Annotated[Caller, ScopedCaller(Scope.habits_read)],
    request: Request,
    tz: Annotated[
        str | None,
        Query(max_length=64, description="An IANA zone for this call instead of yours"),
    ] = None,
) -> Today:
    """Your local date and every active habit: due today or not, today's status and value,
    goal and progress (0..1), and for weekly or monthly habits how many met days this period
    has of its target. Your `day_start` counts: with 4, 01:30 still belongs to yesterday."""
    if tz is not None:
        try:
            check_timezone(tz)
        except ValueError as error:
            raise Unprocessable(str(error), field=("query", "tz")) from None
    rows = await runtime_of(request).database.read(lambda uow: today_service.read(uow, caller, tz))
    return today_service.today(rows, caller, tz)  # the connection is back in the pool
