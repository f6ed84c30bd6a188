"""/habits/{id}/checkins and /habits/{id}/entries: record what happened on a day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from habitual.auth.scopes import Scope
from habitual.checkins.schemas import CheckinRead, CheckinWrite, EntryCreate
from habitual.checkins.service import checkin_service
from habitual.db import UnitOfWork
from habitual.deps import Caller, HabitID, ScopedCaller, runtime_of
from habitual.errors import Unprocessable, problem_responses
from habitual.kit.idempotency import IdempotencyKeyHeader, request_fingerprint, run_once
from habitual.kit.schemas import HabitDate, in_calendar
from habitual.kit.timezones import Person, local_today

router = APIRouter(prefix="/habits/{habit_id}", tags=["check-ins"])

CheckinWriter = Annotated[Caller, ScopedCaller(Scope.checkins_write)]
CheckinReader = Annotated[Caller, ScopedCaller(Scope.habits_read)]
DayParam = Annotated[
    str,
    Path(
        alias="date",
        pattern=r"^(today|[0-9]{4}-[0-9]{2}-[0-9]{2})$",
        description="A local date, YYYY-MM-DD, or `today`",
        examples=["today", "2026-01-31"],
    ),
]


def _day(user: Person, value: str) -> date:
    if value == "today":
        return local_today(user)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Unprocessable(f"{value!r} is not a date.", field=("path", "date")) from None
    try:
        return in_calendar(day)
    except ValueError as error:
        raise Unprocessable(f"date {error}.", field=("path", "date")) from None


@router.put(
    "/checkins/{date}",
    response_model=CheckinRead,
    summary="Check in for a day",
    responses={
        200: {"description": "The day's check-in was replaced", "model": CheckinRead},
        201: {"description": "The day's check-in was created", "model": CheckinRead},
        **problem_responses(400, 401, 403, 404, 413, 422),
    },
)
async def put_checkin(
    habit_id: HabitID,
    day: DayParam,
    body: CheckinWrite,
    response: Response,
    request: Request,
    caller: CheckinWriter,
) -> CheckinRead:
    """Create (201) or replace (200) the check-in of a local date: `done` (measurable habits
    give the day's `value`) or `skipped` (neither met nor missed). Any day from the habit's
    start up to today in your time zone; never the future."""
    local_day = _day(caller, day)
    checkin, created = await runtime_of(request).database.write(
        lambda uow: checkin_service.put(uow, caller, habit_id, local_day, body)
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return checkin


@router.delete(
    "/checkins/{date}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a day's check-in",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_checkin(
    habit_id: HabitID, day: DayParam, request: Request, caller: CheckinWriter
) -> None:
    """Remove the check-in of a local date; 404 if there was none."""
    local_day = _day(caller, day)
    await runtime_of(request).database.write(
        lambda uow: checkin_service.delete(uow, caller, habit_id, local_day)
    )


@router.get(
    "/checkins",
    response_model=list[CheckinRead],
    summary="A habit's check-ins",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_checkins(
    habit_id: HabitID,
    request: Request,
    caller: CheckinReader,
    first: Annotated[
        HabitDate | None,
        Query(alias="from", description="First local date, YYYY-MM-DD (default: the start)"),
    ] = None,
    last: Annotated[
        HabitDate | None,
        Query(alias="to", description="Last local date, YYYY-MM-DD (default: today)"),
    ] = None,
) -> list[CheckinRead]:
    """The check-ins between `from` and `to` (inclusive), oldest first, each with `met`."""
    return await runtime_of(request).database.read(
        lambda uow: checkin_service.between(uow, caller, habit_id, first, last)
    )


@router.post(
    "/entries",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckinRead,
    summary="Add to a measurable habit's day",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def add_entry(
    habit_id: HabitID,
    body: EntryCreate,
    request: Request,
    caller: CheckinWriter,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Add `value` to the total of the local day that `recorded_at` (default: now) falls on in
    your time zone, and answer that day's check-in. For wearables and apps that report several
    times a day. Send an `Idempotency-Key` so that a retry never counts twice: the same key and
    body replay the first answer (with `Idempotent-Replayed: true`); the same key with another
    body is 422. Keys are kept 24 hours."""

    fingerprint = request_fingerprint("POST", request.url.path, body)

    async def add_once(uow: UnitOfWork) -> Response:
        async def add() -> tuple[int, CheckinRead]:
            return 201, await checkin_service.add_entry(uow, caller, habit_id, body)

        return await run_once(await uow.connection(), caller.id, idempotency_key, fingerprint, add)

    return await runtime_of(request).database.write(add_once)
