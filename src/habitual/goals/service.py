"""Rules for goals: one open goal per habit, judged by the habit maths, achieved once for good.

What is stored of a goal is its terms, its `state` and `achieved_on`; how far it has come is
computed from the check-ins each time (habitmath/goals.py), so it agrees with the stats.
An open goal is `active`, or `failed` once it can no longer be reached (its end passed, or too
few periods left). Achievement is sticky: the check-in that reaches a goal records it in its
own transaction with one `goal_achieved` notification, and a check-in deleted later does not
undo it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from habitual.db import UnitOfWork
from habitual.errors import Conflict, NotFound, Unprocessable
from habitual.goals.repository import GoalRepository
from habitual.goals.schemas import MAX_TARGET, GoalCreate, GoalRead, GoalStatus
from habitual.habitmath.goals import (
    GoalProgress,
    GoalTerms,
    counts_towards,
    first_counted_day,
    goal_progress,
)
from habitual.habitmath.periods import DayRecord, HabitHistory
from habitual.habitmath.schedule import Rule, rule_on
from habitual.habitmath.stats import STREAK_UNITS
from habitual.habits.repository import HabitRepository, HabitRow
from habitual.habits.service import habit_service
from habitual.kit.clock import utcnow
from habitual.kit.pagination import Page, PageParams
from habitual.kit.timezones import Person, local_today
from habitual.models import Event, Goal, GoalState, User
from habitual.notifications.outbox import Notice, default_channels, notify_many

# How far ahead a goal may start, and how long its window may be (ten years).
MAX_START_AHEAD = timedelta(days=366)
MAX_WINDOW_DAYS = MAX_TARGET
CLOSED_STATUS = {
    GoalState.achieved.value: GoalStatus.achieved,
    GoalState.failed.value: GoalStatus.failed,
    GoalState.abandoned.value: GoalStatus.abandoned,
}


class HabitFacts(Protocol):
    """What the goals need of a habit: the hot path's `HabitRow`, or the check-in's facts."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date | None: ...


def terms_of(goal: Goal) -> GoalTerms:
    return GoalTerms(goal.target, goal.start_date, goal.end_date, goal.consecutive)


def history_of(
    habit: HabitFacts, rules: list[Rule], checkins: dict[date, DayRecord], week_start: int
) -> HabitHistory:
    return HabitHistory(rules, habit.start_date, habit.end_date, checkins, week_start)


def status_of(state: str, progress: GoalProgress) -> GoalStatus:
    """A closed goal keeps the status it was closed with; an open one is judged now. An open
    goal the maths finds reached (without a check-in recording it: a schedule change) is
    achieved, with no `achieved_on` until a check-in records it."""
    if state in CLOSED_STATUS:
        return CLOSED_STATUS[state]
    if progress.reached:
        return GoalStatus.achieved
    return GoalStatus.active if progress.reachable else GoalStatus.failed


def goal_read(goal: Goal, progress: GoalProgress, unit: str) -> GoalRead:
    status = status_of(goal.state, progress)
    met, target = progress.met, goal.target
    return GoalRead(
        id=goal.id,
        habit_id=goal.habit_id,
        target=target,
        consecutive=goal.consecutive,
        start_date=goal.start_date,
        end_date=goal.end_date,
        unit=unit,
        met=met,
        remaining=max(target - met, 0),
        percent=min(met, target) * 100 // target,
        status=status,
        achieved_on=goal.achieved_on,
        on_track=status is GoalStatus.achieved
        or (status is GoalStatus.active and progress.on_track),
        created_at=goal.created_at,
    )


def achieved_notice(user_id: int, habit: HabitFacts, goal_id: int, terms: GoalTerms) -> Notice:
    unit = "in a row" if terms.consecutive else "met"
    return Notice(
        user_id,
        habit.id,
        Event.goal_achieved,
        f"goal_achieved:{goal_id}",
        f"Goal achieved: {habit.name}",
        f"{habit.name}: {terms.target} {unit} since {terms.start_date.isoformat()}.",
        {
            "habit_id": habit.id,
            "goal_id": goal_id,
            "target": terms.target,
            "consecutive": terms.consecutive,
            "start_date": terms.start_date.isoformat(),
            "end_date": terms.end_date.isoformat() if terms.end_date else None,
        },
        default_channels(Event.goal_achieved),
    )


class GoalService:
    async def _judge(
        self,
        uow: UnitOfWork,
        person: Person,
        habit: HabitFacts,
        rules: list[Rule],
        goals: Sequence[GoalTerms],
        today: date,
    ) -> list[GoalProgress]:
        """Each goal's progress, from one read of the check-ins they need."""
        if not goals:
            return []
        since = min(first_counted_day(terms) for terms in goals)
        checkins = await GoalRepository(uow).days_of(habit.id, since)
        history = history_of(habit, rules, checkins, person.week_start)
        return [goal_progress(history, terms, today) for terms in goals]

    def _unit(self, rules: list[Rule], today: date) -> str:
        return STREAK_UNITS[rule_on(rules, today).frequency]

    async def page(
        self, uow: UnitOfWork, user: User, habit_id: int, paging: PageParams
    ) -> Page[GoalRead]:
        habit, rules = await habit_service.owned(uow, user, habit_id)
        goals, total = await GoalRepository(uow).page(user.id, habit.id, paging)
        today = local_today(user)
        judged = await self._judge(uow, user, habit, rules, [terms_of(g) for g in goals], today)
        unit = self._unit(rules, today)
        return Page[GoalRead](
            items=[
                goal_read(goal, progress, unit)
                for goal, progress in zip(goals, judged, strict=True)
            ],
            total=total,
            page=paging.page,
            page_size=paging.page_size,
        )

    async def _one(
        self, uow: UnitOfWork, user: User, habit_id: int, goal_id: int
    ) -> tuple[HabitRow, list[Rule], Goal, GoalProgress, date]:
        habit, rules = await habit_service.owned(uow, user, habit_id)
        goal = await GoalRepository(uow).get_for_owner(user.id, habit.id, goal_id)
        if goal is None:
            raise NotFound("No such goal.")
        today = local_today(user)
        (progress,) = await self._judge(uow, user, habit, rules, [terms_of(goal)], today)
        return habit, rules, goal, progress, today

    async def get(self, uow: UnitOfWork, user: User, habit_id: int, goal_id: int) -> GoalRead:
        _, rules, goal, progress, today = await self._one(uow, user, habit_id, goal_id)
        return goal_read(goal, progress, self._unit(rules, today))

    async def abandon(self, uow: UnitOfWork, user: User, habit_id: int, goal_id: int) -> None:
        """Give up an active goal; it stays in the history as abandoned. Abandoning it again
        changes nothing; an achieved or failed goal is over already (409)."""
        _, _, goal, progress, _ = await self._one(uow, user, habit_id, goal_id)
        status = status_of(goal.state, progress)
        if status is GoalStatus.abandoned:
            return
        if status is not GoalStatus.active:
            raise Conflict(
                f"This goal is {status.value} already; only an active goal is abandoned."
            )
        goal.state = GoalState.abandoned.value
        goal.closed_at = utcnow()
        await uow.session.flush()

    def _check_dates(
        self, body: GoalCreate, habit: HabitFacts, start_date: date, today: date
    ) -> None:
        if start_date < habit.start_date:
            raise Unprocessable(
                f"start_date must not be before the habit's start date, {habit.start_date}.",
                field=("body", "start_date"),
            )
        if start_date > today + MAX_START_AHEAD:
            raise Unprocessable(
                "start_date must be at most a year ahead.", field=("body", "start_date")
            )
        end_date = body.end_date
        if end_date is None:
            return
        if end_date < start_date:
            raise Unprocessable(
                "end_date must not be before start_date.", field=("body", "end_date")
            )
        if end_date < today:
            raise Unprocessable(
                f"end_date must be today or later: it is {today} in your time zone.",
                field=("body", "end_date"),
            )
        if (end_date - start_date).days + 1 > MAX_WINDOW_DAYS:
            raise Unprocessable(
                f"A goal spans at most {MAX_WINDOW_DAYS} days.", field=("body", "end_date")
            )

    async def create(
        self, uow: UnitOfWork, user: User, habit_id: int, body: GoalCreate
    ) -> GoalRead:
        """A new goal for the habit, unless it has an active one (409). An open goal that has
        failed meanwhile is closed as failed; one the maths finds reached is recorded achieved.
        The habit's row stays locked until the transaction ends, so parallel creations look
        at the open goal one after another (and the partial unique index stops the rest)."""
        if await HabitRepository(uow).get_for_owner_locked(user.id, habit_id) is None:
            raise NotFound("No such habit.")
        habit, rules = await habit_service.owned(uow, user, habit_id)
        today = local_today(user)
        start_date = body.start_date or today
        self._check_dates(body, habit, start_date, today)
        terms = GoalTerms(body.target, start_date, body.end_date, body.consecutive)
        repository = GoalRepository(uow)
        now = utcnow()
        notices: list[Notice] = []
        previous = await repository.open_goal(habit.id)
        judged_terms = [terms] if previous is None else [terms, terms_of(previous)]
        progress, *previous_progress = await self._judge(
            uow, user, habit, rules, judged_terms, today
        )
        if previous is not None:
            status = status_of(previous.state, previous_progress[0])
            if status is GoalStatus.active:
                raise Conflict(
                    "This habit has an active goal already; abandon it "
                    f"(DELETE .../goals/{previous.id}) to set another."
                )
            previous.closed_at = now
            if status is GoalStatus.achieved:
                previous.state, previous.achieved_on = GoalState.achieved.value, today
                notices.append(achieved_notice(user.id, habit, previous.id, terms_of(previous)))
            else:
                previous.state = GoalState.failed.value
            await uow.session.flush()
        if not progress.reachable:
            raise Unprocessable(
                f"{body.target} met {self._unit(rules, today)} cannot be reached "
                f"between {start_date} and {body.end_date} on this habit's schedule.",
                field=("body", "target"),
            )
        goal = Goal(
            user_id=user.id,
            habit_id=habit.id,
            target=body.target,
            start_date=start_date,
            end_date=body.end_date,
            consecutive=body.consecutive,
        )
        if progress.reached:  # a goal started in the past may be reached already
            goal.state, goal.achieved_on, goal.closed_at = GoalState.achieved.value, today, now
        try:
            await repository.add(goal)
        except IntegrityError:
            raise Conflict("This habit has an active goal already.") from None
        if progress.reached:
            notices.append(achieved_notice(user.id, habit, goal.id, terms))
        await notify_many(await uow.connection(), notices, now)
        return goal_read(goal, progress, self._unit(rules, today))

    async def reached_by_checkin(
        self,
        uow: UnitOfWork,
        person: Person,
        habit: HabitFacts,
        rules: list[Rule],
        day: date,
        today: date,
    ) -> Notice | None:
        """After a check-in made `day` met: record the habit's open goal achieved if that
        reached it, and give its notification. A habit without an open goal costs one
        statement."""
        repository = GoalRepository(uow)
        goal = await repository.open_goal_locked(habit.id)
        if goal is None:
            return None
        terms = GoalTerms(goal.target, goal.start_date, goal.end_date, goal.consecutive)
        if not counts_towards(terms, day):
            return None
        (progress,) = await self._judge(uow, person, habit, rules, [terms], today)
        if not progress.reached or not await repository.mark_achieved(goal.id, today, utcnow()):
            return None
        return achieved_notice(person.id, habit, goal.id, terms)


goal_service = GoalService()
