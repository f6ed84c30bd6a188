"""/habits/{id}/goals: a target of met periods between two dates, and how far it has come."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from habitual.deps import HabitID, HabitReader, HabitWriter, UoW
from habitual.errors import problem_responses
from habitual.goals.schemas import GoalCreate, GoalRead
from habitual.goals.service import goal_service
from habitual.kit.pagination import Page, PageParams, page_params
from habitual.kit.schemas import PathID

router = APIRouter(prefix="/habits/{habit_id}/goals", tags=["goals"])

GoalID = PathID


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=GoalRead,
    summary="Set a goal for a habit",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_goal(habit_id: HabitID, body: GoalCreate, user: HabitWriter, uow: UoW) -> GoalRead:
    """Aim for `target` met periods of the habit (days, weeks or months, its own unit, judged
    as the stats judge them) from `start_date` (default: today in your time zone) to
    `end_date` (none: open-ended); `consecutive: true` asks for that many in a row. A week or
    month counts when it ends inside the dates. A habit has one active goal at a time: while
    it has one, 409. A goal that cannot be reached on the habit's schedule is 422."""
    return await goal_service.create(uow, user, habit_id, body)


@router.get(
    "",
    response_model=Page[GoalRead],
    summary="A habit's goals",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_goals(
    habit_id: HabitID,
    user: HabitReader,
    uow: UoW,
    paging: Annotated[PageParams, Depends(page_params)],
) -> Page[GoalRead]:
    """The habit's goals, newest first, paginated: the active one and the history, each with
    `met`, `remaining`, `percent`, `status`, `achieved_on` and `on_track`."""
    return await goal_service.page(uow, user, habit_id, paging)


@router.get(
    "/{goal_id}",
    response_model=GoalRead,
    summary="One goal",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_goal(habit_id: HabitID, goal_id: GoalID, user: HabitReader, uow: UoW) -> GoalRead:
    """One goal of the habit and how far it has come."""
    return await goal_service.get(uow, user, habit_id, goal_id)


@router.delete(
    "/{goal_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Abandon a goal",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def abandon_goal(habit_id: HabitID, goal_id: GoalID, user: HabitWriter, uow: UoW) -> None:
    """Give up the active goal: it stays in the history as `abandoned`, and another can be
    set. Again on an abandoned goal: 204, nothing changes; on an achieved or failed one: 409."""
    await goal_service.abandon(uow, user, habit_id, goal_id)
