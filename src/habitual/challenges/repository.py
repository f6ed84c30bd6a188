"""Every query on challenges, their participants and their final standings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import exists, func, insert, or_, select, update

from habitual.db import Repository
from habitual.kit.rawsql import Row
from habitual.models import Challenge, ChallengeFinalStanding, ChallengeParticipant, User


def display_name(users: str = "u") -> str:
    """What others see of a user, as SQL over the `users` row aliased `users`: their display
    name, else their username; never an email or phone (as habitual/users/names.py says it,
    which a feature package may not import)."""
    return f"COALESCE({users}.display_name, {users}.username)"


class LiveRow(NamedTuple):
    """A participant as the live standings read them: their figures as last computed, whether
    those are stale, and what judges their days."""

    participant_id: int
    user_id: int
    display_name: str
    habit_id: int
    met: int
    due: int
    completion_rate: float | None
    total_value: float | None
    longest_streak: int
    stale: int
    history_version: int  # the habit's now
    timezone: str
    day_start: int
    week_start: int
    score: float  # the figure the challenge's metric ranks by, as kept (none yet: 0)


class FinalRow(NamedTuple):
    rank: int
    user_id: int
    display_name: str
    met: int
    due: int
    completion_rate: float | None
    total_value: float | None
    longest_streak: int


# A participant's figures are stale (challenges/service.py, "Freshness") when any of these holds.
# Check-ins older than the day before the participant's today bump the habit's history_version;
# the recent ones are summed in one index probe: 1 each, a million for one changed since the
# figures were computed, so the sum equals `recent_count` only if none came, went or changed.
_LIVE = (
    "SELECT p.id, p.user_id, {name}, p.habit_id, p.met, p.due, p.completion_rate, "
    "p.total_value, p.longest_streak, "
    "CASE WHEN p.computed_at IS NULL OR p.fresh_until <= $2 "
    "OR p.history_version <> h.history_version "
    "OR h.updated_at >= p.computed_at OR u.updated_at >= p.computed_at "
    "OR p.recent_count <> (SELECT coalesce(sum(CASE WHEN c.updated_at >= p.computed_at "
    "THEN 1000000 ELSE 1 END), 0) FROM checkins c WHERE c.habit_id = p.habit_id "
    "AND c.local_date >= p.recent_from AND c.local_date >= $3 AND c.local_date <= $4) "
    "THEN 1 ELSE 0 END, "
    "h.history_version, u.timezone, u.day_start, u.week_start, {score} "
    "FROM challenge_participants p "
    "JOIN users u ON u.id = p.user_id JOIN habits h ON h.id = p.habit_id "
    "WHERE p.challenge_id = $1"
)
# The kept figure each metric ranks by (service.score_of says the same of computed figures).
_SCORES = {
    "completion_rate": "coalesce(p.completion_rate, 0)",
    "total_value": "coalesce(p.total_value, 0)",
    "longest_streak": "p.longest_streak",
}
LIVE_BY_METRIC = {
    metric: _LIVE.format(name=display_name("u"), score=score) for metric, score in _SCORES.items()
}


class ChallengeRepository(Repository):
    # --- challenges, on the session ---

    async def add(self, challenge: Challenge) -> Challenge:
        self.session.add(challenge)
        await self.session.flush()
        return challenge

    async def get(self, challenge_id: int) -> Challenge | None:
        return await self.session.get(Challenge, challenge_id)

    async def get_locked(self, challenge_id: int) -> Challenge | None:
        """The challenge, its row locked until the transaction ends (joins count one after
        another; SQLite serialises writers anyway)."""
        statement = select(Challenge).where(Challenge.id == challenge_id).with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def delete(self, challenge: Challenge) -> None:
        await self.session.delete(challenge)

    def _seen_by(self, user_id: int) -> Any:
        """Public, owned by the user, or one they take part in."""
        return or_(
            Challenge.visibility == "public",
            Challenge.owner_id == user_id,
            self._joined(user_id),
        )

    def _joined(self, user_id: int) -> Any:
        return exists().where(
            ChallengeParticipant.challenge_id == Challenge.id,
            ChallengeParticipant.user_id == user_id,
        )

    async def page(
        self,
        user_id: int,
        *,
        joined: bool | None,
        starts_after: date | None,
        started_by: date | None,
        ends_by: date | None,
        ends_after: date | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Challenge], int]:
        """The challenges the user sees, soonest start first, filtered by the bounds given."""
        conditions = [self._seen_by(user_id)]
        if joined is not None:
            conditions.append(self._joined(user_id) if joined else ~self._joined(user_id))
        if starts_after is not None:
            conditions.append(Challenge.start_date > starts_after)
        if started_by is not None:
            conditions.append(Challenge.start_date <= started_by)
        if ends_by is not None:
            conditions.append(Challenge.end_date <= ends_by)
        if ends_after is not None:
            conditions.append(Challenge.end_date > ends_after)
        statement = select(Challenge).where(*conditions)
        total = (
            await self.session.execute(select(func.count()).select_from(statement.subquery()))
        ).scalar_one()
        rows = await self.session.scalars(
            statement.order_by(Challenge.start_date, Challenge.id).limit(limit).offset(offset)
        )
        return rows.all(), total

    async def counts(self, challenge_ids: list[int]) -> dict[int, int]:
        """How many take part in each of these challenges."""
        if not challenge_ids:
            return {}
        rows = await self.session.execute(
            select(ChallengeParticipant.challenge_id, func.count())
            .where(ChallengeParticipant.challenge_id.in_(challenge_ids))
            .group_by(ChallengeParticipant.challenge_id)
        )
        return {row[0]: row[1] for row in rows.all()}

    async def joined_of(self, user_id: int, challenge_ids: list[int]) -> set[int]:
        if not challenge_ids:
            return set()
        rows = await self.session.scalars(
            select(ChallengeParticipant.challenge_id).where(
                ChallengeParticipant.user_id == user_id,
                ChallengeParticipant.challenge_id.in_(challenge_ids),
            )
        )
        return set(rows.all())

    # --- participants ---

    async def participation(self, challenge_id: int, user_id: int) -> ChallengeParticipant | None:
        statement = select(ChallengeParticipant).where(
            ChallengeParticipant.challenge_id == challenge_id,
            ChallengeParticipant.user_id == user_id,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def join(self, challenge_id: int, user_id: int, habit_id: int, now: datetime) -> bool:
        """Add the participation unless there is one: whether this call added it. The unique
        index decides between concurrent joins."""
        row = await (await self.connection()).fetchrow(
            "INSERT INTO challenge_participants (challenge_id, user_id, habit_id, joined_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (challenge_id, user_id) DO NOTHING RETURNING id",
            challenge_id,
            user_id,
            habit_id,
            now,
        )
        return row is not None

    async def leave(self, participation: ChallengeParticipant) -> None:
        await self.session.delete(participation)

    # --- standings, on the driver (the hot read) ---

    async def visible(
        self, challenge_id: int, user_id: int, is_admin: bool
    ) -> tuple[Any, ...] | None:
        """(start_date, end_date, metric, finalized) of a challenge the user may see, or None."""
        row = await (await self.connection()).fetchrow(
            "SELECT start_date, end_date, metric, finalized_at IS NOT NULL FROM challenges ch "
            "WHERE id = $1 AND (visibility = 'public' OR owner_id = $2 OR $3 "
            "OR EXISTS (SELECT 1 FROM challenge_participants p "
            "WHERE p.challenge_id = ch.id AND p.user_id = $2))",
            challenge_id,
            user_id,
            is_admin,
        )
        return None if row is None else tuple(row)

    async def live_rows(
        self, challenge_id: int, metric: str, now: datetime, first: date, last: date
    ) -> list[Row]:
        """Every participant of a challenge running from `first` to `last`, as `LiveRow`'s
        fields (left as the driver's rows: 10,000 of them are read per standings): one
        statement."""
        connection = await self.connection()
        statement = LIVE_BY_METRIC[metric]
        if connection.dialect != "postgresql":
            return await connection.fetch(statement, challenge_id, now, first, last)
        # Its estimated cost (a probe per participant) has PostgreSQL JIT-compile it: ~570 of
        # the ~660 ms it took for 10,000 participants (bench/challenge_standings.py). A read
        # runs outside a transaction, so the setting is put back by hand.
        await connection.execute("SET jit = off")
        try:
            return await connection.fetch(statement, challenge_id, now, first, last)
        finally:
            await connection.execute("RESET jit")

    async def keep_figures(self, figures: Sequence[dict[str, Any]]) -> None:
        """Store recomputed figures, by participant id (`id`); a row gone meanwhile is skipped."""
        connection = await self.connection()
        for row in figures:
            await connection.execute(
                "UPDATE challenge_participants SET met = $2, due = $3, completion_rate = $4, "
                "total_value = $5, longest_streak = $6, computed_at = $7, fresh_until = $8, "
                "history_version = $9, recent_from = $10, recent_count = $11 WHERE id = $1",
                row["id"],
                row["met"],
                row["due"],
                row["completion_rate"],
                row["total_value"],
                row["longest_streak"],
                row["computed_at"],
                row["fresh_until"],
                row["history_version"],
                row["recent_from"],
                row["recent_count"],
            )

    async def final_page(self, challenge_id: int, limit: int, offset: int) -> list[FinalRow]:
        rows = await (await self.connection()).fetch(
            f"SELECT s.rank, s.user_id, {display_name('u')}, s.met, s.due, "  # noqa: S608
            "s.completion_rate, s.total_value, s.longest_streak "
            "FROM challenge_final_standings s JOIN users u ON u.id = s.user_id "
            "WHERE s.challenge_id = $1 ORDER BY s.rank, s.user_id LIMIT $2 OFFSET $3",
            challenge_id,
            limit,
            offset,
        )
        return [FinalRow(*row) for row in rows]

    async def final_count(self, challenge_id: int) -> int:
        row = await (await self.connection()).fetchrow(
            "SELECT count(*) FROM challenge_final_standings WHERE challenge_id = $1", challenge_id
        )
        assert row is not None
        count: int = row[0]
        return count

    # --- for the worker, on the session ---

    async def to_finalize(self, final_by: date, limit: int) -> Sequence[Challenge]:
        """Challenges over everywhere (end_date on or before `final_by`) not yet made final,
        locked; rows another worker holds are skipped."""
        statement = (
            select(Challenge)
            .where(Challenge.finalized_at.is_(None), Challenge.end_date <= final_by)
            .order_by(Challenge.end_date, Challenge.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(statement)).all()

    async def work_ahead(self, started_by: date, final_by: date, ends_after: date) -> set[str]:
        """Which of the worker's jobs have anything to do: `started` (someone not told),
        `final` (a challenge to make final), `running` (a challenge whose figures may age)."""
        unfinal = Challenge.finalized_at.is_(None)
        checks = {
            "started": select(ChallengeParticipant.id)
            .join(Challenge, Challenge.id == ChallengeParticipant.challenge_id)
            .where(
                ChallengeParticipant.told_started.is_(False),
                Challenge.start_date <= started_by,
                unfinal,
            ),
            "final": select(Challenge.id).where(unfinal, Challenge.end_date <= final_by),
            "running": select(Challenge.id).where(
                unfinal, Challenge.start_date <= started_by, Challenge.end_date > ends_after
            ),
        }
        return {
            job
            for job, statement in checks.items()
            if await self.session.scalar(statement.limit(1)) is not None
        }

    async def running(self, started_by: date, ends_after: date) -> Sequence[Challenge]:
        """Challenges begun somewhere by `started_by`, not final, ending after `ends_after`."""
        statement = select(Challenge).where(
            Challenge.finalized_at.is_(None),
            Challenge.start_date <= started_by,
            Challenge.end_date > ends_after,
        )
        return (await self.session.scalars(statement.order_by(Challenge.id))).all()

    async def keep_final(self, challenge: Challenge, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                insert(ChallengeFinalStanding),
                [row | {"challenge_id": challenge.id} for row in rows],
            )

    async def not_told_started(
        self, started_by: date, after_id: int, limit: int
    ) -> list[tuple[ChallengeParticipant, Challenge, str, int]]:
        """Participants (past `after_id`, in id order) not yet told their challenge started,
        of challenges that began by `started_by` somewhere and are not final, with the user's
        zone and day start."""
        rows = await self.session.execute(
            select(ChallengeParticipant, Challenge, User.timezone, User.day_start)
            .join(Challenge, Challenge.id == ChallengeParticipant.challenge_id)
            .join(User, User.id == ChallengeParticipant.user_id)
            .where(
                ChallengeParticipant.told_started.is_(False),
                ChallengeParticipant.id > after_id,
                Challenge.start_date <= started_by,
                Challenge.finalized_at.is_(None),
            )
            .order_by(ChallengeParticipant.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=ChallengeParticipant)
        )
        return [(p, c, tz, day_start) for p, c, tz, day_start in rows.all()]

    async def mark_told_started(self, participant_ids: list[int]) -> None:
        if participant_ids:
            await self.session.execute(
                update(ChallengeParticipant)
                .where(ChallengeParticipant.id.in_(participant_ids))
                .values(told_started=True)
            )
