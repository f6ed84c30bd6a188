"""The kept board entries, and what deciding them reads: one statement each, on the driver."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from habitual.db import Repository
from habitual.users.names import DISPLAY_NAME_SQL


class Entry(NamedTuple):
    board: str
    scope: str
    value: int
    reached_at: datetime
    lapses_at: datetime | None


class Person(NamedTuple):
    id: int
    timezone: str
    week_start: int
    day_start: int
    leaderboard_opt_in: bool


class Placed(NamedTuple):
    """A row of a board: who, shown by display name only, and their value."""

    user_id: int
    display_name: str
    value: int


class LeaderboardRepository(Repository):
    async def person_on_a_board(self, user_id: int) -> Person | None:
        """The person, only if they are on some board or may be (opted in, a member of a
        group, a participant, or holding entries): one statement, so that a check-in of
        someone on no board costs one look-up."""
        row = await (await self.connection()).fetchrow(
            "SELECT id, timezone, week_start, day_start, leaderboard_opt_in FROM users u "
            "WHERE id = $1 AND (leaderboard_opt_in "
            "OR EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id) "
            "OR EXISTS (SELECT 1 FROM challenge_participants c WHERE c.user_id = u.id) "
            "OR EXISTS (SELECT 1 FROM leaderboard_entries e WHERE e.user_id = u.id))",
            user_id,
        )
        return None if row is None else Person(*row)

    async def active_habit_ids(self, user_id: int) -> list[int]:
        rows = await (await self.connection()).fetch(
            "SELECT id FROM habits WHERE user_id = $1 AND archived_at IS NULL ORDER BY id", user_id
        )
        return [habit_id for (habit_id,) in rows]

    async def group_habits(self, user_id: int) -> dict[int, set[int]]:
        """Each group the user is a member of, with the habits they share with it."""
        rows = await (await self.connection()).fetch(
            "SELECT m.group_id, s.habit_id FROM group_members m LEFT JOIN group_habits s "
            "ON s.group_id = m.group_id AND s.user_id = m.user_id WHERE m.user_id = $1",
            user_id,
        )
        groups: dict[int, set[int]] = {}
        for group_id, habit_id in rows:
            shared = groups.setdefault(group_id, set())
            if habit_id is not None:
                shared.add(habit_id)
        return groups

    async def challenge_habits(self, user_id: int) -> dict[int, int]:
        """Each challenge the user takes part in, with its challenge habit."""
        rows = await (await self.connection()).fetch(
            "SELECT challenge_id, habit_id FROM challenge_participants WHERE user_id = $1",
            user_id,
        )
        return {int(challenge_id): int(habit_id) for challenge_id, habit_id in rows}

    async def entries_of(self, user_id: int) -> list[Entry]:
        rows = await (await self.connection()).fetch(
            "SELECT board, scope, value, reached_at, lapses_at FROM leaderboard_entries "
            "WHERE user_id = $1",
            user_id,
        )
        return [Entry(*row) for row in rows]

    async def replace_entries(self, user_id: int, entries: Sequence[Entry]) -> None:
        connection = await self.connection()
        await connection.execute("DELETE FROM leaderboard_entries WHERE user_id = $1", user_id)
        for entry in entries:
            await connection.execute(
                "INSERT INTO leaderboard_entries "
                "(board, scope, user_id, value, reached_at, lapses_at) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                entry.board,
                entry.scope,
                user_id,
                entry.value,
                entry.reached_at,
                entry.lapses_at,
            )

    async def drop_scope(self, scope: str) -> list[tuple[str, int]]:
        """Remove a scope's entries (its group or challenge is gone): (board, user_id) removed."""
        connection = await self.connection()
        rows = await connection.fetch(
            "SELECT board, user_id FROM leaderboard_entries WHERE scope = $1", scope
        )
        await connection.execute("DELETE FROM leaderboard_entries WHERE scope = $1", scope)
        return [(board, user_id) for board, user_id in rows]

    async def lapsed(self, board: str, scope: str, now: datetime, limit: int) -> list[int]:
        """Who on this board holds a value that stopped being true by `now`."""
        rows = await (await self.connection()).fetch(
            "SELECT user_id FROM leaderboard_entries "
            "WHERE lapses_at <= $1 AND board = $2 AND scope = $3 LIMIT $4",
            now,
            board,
            scope,
            limit,
        )
        return [user_id for (user_id,) in rows]

    async def lapsed_anywhere(self, now: datetime, limit: int) -> list[int]:
        rows = await (await self.connection()).fetch(
            "SELECT DISTINCT user_id FROM leaderboard_entries WHERE lapses_at <= $1 LIMIT $2",
            now,
            limit,
        )
        return [user_id for (user_id,) in rows]

    async def top(self, board: str, scope: str, limit: int) -> list[Placed]:
        """The board's first `limit` rows: best value first, then who reached it first."""
        rows = await (await self.connection()).fetch(
            f"SELECT e.user_id, {DISPLAY_NAME_SQL}, e.value "  # noqa: S608 - a constant
            "FROM leaderboard_entries e JOIN users ON users.id = e.user_id "
            "WHERE e.board = $1 AND e.scope = $2 "
            "ORDER BY e.value DESC, e.reached_at, e.user_id LIMIT $3",
            board,
            scope,
            limit,
        )
        return [Placed(*row) for row in rows]

    async def value_of(self, board: str, scope: str, user_id: int) -> int | None:
        row = await (await self.connection()).fetchrow(
            "SELECT value FROM leaderboard_entries "
            "WHERE board = $1 AND scope = $2 AND user_id = $3",
            board,
            scope,
            user_id,
        )
        return None if row is None else int(row[0])

    async def count_above(self, board: str, scope: str, value: int) -> int:
        """How many on the board hold more than `value` (its rank is one more)."""
        row = await (await self.connection()).fetchrow(
            "SELECT COUNT(*) FROM leaderboard_entries "
            "WHERE board = $1 AND scope = $2 AND value > $3",
            board,
            scope,
            value,
        )
        assert row is not None
        return int(row[0])

    async def all_of(self, board: str, scope: str) -> list[tuple[int, int, datetime]]:
        """Every (user_id, value, reached_at) of a board, to rebuild its Redis copy."""
        rows = await (await self.connection()).fetch(
            "SELECT user_id, value, reached_at FROM leaderboard_entries "
            "WHERE board = $1 AND scope = $2",
            board,
            scope,
        )
        return [(user_id, value, reached_at) for user_id, value, reached_at in rows]

    async def names(self, user_ids: Sequence[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        placeholders = ", ".join(f"${number}" for number in range(1, len(user_ids) + 1))
        rows = await (await self.connection()).fetch(
            f"SELECT id, {DISPLAY_NAME_SQL} FROM users "  # noqa: S608 - placeholders only
            f"WHERE id IN ({placeholders})",
            *user_ids,
        )
        return {int(user_id): str(name) for user_id, name in rows}

    async def is_member(self, group_id: int, user_id: int) -> bool:
        row = await (await self.connection()).fetchrow(
            "SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2", group_id, user_id
        )
        return row is not None

    async def challenge_seen(self, challenge_id: int, user_id: int) -> tuple[bool, bool] | None:
        """(visible to the user, the user takes part), or None if there is no such challenge."""
        row = await (await self.connection()).fetchrow(
            "SELECT c.visibility, c.owner_id, p.id FROM challenges c "
            "LEFT JOIN challenge_participants p ON p.challenge_id = c.id AND p.user_id = $2 "
            "WHERE c.id = $1",
            challenge_id,
            user_id,
        )
        if row is None:
            return None
        visibility, owner_id, participant_id = row
        takes_part = participant_id is not None
        return (visibility == "public" or owner_id == user_id or takes_part, takes_part)
