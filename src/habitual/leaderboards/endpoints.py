"""/leaderboards: who keeps their streaks, among those who agreed to be seen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from habitual.auth.scopes import Scope
from habitual.db import UnitOfWork
from habitual.deps import Caller, ScopedCaller, runtime_of
from habitual.errors import problem_responses
from habitual.kit.clock import utcnow
from habitual.leaderboards.cache import BoardCache, placed
from habitual.leaderboards.repository import LeaderboardRepository
from habitual.leaderboards.schemas import BoardRead, MyPlace
from habitual.leaderboards.service import Board, leaderboard_service, ranked

router = APIRouter(prefix="/leaderboards", tags=["leaderboards"])


@router.get(
    "/{board}",
    response_model=BoardRead,
    summary="A leaderboard",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_board(
    board: Board,
    caller: Annotated[Caller, ScopedCaller(Scope.habits_read)],
    request: Request,
    scope: Annotated[
        str,
        Query(
            max_length=40,
            description="`global` (people who opted in), `group:{id}` (its members, over the "
            "habits shared with it) or `challenge:{id}` (its participants, over their "
            "challenge habit)",
        ),
    ] = "global",
    limit: Annotated[int, Query(ge=1, le=100, description="How many from the top")] = 25,
) -> BoardRead:
    """`current_streak` and `longest_streak` (the best of each person's active habits, in
    periods) or `completions_this_week` (met days this week, in each person's own week and
    time zone). People are shown by display name only. The global boards list only people
    with `leaderboard_opt_in`; a group's boards only its members (others: 404), a challenge's
    only its participants (403; a challenge you cannot see: 404). An unknown board is 422."""
    runtime = runtime_of(request)
    database = runtime.database
    cache: BoardCache | None = request.app.state.board_cache
    now = utcnow()

    async def lapsed(uow: UnitOfWork) -> tuple[str, list[int]]:
        name = await leaderboard_service.check_access(uow, caller.id, scope)
        return name, await leaderboard_service.lapsed(uow, board, name, now)

    name, stale = await database.read(lapsed)
    if stale:
        await database.write(lambda uow: leaderboard_service.repair(uow, stale, now))
    if cache is None:
        return await database.read(
            lambda uow: leaderboard_service.from_sql(uow, caller.id, board, name, limit)
        )
    if await cache.size(board, name) == 0:
        entries = await database.read(lambda uow: LeaderboardRepository(uow).all_of(board, name))
        await cache.rebuild(board, name, entries)
    rows, mine = await cache.read(board, name, caller.id, limit)
    names = await database.read(
        lambda uow: LeaderboardRepository(uow).names([user_id for user_id, _ in rows])
    )
    return BoardRead(
        items=ranked(placed(rows, names)),
        me=None if mine is None else MyPlace(rank=mine[0], value=mine[1]),
    )
