"""/challenges: one habit done by many between two dates, with live standings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from habitual.auth.scopes import Scope
from habitual.challenges.schemas import (
    ChallengeCreate,
    ChallengeRead,
    ChallengeUpdate,
    JoinRequest,
    ParticipationRead,
    StandingsRead,
    Status,
)
from habitual.challenges.service import challenge_service, standing_read
from habitual.deps import (
    Caller,
    HabitReader,
    HabitWriter,
    RuntimeDep,
    ScopedCaller,
    UoW,
    runtime_of,
)
from habitual.errors import problem_responses
from habitual.habitmath.challenge import WindowFigures
from habitual.kit.clock import utcnow
from habitual.kit.pagination import Page, PageParams, page_params
from habitual.kit.schemas import PathID

router = APIRouter(prefix="/challenges", tags=["challenges"])

ChallengeID = PathID
Paging = Annotated[PageParams, Depends(page_params)]


@router.get(
    "",
    response_model=Page[ChallengeRead],
    summary="Challenges you can see",
    responses=problem_responses(401, 403, 422),
)
async def list_challenges(
    user: HabitReader,
    uow: UoW,
    paging: Paging,
    joined: Annotated[
        bool | None, Query(description="true: only those you take part in; false: the others")
    ] = None,
    challenge_status: Annotated[
        Status | None,
        Query(
            alias="status",
            description="upcoming (not started in your time zone), active, or finished "
            "(over everywhere: standings final)",
        ),
    ] = None,
) -> Page[ChallengeRead]:
    """Public challenges and the private ones you own or take part in, soonest start first."""
    items, total = await challenge_service.page(uow, user, joined, challenge_status, paging)
    return Page[ChallengeRead](
        items=items, total=total, page=paging.page, page_size=paging.page_size
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ChallengeRead,
    summary="Create a challenge",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def create_challenge(body: ChallengeCreate, user: HabitWriter, uow: UoW) -> ChallengeRead:
    """A challenge you own, from `start_date` (today or later in your time zone) to `end_date`
    (at most 366 days on), with a habit template (the same fields and rules as a habit's) and
    the `metric` that ranks it. A private one answers its `invite_code` here, once: only its
    digest is kept (a PATCH with `new_invite_code: true` makes a new one)."""
    return await challenge_service.create(uow, user, body)


@router.get(
    "/{challenge_id}",
    response_model=ChallengeRead,
    summary="One challenge",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_challenge(challenge_id: ChallengeID, user: HabitReader, uow: UoW) -> ChallengeRead:
    """A challenge you can see; a private one you neither own nor take part in is 404."""
    return await challenge_service.get(uow, user, challenge_id)


@router.patch(
    "/{challenge_id}",
    response_model=ChallengeRead,
    summary="Change a challenge",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def update_challenge(
    challenge_id: ChallengeID, body: ChallengeUpdate, user: HabitWriter, uow: UoW
) -> ChallengeRead:
    """Its owner or an admin changes the name, description, visibility or participant limit;
    the dates, template and metric stay as created. Someone else: 403 on a public challenge,
    404 on a private one."""
    return await challenge_service.update(uow, user, challenge_id, body)


@router.delete(
    "/{challenge_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a challenge",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_challenge(challenge_id: ChallengeID, user: HabitWriter, uow: UoW) -> None:
    """Its owner or an admin deletes it with its participations and standings; every
    participant keeps their habit and check-ins."""
    await challenge_service.delete(uow, user, challenge_id)


@router.post(
    "/{challenge_id}/join",
    status_code=status.HTTP_201_CREATED,
    response_model=ParticipationRead,
    summary="Join a challenge",
    responses={
        200: {"description": "You had joined already: the same participation"},
        **problem_responses(400, 401, 403, 404, 409, 413, 422),
    },
)
async def join_challenge(
    challenge_id: ChallengeID,
    body: JoinRequest,
    user: HabitWriter,
    uow: UoW,
    runtime: RuntimeDep,
    response: Response,
) -> ParticipationRead:
    """Take part with one of your habits of the same frequency and kind (`habit_id`; another
    kind or frequency is 422, someone else's habit 404), or with a new habit made from the
    template. A private challenge needs its `invite_code` (a wrong one is 404). Joining again
    answers 200 with the same participation and makes no second habit, also when two joins
    race. Full, or finished: 409."""
    participation, created = await challenge_service.join(
        uow, user, challenge_id, body, max_habits=runtime.settings.max_habits_per_user
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return ParticipationRead.model_validate(participation)


@router.post(
    "/{challenge_id}/leave",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Leave a challenge",
    responses=problem_responses(401, 403, 404, 422),
)
async def leave_challenge(challenge_id: ChallengeID, user: HabitWriter, uow: UoW) -> None:
    """You leave the standings; your habit and its check-ins stay yours. Not taking part: 404."""
    await challenge_service.leave(uow, user, challenge_id)


@router.get(
    "/{challenge_id}/standings",
    response_model=StandingsRead,
    summary="A challenge's standings",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_standings(
    challenge_id: ChallengeID,
    caller: Annotated[Caller, ScopedCaller(Scope.habits_read)],
    request: Request,
    paging: Paging,
) -> StandingsRead:
    """Participants ranked by the challenge's metric, best first; equal values share a rank
    and the next rank skips (1, 1, 3), equal ones listed by user id. Only the challenge's days
    count, each judged in the participant's own time zone and day start by the same maths as
    the stats. Once the challenge is over everywhere the standings are final and kept."""
    database = runtime_of(request).database
    now = utcnow()
    rows = await database.read(
        lambda uow: challenge_service.read_standings(
            uow, caller, caller.role, challenge_id, now, paging
        )
    )
    if rows.final is not None:
        items = [
            standing_read(row.rank, row.user_id, row.display_name, WindowFigures(*row[3:]))
            for row in rows.final
        ]
        return StandingsRead(
            items=items,
            total=rows.final_total,
            page=paging.page,
            page_size=paging.page_size,
            final=True,
        )
    answer = challenge_service.standings_from(rows, paging)  # the connection is back
    if answer.keep:
        keep = answer.keep
        await database.write(lambda uow: challenge_service.keep_figures(uow, keep))
    return answer.standings
