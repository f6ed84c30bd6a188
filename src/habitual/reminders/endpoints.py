"""/reminders: nudges at a local time on chosen weekdays."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from habitual.deps import HabitReader, HabitWriter, RuntimeDep, UoW
from habitual.errors import problem_responses
from habitual.kit.pagination import Page, PageParams, page_params, sort_key
from habitual.kit.schemas import PathID
from habitual.reminders.repository import SORT_COLUMNS
from habitual.reminders.schemas import ReminderCreate, ReminderRead, ReminderUpdate, reminder_read
from habitual.reminders.service import reminder_service

router = APIRouter(prefix="/reminders", tags=["reminders"])

ReminderID = PathID


@router.get(
    "",
    response_model=Page[ReminderRead],
    summary="Your reminders",
    responses=problem_responses(401, 403, 422),
)
async def list_reminders(
    user: HabitReader,
    uow: UoW,
    paging: Annotated[PageParams, Depends(page_params)],
    sort: Annotated[
        str | None, Query(description="created_at (default), next_fire_at or time; `-` to reverse")
    ] = None,
) -> Page[ReminderRead]:
    """Every reminder of yours, paginated."""
    column, descending = sort_key(sort, SORT_COLUMNS, default="created_at")
    return await reminder_service.page(uow, user, column, descending, paging)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReminderRead,
    summary="Create a reminder",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_reminder(
    body: ReminderCreate, user: HabitWriter, uow: UoW, runtime: RuntimeDep
) -> ReminderRead:
    """Remind about one of your habits at `time` (your local wall clock) on `days`, through
    `channels` (`inapp`, `email`, `webhook`). A reminder is not sent when the habit is already
    met today (or this week or month), or today is marked skipped. A time skipped by a DST
    change fires at the first valid instant after it; a repeated time fires once. A habit has
    at most `HABITUAL_MAX_REMINDERS_PER_HABIT` reminders (default 20): past that, 409."""
    limit = runtime.settings.max_reminders_per_habit
    return reminder_read(await reminder_service.create(uow, user, body, max_reminders=limit))


@router.get(
    "/{reminder_id}",
    response_model=ReminderRead,
    summary="One reminder",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_reminder(reminder_id: ReminderID, user: HabitReader, uow: UoW) -> ReminderRead:
    """One of your reminders, with when it fires next."""
    return reminder_read(await reminder_service.get(uow, user, reminder_id))


@router.patch(
    "/{reminder_id}",
    response_model=ReminderRead,
    summary="Change a reminder",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_reminder(
    reminder_id: ReminderID,
    body: ReminderUpdate,
    user: HabitWriter,
    uow: UoW,
    runtime: RuntimeDep,
) -> ReminderRead:
    """Change the fields given; the next firing is computed again. Moving it to a habit that
    has its limit of reminders already is 409."""
    limit = runtime.settings.max_reminders_per_habit
    return reminder_read(
        await reminder_service.update(uow, user, reminder_id, body, max_reminders=limit)
    )


@router.delete(
    "/{reminder_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a reminder",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_reminder(reminder_id: ReminderID, user: HabitWriter, uow: UoW) -> None:
    """Delete the reminder."""
    await reminder_service.delete(uow, user, reminder_id)
