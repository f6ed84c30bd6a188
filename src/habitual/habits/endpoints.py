"""/habits: define, list, change, archive, reorder and delete habits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from habitual.auth.scopes import Scope
from habitual.deps import (
    AdminUser,
    Caller,
    HabitID,
    HabitReader,
    HabitWriter,
    ScopedCaller,
    UoW,
    runtime_of,
)
from habitual.errors import problem_responses
from habitual.habitmath.schedule import Frequency
from habitual.habits.repository import SORT_COLUMNS, Archived, HabitFilter
from habitual.habits.rules import Kind
from habitual.habits.schemas import (
    AdminHabitRead,
    HabitCategories,
    HabitPatch,
    HabitRead,
    HabitWrite,
    RuleRead,
    rule_read,
)
from habitual.habits.service import habit_service
from habitual.kit.idempotency import IdempotencyKeyHeader, request_fingerprint, run_once
from habitual.kit.pagination import Page, PageParams, page_params, sort_key
from habitual.kit.schemas import NO_NUL, DecimalInteger
from habitual.kit.types import MAX_ID

router = APIRouter(prefix="/habits", tags=["habits"])
admin_router = APIRouter(prefix="/admin/habits", tags=["admin"])

NameContains = Annotated[
    str | None, Query(max_length=100, pattern=NO_NUL, description="Part of the name")
]
SortOf = Annotated[
    str | None,
    Query(description="name, frequency, created_at or position (default); `-` to reverse"),
]
ArchivedOf = Annotated[
    Archived,
    Query(description="false (default): the active habits; true: the archived; all: both"),
]
InCategory = Annotated[
    DecimalInteger | None,
    Query(ge=1, le=MAX_ID, description="Only the habits in this category (`GET /categories`)"),
]


@router.get(
    "",
    response_model=Page[HabitRead],
    summary="Your habits",
    responses=problem_responses(401, 403, 422),
)
async def list_habits(
    caller: Annotated[Caller, ScopedCaller(Scope.habits_read)],
    request: Request,
    paging: Annotated[PageParams, Depends(page_params)],
    sort: SortOf = None,
    archived: ArchivedOf = Archived.false,
    q: NameContains = None,
    frequency: Frequency | None = None,
    kind: Kind | None = None,
    category_id: InCategory = None,
) -> Page[HabitRead]:
    """Your habits, paginated, filtered and sorted: the active ones, unless `archived=true`
    (only the archived) or `archived=all` (both) asks for others; `category_id` keeps those in
    that category."""
    column, descending = sort_key(sort, SORT_COLUMNS, default="position")
    where = HabitFilter(
        archived=archived, name_contains=q, frequency=frequency, kind=kind, category_id=category_id
    )

    habits, total = await runtime_of(request).database.read(
        lambda uow: habit_service.page(uow, caller, where, column, descending, paging)
    )
    return Page[HabitRead](items=habits, total=total, page=paging.page, page_size=paging.page_size)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=HabitRead,
    summary="Create a habit",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_habit(
    body: HabitWrite,
    request: Request,
    user: HabitWriter,
    uow: UoW,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Define a habit: a schedule (`daily` on `target_days`, `weekly` or `monthly`
    `times_per_period`, or `every_n_days`) and, for a `measurable` habit, a goal
    (`goal_value` `at_least` or `at_most`, in `unit`). Contradictory combinations are 422 with a
    message saying what to change. An account keeps at most `HABITUAL_MAX_HABITS_PER_USER`
    habits (default 500, archived ones included): past that, 409. Honours `Idempotency-Key`."""

    async def create() -> tuple[int, HabitRead]:
        limit = runtime_of(request).settings.max_habits_per_user
        habit = await habit_service.create(uow, user, body, max_habits=limit)
        return 201, await habit_service.view(uow, habit)

    fingerprint = request_fingerprint("POST", request.url.path, body)
    return await run_once(await uow.connection(), user.id, idempotency_key, fingerprint, create)


@router.get(
    "/{habit_id}",
    response_model=HabitRead,
    summary="One habit",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_habit(habit_id: HabitID, user: HabitReader, uow: UoW) -> HabitRead:
    """One of your habits."""
    return await habit_service.view(uow, await habit_service.get(uow, user, habit_id))


@router.patch(
    "/{habit_id}",
    response_model=HabitRead,
    summary="Change a habit",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_habit(
    habit_id: HabitID, body: HabitPatch, user: HabitWriter, uow: UoW
) -> HabitRead:
    """Change some fields. `archived: true` archives, `false` restores; `position` moves the
    habit and shifts the others. A new schedule or goal takes effect today: past days keep
    being judged by the rule they had (see `/habits/{id}/rules`)."""
    return await habit_service.view(uow, await habit_service.update(uow, user, habit_id, body))


@router.put(
    "/{habit_id}",
    response_model=HabitRead,
    summary="Replace a habit",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def replace_habit(
    habit_id: HabitID, body: HabitWrite, user: HabitWriter, uow: UoW
) -> HabitRead:
    """Replace every field; those left out take their defaults (`start_date` and `position`
    are kept). The kind cannot change. A new schedule or goal takes effect today."""
    return await habit_service.view(uow, await habit_service.replace(uow, user, habit_id, body))


@router.delete(
    "/{habit_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a habit",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_habit(habit_id: HabitID, user: HabitWriter, uow: UoW) -> None:
    """Delete the habit with all its check-ins, for good. Archive it to keep its history."""
    await habit_service.delete(uow, user, habit_id)


@router.get(
    "/{habit_id}/rules",
    response_model=list[RuleRead],
    summary="A habit's schedule history",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_rules(habit_id: HabitID, user: HabitReader, uow: UoW) -> list[RuleRead]:
    """Every version of the schedule and goal, oldest first, with the date each took effect."""
    habit, rules = await habit_service.history(uow, user, habit_id)
    return [rule_read(rule, Kind(habit.kind)) for rule in rules]


@admin_router.get(
    "",
    response_model=Page[AdminHabitRead],
    summary="Every user's habits (admin)",
    responses=problem_responses(401, 403, 422),
)
async def list_everyones_habits(
    admin: AdminUser,
    uow: UoW,
    paging: Annotated[PageParams, Depends(page_params)],
    user_id: Annotated[
        DecimalInteger | None, Query(ge=1, le=MAX_ID, description="Only this user's habits")
    ] = None,
    sort: SortOf = None,
    archived: ArchivedOf = Archived.false,
    q: NameContains = None,
    frequency: Frequency | None = None,
    kind: Kind | None = None,
    category_id: InCategory = None,
) -> Page[AdminHabitRead]:
    """Every account's habits, each with its owner's `user_id` and `username`, paginated,
    filtered and sorted as `GET /habits` (the same `sort`, `archived`, `q`, `frequency`,
    `kind` and `category_id`), and by `user_id`. Sorting by `position` orders by each owner's
    own positions, then by id. Admins only."""
    column, descending = sort_key(sort, SORT_COLUMNS, default="position")
    where = HabitFilter(
        archived=archived, name_contains=q, frequency=frequency, kind=kind, category_id=category_id
    )
    habits, total = await habit_service.page_of_everyone(
        uow, user_id, where, column, descending, paging
    )
    return Page[AdminHabitRead](
        items=habits, total=total, page=paging.page, page_size=paging.page_size
    )


@admin_router.put(
    "/{habit_id}/categories",
    response_model=AdminHabitRead,
    summary="Put anyone's habit in categories (admin)",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def put_habit_categories(
    habit_id: HabitID, body: HabitCategories, admin: AdminUser, uow: UoW
) -> AdminHabitRead:
    """Make `category_ids` the habit's categories, all of them (`[]`: none), whoever owns it.
    An unknown id is 422; repeats count once. Admins only."""
    return await habit_service.put_categories_of_anyones(uow, habit_id, body.category_ids)
