"""/progress, /stats, /streaks, /habits/{id}/stats and the SVG charts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from habitual.auth.scopes import Scope
from habitual.deps import Caller, HabitID, HabitReader, ScopedCaller, UoW, runtime_of
from habitual.errors import problem_responses
from habitual.kit.schemas import NO_NUL, DecimalInteger, HabitDate
from habitual.kit.types import MAX_ID
from habitual.stats.schemas import HabitStatsRead, HabitStreaks, Progress, Summary
from habitual.stats.service import TrendMetric, stats_service

router = APIRouter(tags=["progress and statistics"])

From = Annotated[
    HabitDate | None,
    Query(alias="from", description="First local date, YYYY-MM-DD (1900 to 2200)"),
]
To = Annotated[
    HabitDate | None,
    Query(alias="to", description="Last local date, YYYY-MM-DD (default: today)"),
]
StatsReader = Annotated[Caller, ScopedCaller(Scope.habits_read)]


class SVGResponse(Response):
    media_type = "image/svg+xml"


SVG_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}
}


@router.get(
    "/progress",
    response_model=Progress,
    response_model_by_alias=True,
    summary="Day-by-day progress",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_progress(
    user: HabitReader,
    uow: UoW,
    first: From = None,
    last: To = None,
    habit: Annotated[
        str | None, Query(max_length=100, pattern=NO_NUL, description="Part of a habit's name")
    ] = None,
    habit_id: Annotated[
        DecimalInteger | None, Query(ge=1, le=MAX_ID, description="One habit")
    ] = None,
) -> Progress:
    """Every active habit (or those whose name contains `habit`, or the one `habit_id`), with
    each day's status, value, whether it was due and met, and each period's outcome. Default:
    the last 7 days; at most 366 days per call."""
    return await stats_service.progress(uow, user, first, last, habit, habit_id)


@router.get(
    "/habits/{habit_id}/stats",
    response_model=HabitStatsRead,
    response_model_by_alias=True,
    summary="A habit's statistics",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_habit_stats(
    habit_id: HabitID,
    caller: StatsReader,
    request: Request,
    first: From = None,
    last: To = None,
) -> HabitStatsRead:
    """Completions, due and met periods, success rate, current and longest streak (in the
    habit's own unit), strength score, totals for measurable habits, and weekly and monthly
    series. Default range: from the habit's start to today. Days before the start or after
    today never count; streaks always look at the whole history."""
    database = runtime_of(request).database
    rows = await database.read(
        lambda uow: stats_service.read_habit_stats(uow, caller, habit_id, first, last)
    )
    answer = stats_service.habit_stats_from(rows)  # the connection is back in the pool
    if answer.keep is not None:
        keep = answer.keep
        await database.write(lambda uow: stats_service.keep_carry(uow, keep))
    return answer.stats


@router.get(
    "/stats",
    response_model=Summary,
    response_model_by_alias=True,
    summary="A summary across your habits",
    responses=problem_responses(401, 403, 422),
)
async def get_summary(user: HabitReader, uow: UoW, first: From = None, last: To = None) -> Summary:
    """Totals and overall success rate across active habits, the best current streak, the most
    and least consistent habits, and done check-ins per weekday. Default: the last 30 days."""
    return await stats_service.summary(uow, user, first, last)


@router.get(
    "/streaks",
    response_model=list[HabitStreaks],
    summary="Streaks of every habit",
    responses=problem_responses(401, 403),
)
async def get_streaks(user: HabitReader, uow: UoW) -> list[HabitStreaks]:
    """Current and longest streak of every active habit, in days, weeks or months."""
    return await stats_service.streaks(uow, user)


@router.get(
    "/habits/{habit_id}/calendar.svg",
    response_class=SVGResponse,
    summary="A year's heatmap (SVG)",
    responses={**SVG_OK, **problem_responses(401, 403, 404, 422)},
)
async def get_calendar(
    habit_id: HabitID,
    caller: StatsReader,
    request: Request,
    year: Annotated[
        DecimalInteger | None, Query(ge=1900, le=2200, description="Default: this year")
    ] = None,
) -> SVGResponse:
    """One cell per day of the year, shaded by how much of the goal was reached."""
    svg = await runtime_of(request).database.read(
        lambda uow: stats_service.calendar_svg(uow, caller, habit_id, year)
    )
    return SVGResponse(svg)


@router.get(
    "/habits/{habit_id}/trend.svg",
    response_class=SVGResponse,
    summary="Weekly trend (SVG)",
    responses={**SVG_OK, **problem_responses(401, 403, 404, 422)},
)
async def get_trend(
    habit_id: HabitID,
    caller: StatsReader,
    request: Request,
    first: From = None,
    last: To = None,
    metric: Annotated[
        TrendMetric,
        Query(description="rate: weekly success rate; value: weekly total (measurable habits)"),
    ] = "rate",
) -> SVGResponse:
    """A line of the weekly success rate (or weekly total value) over time. Default: the last
    12 weeks; at most ten years."""
    svg = await runtime_of(request).database.read(
        lambda uow: stats_service.trend_svg(uow, caller, habit_id, first, last, metric)
    )
    return SVGResponse(svg)
