"""/fitness: samples in, daily figures and summaries out, goals and the order of sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from habitual.auth.scopes import Scope
from habitual.deps import Caller, ScopedCaller, runtime_of
from habitual.errors import problem_responses
from habitual.fitness.schemas import (
    DailyRead,
    GoalRead,
    GoalWrite,
    IngestResult,
    SampleBatch,
    SourcesRead,
    SourcesWrite,
    StepsIn,
    SummaryRead,
)
from habitual.fitness.service import fitness_service
from habitual.habitmath.fitness import Metric
from habitual.kit.schemas import HabitDate

router = APIRouter(prefix="/fitness", tags=["fitness"])

FitnessReader = Annotated[Caller, ScopedCaller(Scope.fitness_read)]
FitnessWriter = Annotated[Caller, ScopedCaller(Scope.fitness_write)]
MetricQuery = Annotated[Metric, Query(description="The metric to read")]
MetricPath = Annotated[Metric, Path(description="The metric")]
FromQuery = Annotated[
    HabitDate | None, Query(alias="from", description="First local date (default: 30 days back)")
]
ToQuery = Annotated[
    HabitDate | None, Query(alias="to", description="Last local date (default: today)")
]


@router.post(
    "/samples",
    response_model=IngestResult,
    summary="Send a batch of samples",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def post_samples(body: SampleBatch, request: Request, caller: FitnessWriter) -> IngestResult:
    """Up to 10,000 samples. Each is checked on its own: the good ones are stored even when
    some are `rejected` (with their index and errors). `start` and `end` need an offset. A
    sample with the same `source` and `external_id` as a stored one is that sample: a higher
    `version` replaces it (`updated`), an equal or lower one is a `duplicate`; without an
    `external_id`, `(source, metric, start, end)` identifies it. Resending a batch is safe."""
    return await runtime_of(request).database.write(
        lambda uow: fitness_service.ingest(uow, caller, body.samples)
    )


@router.post(
    "",
    response_model=IngestResult,
    summary="Add steps to today",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def post_steps(body: StepsIn, request: Request, caller: FitnessWriter) -> IngestResult:
    """A steps sample starting now, from source `api`; each call adds to today."""
    return await runtime_of(request).database.write(
        lambda uow: fitness_service.add_steps(uow, caller, body.steps)
    )


@router.get(
    "/daily",
    response_model=DailyRead,
    summary="Daily values of a metric",
    responses=problem_responses(401, 403, 422),
)
async def get_daily(
    metric: MetricQuery,
    request: Request,
    caller: FitnessReader,
    first: FromQuery = None,
    last: ToQuery = None,
) -> DailyRead:
    """One item per local day with data in the range (at most 3660 days), oldest first: the
    merged `value`, each source's figure, the goal and whether it was met."""
    return await runtime_of(request).database.read(
        lambda uow: fitness_service.daily(uow, caller, metric, first, last)
    )


@router.get(
    "/summary",
    response_model=SummaryRead,
    response_model_by_alias=True,
    summary="A metric's figures over a range",
    responses=problem_responses(401, 403, 422),
)
async def get_summary(
    metric: MetricQuery,
    request: Request,
    caller: FitnessReader,
    first: FromQuery = None,
    last: ToQuery = None,
) -> SummaryRead:
    """Total, daily average (over days with data), best day, days the goal was met, and the
    current and longest run of goal days in the range."""
    return await runtime_of(request).database.read(
        lambda uow: fitness_service.summary(uow, caller, metric, first, last)
    )


@router.get(
    "/goals",
    response_model=list[GoalRead],
    summary="Fitness goals",
    responses=problem_responses(401, 403),
)
async def list_goals(request: Request, caller: FitnessReader) -> list[GoalRead]:
    """Each metric's daily target, by metric."""
    return await runtime_of(request).database.read(lambda uow: fitness_service.goals(uow, caller))


@router.put(
    "/goals/{metric}",
    response_model=GoalRead,
    summary="Set a daily goal",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def put_goal(
    metric: MetricPath, body: GoalWrite, request: Request, caller: FitnessWriter
) -> GoalRead:
    """The metric's daily target: a day is met when its value reaches it."""
    return await runtime_of(request).database.write(
        lambda uow: fitness_service.put_goal(uow, caller, metric, body.daily_target)
    )


@router.delete(
    "/goals/{metric}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a daily goal",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_goal(metric: MetricPath, request: Request, caller: FitnessWriter) -> None:
    """Remove the metric's goal; 404 if there was none."""
    await runtime_of(request).database.write(
        lambda uow: fitness_service.delete_goal(uow, caller, metric)
    )


@router.get(
    "/sources",
    response_model=SourcesRead,
    summary="How sources are merged",
    responses=problem_responses(401, 403),
)
async def get_sources(request: Request, caller: FitnessReader) -> SourcesRead:
    """The order of sources (empty: each day takes its largest source) and the known ones."""
    return await runtime_of(request).database.read(lambda uow: fitness_service.sources(uow, caller))


@router.put(
    "/sources",
    response_model=SourcesRead,
    summary="Order the sources",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def put_sources(body: SourcesWrite, request: Request, caller: FitnessWriter) -> SourcesRead:
    """A day takes the first source of `priority` that has data that day (else the largest);
    `[]` goes back to the largest."""
    return await runtime_of(request).database.write(
        lambda uow: fitness_service.put_sources(uow, caller, body.priority)
    )
