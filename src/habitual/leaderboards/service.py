"""The leaderboards: who leads on each board, kept in SQL (and mirrored in Redis, cache.py).

Each person's entries are recomputed from their habits by `refresh_boards`, in the transaction
of whatever changed them: a check-in written or removed, a habit archived or deleted, the
opt-in or the day and week preferences changed, a group joined or left, a habit shared or not,
a challenge joined or left. A value that stops being true with no write at all (a streak whose
next period passes unmet, a week that ends) carries the instant it lapses (`lapses_at`); a read
repairs the lapsed entries of its board first (`repair`), the worker the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from habitual.checkins.repository import CheckinRepository
from habitual.db import Database, UnitOfWork
from habitual.errors import Forbidden, NotFound, Unprocessable
from habitual.habitmath.periods import HabitHistory, judge
from habitual.habitmath.schedule import Frequency, day_met, period_bounds, rule_on
from habitual.habitmath.streaks import current_streak, longest_streak
from habitual.habits.repository import HabitRepository
from habitual.kit.clock import utcnow
from habitual.kit.timezones import local_date
from habitual.leaderboards.cache import TOPIC
from habitual.leaderboards.repository import Entry, LeaderboardRepository, Person, Placed
from habitual.leaderboards.schemas import BoardRead, MyPlace, PlaceRead
from habitual.models import DROP_BOARDS, REFRESH_BOARDS

GLOBAL = "global"
# A read repairs at most this many lapsed entries of its board before it answers.
REPAIR_PER_READ = 500
# The next due period after a streak lies within this many days (a month, every 365 days).
LAPSE_HORIZON = timedelta(days=400)
ONE_DAY = timedelta(days=1)


class Board(StrEnum):
    current_streak = "current_streak"
    longest_streak = "longest_streak"
    completions_this_week = "completions_this_week"


@dataclass(frozen=True, slots=True)
class Change:
    """One entry as it is after a commit; value None: removed."""

    board: str
    scope: str
    user_id: int
    value: int | None
    reached_at: datetime | None


@dataclass(frozen=True, slots=True)
class HabitFigures:
    current: int
    current_lapses_at: datetime | None
    longest: int
    met_this_week: int


def day_begins_at(day: date, person: Person) -> datetime:
    """The instant `day` begins for `person` (their day_start hour; the earlier of a repeated
    wall time, the instant after a skipped one)."""
    wall = datetime.combine(day, time(person.day_start), ZoneInfo(person.timezone))
    return min(wall.astimezone(UTC), wall.replace(fold=1).astimezone(UTC))


def habit_figures(history: HabitHistory, person: Person, today: date) -> HabitFigures:
    periods = judge(history, history.start_date, today, today)
    streak = current_streak(periods)
    lapses_at = None
    if streak.end is not None:
        # Judged as if no check-in came: the first due period after the streak ends it when it
        # passes, on the day after its last.
        later = judge(
            history, streak.end + ONE_DAY, streak.end + LAPSE_HORIZON, streak.end + LAPSE_HORIZON
        )
        if later:
            lapses_at = day_begins_at(later[0].end + ONE_DAY, person)
    week_first, _ = period_bounds(today, Frequency.weekly, person.week_start)
    met = sum(
        1
        for day, record in history.checkins.items()
        if week_first <= day <= today
        and day_met(rule_on(history.rules, day), record.status, record.value)
    )
    return HabitFigures(streak.length, lapses_at, longest_streak(periods).length, met)


def board_values(
    figures: Iterable[HabitFigures], next_week_at: datetime
) -> dict[Board, tuple[int, datetime | None]]:
    """Each board's value over some habits, and when it lapses with no write."""
    figures = list(figures)
    best = max((f.current for f in figures), default=0)
    lapses = [f.current_lapses_at for f in figures if f.current == best and best > 0]
    week = sum(f.met_this_week for f in figures)
    return {
        Board.current_streak: (best, min((at for at in lapses if at), default=None)),
        Board.longest_streak: (max((f.longest for f in figures), default=0), None),
        Board.completions_this_week: (week, next_week_at if week else None),
    }


async def refresh_boards(uow: UnitOfWork, user_id: int, now: datetime | None = None) -> None:
    """Recompute one person's entries on every board of every scope they belong to, in `uow`'s
    transaction; Redis hears the changes once it commits."""
    repository = LeaderboardRepository(uow)
    person = await repository.person_on_a_board(user_id)
    if person is None:
        return  # on no board: nothing to read
    groups = await repository.group_habits(user_id)
    challenges = await repository.challenge_habits(user_id)
    old = {(entry.board, entry.scope): entry for entry in await repository.entries_of(user_id)}
    if not (person.leaderboard_opt_in or groups or challenges or old):
        return  # on no board: nothing to read
    now = (now or utcnow()).replace(microsecond=0)
    today = local_date(now, person.timezone, person.day_start)
    habit_ids = await repository.active_habit_ids(user_id)
    habits = await HabitRepository(uow).with_rules(habit_ids)
    checkins = await CheckinRepository(uow).of_habits_between(
        {habit_id: (habit.start_date, today) for habit_id, (habit, _) in habits.items()}
    )
    figures = {
        habit_id: habit_figures(
            HabitHistory(
                rules=rules,
                start_date=habit.start_date,
                end_date=habit.end_date,
                checkins=checkins.get(habit_id, {}),
                week_start=person.week_start,
            ),
            person,
            today,
        )
        for habit_id, (habit, rules) in habits.items()
    }
    week_last = period_bounds(today, Frequency.weekly, person.week_start)[1]
    next_week_at = day_begins_at(week_last + ONE_DAY, person)
    scopes: dict[str, Iterable[int]] = {}
    if person.leaderboard_opt_in:
        scopes[GLOBAL] = figures
    for group_id, shared in groups.items():
        scopes[f"group:{group_id}"] = shared
    for challenge_id, habit_id in challenges.items():
        scopes[f"challenge:{challenge_id}"] = [habit_id]

    new: dict[tuple[str, str], Entry] = {}
    for scope, ids in scopes.items():
        values = board_values((figures[i] for i in ids if i in figures), next_week_at)
        for board, (value, lapses_at) in values.items():
            before = old.get((board, scope))
            if before is not None and before.value == value:
                reached_at = before.reached_at  # still the same value: still reached then
            elif before is not None and before.lapses_at is not None and before.lapses_at <= now:
                reached_at = before.lapses_at  # it lapsed then, whenever it is repaired
            else:
                reached_at = now
            new[(board, scope)] = Entry(board, scope, value, reached_at, lapses_at)
    if new == old:
        return
    await repository.replace_entries(user_id, list(new.values()))
    for key in old.keys() - new.keys():
        uow.tell(TOPIC, Change(key[0], key[1], user_id, None, None))
    for key, entry in new.items():
        if old.get(key) != entry:
            uow.tell(
                TOPIC, Change(entry.board, entry.scope, user_id, entry.value, entry.reached_at)
            )


async def drop_scope(uow: UnitOfWork, scope: str) -> None:
    """Forget the boards of a group or challenge that is gone."""
    for board, user_id in await LeaderboardRepository(uow).drop_scope(scope):
        uow.tell(TOPIC, Change(board, scope, user_id, None, None))


async def refresh_told(uow: UnitOfWork, user_ids: list[Any]) -> None:
    """The preparer of REFRESH_BOARDS (db.Database.preparers): each person told of, once."""
    for user_id in dict.fromkeys(user_ids):
        await refresh_boards(uow, user_id)


async def drop_told(uow: UnitOfWork, scopes: list[Any]) -> None:
    """The preparer of DROP_BOARDS."""
    for scope in dict.fromkeys(scopes):
        await drop_scope(uow, scope)


def install(database: Database) -> None:
    """Keep the boards in `database`'s units: what features tell is done before each commits."""
    database.preparers[REFRESH_BOARDS] = refresh_told
    database.preparers[DROP_BOARDS] = drop_told


def parse_scope(scope: str) -> tuple[str, int | None]:
    """`global`, `group:{id}` or `challenge:{id}` as (kind, id)."""
    if scope == GLOBAL:
        return GLOBAL, None
    kind, _, number = scope.partition(":")
    if kind in ("group", "challenge") and number.isdigit() and 0 < int(number) < 2**63:
        return kind, int(number)
    raise Unprocessable("scope is global, group:{id} or challenge:{id}.", field=("query", "scope"))


def ranked(rows: list[Placed], first_rank: int = 1) -> list[PlaceRead]:
    """Competition ranks (1, 1, 3) down a board read from its top."""
    places: list[PlaceRead] = []
    for index, row in enumerate(rows):
        if index and row.value == rows[index - 1].value:
            rank = places[-1].rank
        else:
            rank = first_rank + index
        places.append(
            PlaceRead(
                rank=rank, user_id=row.user_id, display_name=row.display_name, value=row.value
            )
        )
    return places


class LeaderboardService:
    async def check_access(self, uow: UnitOfWork, user_id: int, scope: str) -> str:
        """The scope in its canonical spelling, if the caller may see its boards."""
        kind, number = parse_scope(scope)
        repository = LeaderboardRepository(uow)
        if kind == "group":
            assert number is not None
            if not await repository.is_member(number, user_id):
                raise NotFound("No such group.")
        elif kind == "challenge":
            assert number is not None
            seen = await repository.challenge_seen(number, user_id)
            if seen is None or not seen[0]:
                raise NotFound("No such challenge.")
            if not seen[1]:
                raise Forbidden("Only a challenge's participants see its boards.")
        return GLOBAL if number is None else f"{kind}:{number}"

    async def lapsed(self, uow: UnitOfWork, board: Board, scope: str, now: datetime) -> list[int]:
        return await LeaderboardRepository(uow).lapsed(board, scope, now, REPAIR_PER_READ)

    async def repair(self, uow: UnitOfWork, user_ids: Iterable[int], now: datetime) -> None:
        for user_id in user_ids:
            await refresh_boards(uow, user_id, now)

    async def repair_lapsed(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        """The worker's share: recompute up to `limit` people whose entries lapsed."""
        user_ids = await LeaderboardRepository(uow).lapsed_anywhere(now, limit)
        await self.repair(uow, user_ids, now)
        return len(user_ids)

    async def from_sql(
        self, uow: UnitOfWork, user_id: int, board: Board, scope: str, limit: int
    ) -> BoardRead:
        repository = LeaderboardRepository(uow)
        items = ranked(await repository.top(board, scope, limit))
        me = None
        mine = next((item for item in items if item.user_id == user_id), None)
        if mine is not None:
            me = MyPlace(rank=mine.rank, value=mine.value)
        else:
            value = await repository.value_of(board, scope, user_id)
            if value is not None:
                rank = 1 + await repository.count_above(board, scope, value)
                me = MyPlace(rank=rank, value=value)
        return BoardRead(items=items, me=me)


leaderboard_service = LeaderboardService()
