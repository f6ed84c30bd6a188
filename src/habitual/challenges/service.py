"""Rules for challenges: who sees them, joining once, and standings judged by the habit maths.

Freshness: a participant's figures (met, due, completion rate, total, longest streak over the
challenge's days) are kept on their participation and recomputed, by the same habit maths as the
stats (`habitmath.challenge.window_figures`), only when stale: never computed; their local day
has ended since (a pending day may now be missed); the habit's `history_version` moved (a
back-filled check-in); the habit or the user changed (rule, dates, time zone, day start); or a
recent check-in (since the day before their today) was written, changed or deleted after the
computation. So a read of 10,000 fresh participants is one statement and a sort.

Final: a challenge is over everywhere once `end_date` has ended in the last time zone on Earth
(UTC-12) for the latest day start (23:00), i.e. at `end_date` + 2 days 11:00 UTC. From then on
the worker keeps its standings in `challenge_final_standings` and they never change again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from habitual.challenges.repository import ChallengeRepository, FinalRow, LiveRow
from habitual.challenges.schemas import (
    ChallengeCreate,
    ChallengeRead,
    ChallengeUpdate,
    JoinRequest,
    Metric,
    StandingRead,
    StandingsRead,
    Status,
    Visibility,
)
from habitual.checkins.repository import CheckinRepository
from habitual.db import UnitOfWork
from habitual.errors import Conflict, Forbidden, NotFound, Unprocessable
from habitual.habitmath.challenge import WindowFigures, competition_ranks, window_figures
from habitual.habitmath.periods import DayRecord, HabitHistory
from habitual.habitmath.schedule import Rule
from habitual.habits.repository import MAX_IDS_PER_STATEMENT, HabitRepository, HabitRow
from habitual.habits.rules import (
    KINDS,
    DefinitionError,
    Kind,
    applicable_fields,
    as_rule,
    check_definition,
    rule_columns,
)
from habitual.habits.schemas import WEEKDAYS, HabitWrite
from habitual.habits.service import habit_service
from habitual.kit.clock import utcnow
from habitual.kit.pagination import PageParams
from habitual.kit.rawsql import Row
from habitual.kit.secrets import token_digest
from habitual.kit.timezones import Person, local_date, local_today
from habitual.models import (
    DROP_BOARDS,
    REFRESH_BOARDS,
    Challenge,
    ChallengeParticipant,
    Event,
    Role,
    User,
)
from habitual.notifications.outbox import Notice, notify_many

MAX_DAYS = 366
# After the midnight (UTC) that begins end_date: its end in UTC-12, plus a 23:00 day start.
FINAL_AFTER = timedelta(days=2, hours=11)
# The earliest zone (UTC+14): a challenge has begun somewhere once this far into its start_date.
EARLIEST_OFFSET = timedelta(hours=14)
NOTICES_PER_STATEMENT = 1000
# Where a live row (`LiveRow`) holds these.
USER_ID, STALE, SCORE = (LiveRow._fields.index(name) for name in ("user_id", "stale", "score"))
# Figures are stamped this much before they were read: a check-in committed while they were
# being computed is seen as newer, and makes them stale.
STAMP_MARGIN = timedelta(seconds=5)


def final_by(now: datetime) -> date:
    """The latest end_date whose challenges are over everywhere at `now`."""
    return (now - FINAL_AFTER).date()


def status_of(challenge: Challenge, today: date, now: datetime) -> Status:
    if challenge.end_date <= final_by(now):
        return Status.finished
    if today < challenge.start_date:
        return Status.upcoming
    return Status.active


def challenge_read(
    challenge: Challenge,
    *,
    participants: int,
    joined: bool,
    status: Status,
    invite_code: str | None = None,
) -> ChallengeRead:
    kind = KINDS[challenge.kind]
    fields = applicable_fields(as_rule(challenge, challenge.start_date), kind)
    if fields["target_days"] is not None:
        fields["target_days"] = [WEEKDAYS[day] for day in sorted(fields["target_days"])]
    return ChallengeRead(
        id=challenge.id,
        owner_id=challenge.owner_id,
        name=challenge.name,
        description=challenge.description,
        start_date=challenge.start_date,
        end_date=challenge.end_date,
        kind=kind,
        unit=challenge.unit,
        metric=Metric(challenge.metric),
        visibility=Visibility(challenge.visibility),
        max_participants=challenge.max_participants,
        participants=participants,
        joined=joined,
        status=status,
        invite_code=invite_code,
        created_at=challenge.created_at,
        updated_at=challenge.updated_at,
        **fields,
    )


def new_invite_code(challenge: Challenge) -> str:
    """A fresh code for a private challenge; only its digest is kept."""
    code = secrets.token_urlsafe(18)
    challenge.invite_code_hash = token_digest(code)
    return code


def score_of(metric: str, figures: WindowFigures) -> float:
    """What ranks a participant under `metric`, higher is better; none yet counts as 0."""
    if metric == Metric.total_value:
        return figures.total_value or 0.0
    if metric == Metric.longest_streak:
        return float(figures.longest_streak)
    return figures.completion_rate or 0.0


def ranked(scores: Sequence[tuple[float, int]]) -> list[tuple[int, int]]:
    """(rank, index into `scores`) best first, of (score, user_id) pairs: higher scores first,
    equal scores share a rank (`competition_ranks`) and are listed by user id."""
    order = sorted((-score, user_id, index) for index, (score, user_id) in enumerate(scores))
    ranks = competition_ranks([-negative for negative, _, _ in order])
    return [(place, index) for place, (_, _, index) in zip(ranks, order, strict=True)]


def fresh_until(today: date, end_date: date, timezone: str, day_start: int) -> datetime | None:
    """When figures computed on `today` go stale by the clock alone: when the next local day
    begins (on a DST night that skips its hour, the earlier reading of the skipped time); never
    once the challenge has ended for them."""
    if today > end_date:
        return None
    wall = datetime.combine(today + timedelta(days=1), time(day_start), ZoneInfo(timezone))
    return min(wall.astimezone(UTC), wall.replace(fold=1).astimezone(UTC))


@dataclass
class Judged:
    """What the stale participants' figures are computed from, read in one unit."""

    habits: dict[int, tuple[HabitRow, list[Rule]]]
    checkins: dict[int, dict[date, DayRecord]]


async def read_histories(
    uow: UnitOfWork, rows: Sequence[LiveRow], first: date, last: date
) -> Judged:
    habit_ids = [row.habit_id for row in rows]
    habits = await HabitRepository(uow).with_rules(habit_ids)
    checkins: dict[int, dict[date, DayRecord]] = {}
    repository = CheckinRepository(uow)
    for chunk in range(0, len(habit_ids), MAX_IDS_PER_STATEMENT):
        spans = dict.fromkeys(habit_ids[chunk : chunk + MAX_IDS_PER_STATEMENT], (first, last))
        checkins.update(await repository.of_habits_between(spans))
    return Judged(habits, checkins)


def figures_of(
    row: LiveRow, judged: Judged, first: date, last: date, now: datetime
) -> tuple[WindowFigures, dict[str, Any]]:
    """A participant's figures now, and the values that keep them (`keep_figures`)."""
    habit, rules = judged.habits[row.habit_id]
    checkins = judged.checkins.get(row.habit_id, {})
    today = local_date(now, row.timezone, row.day_start)
    history = HabitHistory(
        rules=rules,
        start_date=habit.start_date,
        end_date=habit.end_date,
        checkins=checkins,
        week_start=row.week_start,
    )
    figures = window_figures(history, first, last, today)
    recent_from = today - timedelta(days=1)
    keep = {
        "id": row.participant_id,
        "met": figures.met,
        "due": figures.due,
        "completion_rate": figures.completion_rate,
        "total_value": figures.total_value,
        "longest_streak": figures.longest_streak,
        "computed_at": now - STAMP_MARGIN,
        "fresh_until": fresh_until(today, last, row.timezone, row.day_start),
        "history_version": row.history_version,
        "recent_from": recent_from,
        "recent_count": sum(1 for day in checkins if day >= recent_from),
    }
    return figures, keep


def stored_figures(row: LiveRow) -> WindowFigures:
    return WindowFigures(row.met, row.due, row.completion_rate, row.total_value, row.longest_streak)


@dataclass
class StandingsRows:
    """What a standings read found, before the arithmetic (done once the connection is back)."""

    metric: str
    first: date
    last: date
    now: datetime
    final: list[FinalRow] | None = None
    final_total: int = 0
    live: list[Row] = field(default_factory=list)  # LiveRow's fields
    judged: Judged | None = None


@dataclass
class StandingsAnswer:
    standings: StandingsRead
    keep: list[dict[str, Any]]


class ChallengeService:
    async def _visible(self, uow: UnitOfWork, user: User, challenge_id: int) -> Challenge:
        """The challenge if the user may see it: public, theirs, one they are in, or an admin."""
        repository = ChallengeRepository(uow)
        challenge = await repository.get(challenge_id)
        if challenge is None or not (
            challenge.visibility == Visibility.public
            or challenge.owner_id == user.id
            or user.role == Role.admin
            or await repository.participation(challenge_id, user.id) is not None
        ):
            raise NotFound("No such challenge.")
        return challenge

    async def _managed(self, uow: UnitOfWork, user: User, challenge_id: int) -> Challenge:
        challenge = await self._visible(uow, user, challenge_id)
        if challenge.owner_id != user.id and user.role != Role.admin:
            raise Forbidden("Only the challenge's owner or an admin may change it.")
        return challenge

    async def read(
        self, uow: UnitOfWork, user: User, challenge: Challenge, invite_code: str | None = None
    ) -> ChallengeRead:
        repository = ChallengeRepository(uow)
        counts = await repository.counts([challenge.id])
        joined = await repository.joined_of(user.id, [challenge.id])
        return challenge_read(
            challenge,
            participants=counts.get(challenge.id, 0),
            joined=challenge.id in joined,
            status=status_of(challenge, local_today(user), utcnow()),
            invite_code=invite_code,
        )

    async def get(self, uow: UnitOfWork, user: User, challenge_id: int) -> ChallengeRead:
        return await self.read(uow, user, await self._visible(uow, user, challenge_id))

    async def page(
        self,
        uow: UnitOfWork,
        user: User,
        joined: bool | None,
        status: Status | None,
        paging: PageParams,
    ) -> tuple[list[ChallengeRead], int]:
        now = utcnow()
        today = local_today(user)
        over = final_by(now)
        bounds: dict[str, date | None] = {
            "starts_after": None,
            "started_by": None,
            "ends_by": None,
            "ends_after": None,
        }
        if status is Status.upcoming:
            bounds |= {"starts_after": today, "ends_after": over}
        elif status is Status.active:
            bounds |= {"started_by": today, "ends_after": over}
        elif status is Status.finished:
            bounds |= {"ends_by": over}
        repository = ChallengeRepository(uow)
        challenges, total = await repository.page(
            user.id, joined=joined, limit=paging.page_size, offset=paging.offset, **bounds
        )
        ids = [challenge.id for challenge in challenges]
        counts = await repository.counts(ids)
        mine = await repository.joined_of(user.id, ids)
        items = [
            challenge_read(
                challenge,
                participants=counts.get(challenge.id, 0),
                joined=challenge.id in mine,
                status=status_of(challenge, today, now),
            )
            for challenge in challenges
        ]
        return items, total

    async def create(self, uow: UnitOfWork, user: User, body: ChallengeCreate) -> ChallengeRead:
        try:
            definition = body.definition()
            check_definition(definition)
        except DefinitionError as error:
            raise Unprocessable(error.message, field=("body", error.field)) from None
        if body.metric is Metric.total_value and body.kind is not Kind.measurable:
            raise Unprocessable(
                "total_value ranks measurable challenges only; use kind 'measurable' or "
                "another metric.",
                field=("body", "metric"),
            )
        today = local_today(user)
        if body.start_date < today:
            raise Unprocessable(
                f"start_date must be today ({today}) or later, in your time zone.",
                field=("body", "start_date"),
            )
        if body.end_date < body.start_date:
            raise Unprocessable(
                "end_date must not be before start_date.", field=("body", "end_date")
            )
        if (body.end_date - body.start_date).days > MAX_DAYS:
            raise Unprocessable(
                f"end_date must be at most {MAX_DAYS} days after start_date.",
                field=("body", "end_date"),
            )
        challenge = Challenge(
            owner_id=user.id,
            name=body.name,
            description=body.description,
            start_date=body.start_date,
            end_date=body.end_date,
            kind=body.kind.value,
            unit=body.unit,
            metric=body.metric.value,
            visibility=body.visibility.value,
            max_participants=body.max_participants,
            **rule_columns(definition),
        )
        code = new_invite_code(challenge) if body.visibility is Visibility.private else None
        await ChallengeRepository(uow).add(challenge)
        return await self.read(uow, user, challenge, invite_code=code)

    async def update(
        self, uow: UnitOfWork, user: User, challenge_id: int, body: ChallengeUpdate
    ) -> ChallengeRead:
        challenge = await self._managed(uow, user, challenge_id)
        given = body.model_fields_set
        code = None
        if body.name is not None:
            challenge.name = body.name
        if "description" in given:
            challenge.description = body.description
        if "max_participants" in given:
            challenge.max_participants = body.max_participants
        if body.visibility is not None and body.visibility.value != challenge.visibility:
            challenge.visibility = body.visibility.value
            if body.visibility is Visibility.private:
                code = new_invite_code(challenge)
            else:
                challenge.invite_code_hash = None
        if body.new_invite_code:
            if challenge.visibility != Visibility.private:
                raise Unprocessable(
                    "Only a private challenge has an invite code.",
                    field=("body", "new_invite_code"),
                )
            code = new_invite_code(challenge)
        await uow.session.flush()
        return await self.read(uow, user, challenge, invite_code=code)

    async def delete(self, uow: UnitOfWork, user: User, challenge_id: int) -> None:
        """Delete the challenge with its participations and standings; habits stay."""
        await ChallengeRepository(uow).delete(await self._managed(uow, user, challenge_id))
        uow.tell(DROP_BOARDS, f"challenge:{challenge_id}")

    async def join(
        self, uow: UnitOfWork, user: User, challenge_id: int, body: JoinRequest, *, max_habits: int
    ) -> tuple[ChallengeParticipant, bool]:
        """The user's participation, and whether this call made it (a second join answers the
        first). The challenge's row is locked, so joins count one after another."""
        repository = ChallengeRepository(uow)
        challenge = await repository.get_locked(challenge_id)
        if challenge is None:
            raise NotFound("No such challenge.")
        existing = await repository.participation(challenge_id, user.id)
        if existing is not None:
            return existing, False
        invited = (
            body.invite_code is not None
            and challenge.invite_code_hash is not None
            and secrets.compare_digest(token_digest(body.invite_code), challenge.invite_code_hash)
        )
        if not (
            challenge.visibility == Visibility.public
            or challenge.owner_id == user.id
            or user.role == Role.admin
            or invited
        ):
            raise NotFound("No such challenge.")
        now = utcnow()
        today = local_today(user)
        if challenge.end_date <= final_by(now) or today > challenge.end_date:
            raise Conflict("This challenge has finished; it takes no more participants.")
        if challenge.max_participants is not None:
            count = (await repository.counts([challenge_id])).get(challenge_id, 0)
            if count >= challenge.max_participants:
                raise Conflict(
                    f"This challenge is full ({challenge.max_participants} participants)."
                )
        if body.habit_id is not None:
            habit = await HabitRepository(uow).get_for_owner(user.id, body.habit_id)
            if habit is None:
                raise NotFound("No such habit.")
            if habit.frequency != challenge.frequency or habit.kind != challenge.kind:
                raise Unprocessable(
                    f"This habit is {habit.kind} and {habit.frequency}; the challenge needs a "
                    f"{challenge.kind}, {challenge.frequency} habit. Give another habit, or none "
                    "to get a new one from the challenge's template.",
                    field=("body", "habit_id"),
                )
            habit_id = habit.id
        else:
            habit_id = (await self._habit_from_template(uow, user, challenge, max_habits)).id
        if not await repository.join(challenge_id, user.id, habit_id, now):
            # Only another transaction of this user could have won: the row lock makes this a
            # belt to the braces on PostgreSQL, and SQLite serialises writers.
            raise Conflict("You joined this challenge at the same moment; try again.")
        participation = await repository.participation(challenge_id, user.id)
        assert participation is not None
        uow.tell(REFRESH_BOARDS, user.id)
        return participation, True

    async def _habit_from_template(
        self, uow: UnitOfWork, user: User, challenge: Challenge, max_habits: int
    ) -> Any:
        kind = KINDS[challenge.kind]
        fields = applicable_fields(as_rule(challenge, challenge.start_date), kind)
        if fields["target_days"] is not None:
            fields["target_days"] = [WEEKDAYS[day].value for day in sorted(fields["target_days"])]
        name = challenge.name
        if await HabitRepository(uow).active_name_taken(user.id, name.lower(), None):
            name = f"{challenge.name[:80]} (challenge {challenge.id})"
        body = {key: value for key, value in fields.items() if value is not None}
        body |= {
            "name": name,
            "kind": kind.value,
            "start_date": max(local_today(user), challenge.start_date),
        }
        if challenge.unit is not None:
            body["unit"] = challenge.unit
        return await habit_service.create(
            uow, user, HabitWrite.model_validate(body), max_habits=max_habits
        )

    async def leave(self, uow: UnitOfWork, user: User, challenge_id: int) -> None:
        """Leave: the habit and its check-ins stay the user's."""
        await self._visible(uow, user, challenge_id)
        repository = ChallengeRepository(uow)
        participation = await repository.participation(challenge_id, user.id)
        if participation is None:
            raise NotFound("You do not take part in this challenge.")
        await repository.leave(participation)
        uow.tell(REFRESH_BOARDS, user.id)

    # --- standings: read on the driver, computed after, kept in a unit of their own ---

    async def read_standings(
        self,
        uow: UnitOfWork,
        caller: Person,
        role: str,
        challenge_id: int,
        now: datetime,
        paging: PageParams,
    ) -> StandingsRows:
        """A final challenge's page of standings as kept; else every participant's figures
        as last computed, with what the stale ones are recomputed from."""
        repository = ChallengeRepository(uow)
        found = await repository.visible(challenge_id, caller.id, role == Role.admin)
        if found is None:
            raise NotFound("No such challenge.")
        first, last, metric, finalized = found
        rows = StandingsRows(metric=metric, first=first, last=last, now=now)
        if finalized:
            rows.final_total = await repository.final_count(challenge_id)
            rows.final = await repository.final_page(challenge_id, paging.page_size, paging.offset)
            return rows
        rows.live = await repository.live_rows(challenge_id, metric, now, first, last)
        stale = [LiveRow(*row) for row in rows.live if row[STALE]]
        if stale:
            rows.judged = await read_histories(uow, stale, first, last)
        return rows

    def standings_from(self, rows: StandingsRows, paging: PageParams) -> StandingsAnswer:
        """Rank the live rows, recomputing the stale ones: pure arithmetic. Only the page's
        rows become objects: the rest are ranked as (score, user id) pairs."""
        keep: list[dict[str, Any]] = []
        computed: dict[int, WindowFigures] = {}
        scores: list[tuple[float, int]] = []
        judged = rows.judged
        for index, row in enumerate(rows.live):
            if row[STALE] and judged is not None:
                figures, kept = figures_of(LiveRow(*row), judged, rows.first, rows.last, rows.now)
                keep.append(kept)
                computed[index] = figures
                scores.append((score_of(rows.metric, figures), row[USER_ID]))
            else:
                scores.append((row[SCORE], row[USER_ID]))
        page = ranked(scores)[paging.offset : paging.offset + paging.page_size]
        items = []
        for place, index in page:
            row = LiveRow(*rows.live[index])
            figures = computed.get(index) or stored_figures(row)
            items.append(standing_read(place, row.user_id, row.display_name, figures))
        standings = StandingsRead(
            items=items,
            total=len(scores),
            page=paging.page,
            page_size=paging.page_size,
            final=False,
        )
        return StandingsAnswer(standings, keep)

    async def keep_figures(self, uow: UnitOfWork, keep: list[dict[str, Any]]) -> None:
        await ChallengeRepository(uow).keep_figures(keep)

    # --- the worker ---

    async def finalize_due(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        """Make the standings of challenges over everywhere final: computed afresh, kept, and
        told to each participant with their rank (once: by dedupe key). How many were told."""
        repository = ChallengeRepository(uow)
        notices: list[Notice] = []
        for challenge in await repository.to_finalize(final_by(now), limit):
            first, last = challenge.start_date, challenge.end_date
            live = [
                LiveRow(*row)
                for row in await repository.live_rows(
                    challenge.id, challenge.metric, now, first, last
                )
            ]
            judged = await read_histories(uow, live, first, last)
            people = [(row.user_id, figures_of(row, judged, first, last, now)[0]) for row in live]
            final: list[dict[str, Any]] = []
            scores = [(score_of(challenge.metric, figures), user_id) for user_id, figures in people]
            for place, index in ranked(scores):
                user_id, figures = people[index]
                final.append({"user_id": user_id, "rank": place, **figures._asdict()})
                notices.append(
                    Notice(
                        user_id=user_id,
                        habit_id=live[index].habit_id,
                        event=Event.challenge_finished,
                        dedupe_key=f"challenge_finished:{challenge.id}:{user_id}",
                        title=f"{challenge.name} is over: you placed {place} of {len(people)}",
                        body=f"The challenge {challenge.name!r} has finished. Your rank: "
                        f"{place} of {len(people)}.",
                        data={
                            "challenge_id": challenge.id,
                            "rank": place,
                            "participants": len(people),
                        },
                    )
                )
            await repository.keep_final(challenge, final)
            challenge.finalized_at = now
        await uow.session.flush()
        return await notify_in_batches(uow, notices, now)

    async def work_ahead(self, uow: UnitOfWork, now: datetime) -> set[str]:
        """Which of `tell_started`, `finalize_due` and `refresh_stale` have work (`started`,
        `final`, `running`): three cheap reads, so that an idle worker takes no write lock."""
        return await ChallengeRepository(uow).work_ahead(
            (now + EARLIEST_OFFSET).date(), final_by(now), final_by(now) - timedelta(days=1)
        )

    async def refresh_stale(self, uow: UnitOfWork, now: datetime) -> int:
        """Recompute the stale figures of every running challenge, so that the first read
        after a participant's day ends finds them fresh. How many were recomputed."""
        repository = ChallengeRepository(uow)
        refreshed = 0
        # Over everywhere a day ago: its last figures only change by back-fills, which a read
        # of its standings recomputes.
        for challenge in await repository.running(
            (now + EARLIEST_OFFSET).date(), final_by(now) - timedelta(days=1)
        ):
            first, last = challenge.start_date, challenge.end_date
            live = await repository.live_rows(challenge.id, challenge.metric, now, first, last)
            stale = [LiveRow(*row) for row in live if row[STALE]]
            if not stale:
                continue
            judged = await read_histories(uow, stale, first, last)
            await repository.keep_figures(
                [figures_of(row, judged, first, last, now)[1] for row in stale]
            )
            refreshed += len(stale)
        return refreshed

    async def tell_started(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        """`challenge_started` for each participant whose local day has reached the start
        (once: by dedupe key, and marked told). How many were told."""
        repository = ChallengeRepository(uow)
        notices: list[Notice] = []
        told: list[int] = []
        # Page through in id order: those whose local day has not come yet are passed over,
        # never in the way of those after them.
        after_id = 0
        while len(notices) < limit:
            page = await repository.not_told_started(
                (now + EARLIEST_OFFSET).date(), after_id, limit
            )
            if not page:
                break
            after_id = page[-1][0].id
            for participant, challenge, timezone, day_start in page:
                if local_date(now, timezone, day_start) < challenge.start_date:
                    continue
                told.append(participant.id)
                notices.append(
                    Notice(
                        user_id=participant.user_id,
                        habit_id=participant.habit_id,
                        event=Event.challenge_started,
                        dedupe_key=f"challenge_started:{challenge.id}:{participant.user_id}",
                        title=f"{challenge.name} has started",
                        body=f"The challenge {challenge.name!r} runs until {challenge.end_date}.",
                        data={"challenge_id": challenge.id},
                    )
                )
        await repository.mark_told_started(told)
        return await notify_in_batches(uow, notices, now)


async def notify_in_batches(uow: UnitOfWork, notices: list[Notice], now: datetime) -> int:
    """Record the notices, a thousand per statement (nine parameters each: a challenge of
    10,000 would pass every database's limit in one). How many were new."""
    connection = await uow.connection()
    told = 0
    for start in range(0, len(notices), NOTICES_PER_STATEMENT):
        told += len(
            await notify_many(connection, notices[start : start + NOTICES_PER_STATEMENT], now)
        )
    return told


def standing_read(place: int, user_id: int, name: str, figures: WindowFigures) -> StandingRead:
    return StandingRead(
        rank=place,
        user_id=user_id,
        display_name=name,
        met=figures.met,
        due=figures.due,
        completion_rate=figures.completion_rate,
        total_value=figures.total_value,
        longest_streak=figures.longest_streak,
    )


challenge_service = ChallengeService()
