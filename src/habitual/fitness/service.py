"""Taking samples in (deduplicated, counted on their local day) and reading days back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from habitual.checkins.service import checkin_service
from habitual.db import Database, UnitOfWork
from habitual.errors import NotFound, Unprocessable, ValidationIssue
from habitual.fitness.repository import DayDelta, FitnessRepository, SampleRow
from habitual.fitness.schemas import (
    BestDay,
    DailyRead,
    DayRead,
    GoalRead,
    IngestResult,
    Rejected,
    SampleIn,
    SourcesRead,
    SummaryRead,
)
from habitual.habitmath.fitness import (
    AGGREGATES,
    BY_END,
    Aggregate,
    Metric,
    goal_runs,
    merge_sources,
    source_value,
)
from habitual.habits.repository import HabitRepository
from habitual.kit.clock import utcnow
from habitual.kit.timezones import Person, local_date, local_today
from habitual.models import FEED_HABIT, Event
from habitual.notifications.outbox import Notice, default_channels, notify_many

API_SOURCE = "api"
MAX_RANGE_DAYS = 3660
DEFAULT_RANGE_DAYS = 30
# A sample may start a little ahead of the server's clock (a phone's clock runs fast), no more.
CLOCK_SKEW = timedelta(minutes=10)


def sample_key(sample: SampleIn) -> str:
    """The sample's identity within its source (see models.FitnessSample)."""
    if sample.external_id is not None:
        return "id:" + sample.external_id
    end = sample.end.isoformat() if sample.end else ""
    return f"at:{sample.metric.value}|{sample.start.isoformat()}|{end}"


def _issues(error: ValidationError) -> list[ValidationIssue]:
    return [
        ValidationIssue(loc=[str(part) for part in issue["loc"]], msg=issue["msg"])
        for issue in error.errors(include_url=False, include_context=False, include_input=False)
    ]


def date_range(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """`from` and `to` with their defaults (the last 30 days); from <= to, at most ten years."""
    last = last or today
    first = first or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise Unprocessable("from must not be after to.", field=("query", "from"))
    if (last - first).days >= MAX_RANGE_DAYS:
        raise Unprocessable(f"A range is at most {MAX_RANGE_DAYS} days.", field=("query", "from"))
    return first, last


class FitnessService:
    async def ingest(self, uow: UnitOfWork, person: Person, samples: Sequence[Any]) -> IngestResult:
        """Store a batch of samples (each checked on its own), keep the day figures in step,
        and tell of goals first reached. Importers call this with parsed samples in chunks."""
        rejected: list[Rejected] = []
        now = utcnow()
        valid: list[tuple[str, SampleIn]] = []
        for index, raw in enumerate(samples):
            try:
                sample = raw if isinstance(raw, SampleIn) else SampleIn.model_validate(raw)
            except ValidationError as error:
                rejected.append(Rejected(index=index, errors=_issues(error)))
                continue
            if sample.start > now + CLOCK_SKEW:
                issue = ValidationIssue(loc=["start"], msg="must not be in the future")
                rejected.append(Rejected(index=index, errors=[issue]))
                continue
            valid.append((sample_key(sample), sample))

        repository = FitnessRepository(uow)
        await repository.lock_owner(person.id)
        keys = sorted({(sample.source, key) for key, sample in valid})
        stored = await repository.stored(person.id, keys)
        versions: dict[tuple[str, str], int] = {k: s.version for k, s in stored.items()}
        final: dict[tuple[str, str], SampleIn] = {}
        accepted = updated = duplicates = 0
        for key, sample in valid:
            identity = (sample.source, key)
            known = versions.get(identity)
            if known is None:
                accepted += 1
            elif sample.version > known:
                updated += 1
            else:
                duplicates += 1
                continue
            versions[identity] = sample.version
            final[identity] = sample
        result = IngestResult(
            accepted=accepted, updated=updated, duplicates=duplicates, rejected=rejected
        )
        if not final:
            return result

        rows: list[SampleRow] = []
        totals: dict[tuple[str, date, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        latest: dict[tuple[str, date, str], tuple[datetime, float]] = {}
        refresh: set[tuple[str, date, str]] = set()
        for (source, key), sample in final.items():
            counted_at = sample.end if sample.metric in BY_END and sample.end else sample.start
            local_day = local_date(counted_at, person.timezone, person.day_start)
            rows.append(
                SampleRow(
                    source,
                    key,
                    sample.metric.value,
                    sample.value,
                    sample.start,
                    sample.end,
                    sample.version,
                    local_day,
                )
            )
            day = (sample.metric.value, local_day, source)
            totals[day][0] += sample.value
            totals[day][1] += 1
            if day not in latest or sample.start >= latest[day][0]:
                latest[day] = (sample.start, sample.value)
            old = stored.get((source, key))
            if old is not None:
                old_day = (old.metric, old.local_date, source)
                totals[old_day][0] -= old.value
                totals[old_day][1] -= 1
                if AGGREGATES[Metric(old.metric)] is Aggregate.last:
                    refresh.add(old_day)
        deltas = []
        for day, (total, count) in totals.items():
            start_at, value = latest.get(day, (None, None))
            deltas.append(DayDelta(*day, total, int(count), value, start_at))
        await repository.put_samples(person.id, rows)
        await repository.add_to_days(person.id, deltas)
        for metric, local_day, source in sorted(refresh):
            await repository.refresh_latest(person.id, metric, local_day, source)
        if stored:
            await repository.drop_empty_days(person.id)
        touched = {(metric, local_day) for metric, local_day, _ in totals}
        await self._days_changed(uow, person, touched)
        return result

    async def add_steps(self, uow: UnitOfWork, person: Person, steps: int) -> IngestResult:
        """POST /fitness: `steps` now, from source `api` (each call is a new sample)."""
        now = utcnow()
        sample = SampleIn(metric=Metric.steps, value=steps, start=now, source=API_SOURCE)
        return await self.ingest(uow, person, [sample])

    async def _days_changed(
        self, uow: UnitOfWork, person: Person, touched: set[tuple[str, date]]
    ) -> None:
        """After samples changed these (metric, day)s: tell of goals first reached, and keep
        the habits fed by these metrics in step. Costs one look-up of each when neither is
        set (most people): no day is read then."""
        repository = FitnessRepository(uow)
        goals = await repository.goals(person.id)
        fed = await HabitRepository(uow).fed_by_data(person.id)
        by_metric: dict[str, set[date]] = defaultdict(set)
        for metric, local_day in touched:
            if metric in goals or metric in fed:
                by_metric[metric].add(local_day)
        if not by_metric:
            return
        priority = await repository.priority(person.id)
        notices: list[Notice] = []
        for metric, wanted in sorted(by_metric.items()):
            first, last = min(wanted), max(wanted)
            days = await self._days(repository, person, Metric(metric), first, last, priority)
            if metric in goals:
                notices.extend(_goals_reached(person, metric, goals[metric], days, wanted))
            values = {local_day: value for local_day, (value, _) in days.items()}
            for habit, rules in fed.get(metric, ()):
                await checkin_service.put_from_device(
                    uow, person, habit, rules, first, last, values
                )
        await notify_many(await uow.connection(), notices)

    async def feed(self, uow: UnitOfWork, person: Person, habit_ids: set[int] | None) -> None:
        """Fill the days of these habits fed by data (None: all of them) from their start to
        today with the data there is: a habit newly fed, re-dated or restored, or a new order
        of sources."""
        repository = FitnessRepository(uow)
        fed = await HabitRepository(uow).fed_by_data(person.id)
        today = local_today(person)
        priority = await repository.priority(person.id)
        for metric, habits in sorted(fed.items()):
            chosen = [(h, r) for h, r in habits if habit_ids is None or h.id in habit_ids]
            if not chosen:
                continue
            first = min(habit.start_date for habit, _ in chosen)
            days = await self._days(repository, person, Metric(metric), first, today, priority)
            values = {local_day: value for local_day, (value, _) in days.items()}
            for habit, rules in chosen:
                await checkin_service.put_from_device(
                    uow, person, habit, rules, habit.start_date, today, values
                )

    async def _days(
        self,
        repository: FitnessRepository,
        person: Person,
        metric: Metric,
        first: date,
        last: date,
        priority: list[str] | None = None,
    ) -> dict[date, tuple[float, dict[str, float]]]:
        """Each day with data in the range: its merged value and each source's figure."""
        if priority is None:
            priority = await repository.priority(person.id)
        by_day: dict[date, dict[str, float]] = defaultdict(dict)
        for local_day, source, total, count, last_value in await repository.days(
            person.id, metric.value, first, last
        ):
            by_day[local_day][source] = source_value(metric, total, count, last_value)
        merged: dict[date, tuple[float, dict[str, float]]] = {}
        for local_day, by_source in by_day.items():
            value = merge_sources(by_source, priority)
            if value is not None:
                merged[local_day] = (value, by_source)
        return merged

    async def daily(
        self, uow: UnitOfWork, person: Person, metric: Metric, first: date | None, last: date | None
    ) -> DailyRead:
        first, last = date_range(first, last, local_today(person))
        repository = FitnessRepository(uow)
        goal = (await repository.goals(person.id)).get(metric.value)
        days = await self._days(repository, person, metric, first, last)
        return DailyRead(
            metric=metric,
            items=[
                DayRead(
                    date=local_day,
                    value=value,
                    by_source=by_source,
                    goal=goal,
                    met=None if goal is None else value >= goal,
                )
                for local_day, (value, by_source) in sorted(days.items())
            ],
        )

    async def summary(
        self, uow: UnitOfWork, person: Person, metric: Metric, first: date | None, last: date | None
    ) -> SummaryRead:
        today = local_today(person)
        first, last = date_range(first, last, today)
        repository = FitnessRepository(uow)
        goal = (await repository.goals(person.id)).get(metric.value)
        days = await self._days(repository, person, metric, first, last)
        values = {local_day: value for local_day, (value, _) in days.items()}
        total = sum(values.values())
        best = max(sorted(values.items()), key=lambda item: item[1], default=None)
        met = [day for day, value in values.items() if goal is not None and value >= goal]
        current, longest = goal_runs(met, first, last, today)
        return SummaryRead(
            metric=metric,
            from_date=first,
            to_date=last,
            days=len(values),
            total=total,
            daily_average=total / len(values) if values else None,
            best_day=None if best is None else BestDay(date=best[0], value=best[1]),
            goal=goal,
            days_met=len(met),
            current_run=current,
            longest_run=longest,
        )

    async def goals(self, uow: UnitOfWork, person: Person) -> list[GoalRead]:
        goals = await FitnessRepository(uow).goals(person.id)
        return [GoalRead(metric=Metric(metric), daily_target=t) for metric, t in goals.items()]

    async def put_goal(
        self, uow: UnitOfWork, person: Person, metric: Metric, target: float
    ) -> GoalRead:
        await FitnessRepository(uow).put_goal(person.id, metric.value, target, utcnow())
        return GoalRead(metric=metric, daily_target=target)

    async def put_goals(
        self, uow: UnitOfWork, person: Person, goals: Mapping[Metric, float]
    ) -> None:
        """Several goals at once (registration's `fitness_goals`)."""
        repository = FitnessRepository(uow)
        for metric, target in sorted(goals.items()):
            await repository.put_goal(person.id, metric.value, target, utcnow())

    async def delete_goal(self, uow: UnitOfWork, person: Person, metric: Metric) -> None:
        if not await FitnessRepository(uow).delete_goal(person.id, metric.value):
            raise NotFound(f"No goal for {metric.value}.")

    async def sources(self, uow: UnitOfWork, person: Person) -> SourcesRead:
        repository = FitnessRepository(uow)
        priority = await repository.priority(person.id)
        return SourcesRead(
            priority=priority,
            merge="priority" if priority else "largest",
            known=await repository.known_sources(person.id),
        )

    async def put_sources(
        self, uow: UnitOfWork, person: Person, priority: list[str]
    ) -> SourcesRead:
        await FitnessRepository(uow).put_priority(person.id, priority, utcnow())
        await self.feed(uow, person, None)  # merged days may differ now
        return await self.sources(uow, person)


def _goals_reached(
    person: Person,
    metric: str,
    target: float,
    days: Mapping[date, tuple[float, dict[str, float]]],
    wanted: set[date],
) -> list[Notice]:
    """A notice for each day of `wanted` whose value reaches the goal (told once per day: the
    dedupe key)."""
    return [
        Notice(
            user_id=person.id,
            habit_id=None,
            event=Event.fitness_goal_reached,
            dedupe_key=f"fitness:{person.id}:{metric}:{local_day.isoformat()}",
            title=f"Daily goal reached: {metric}",
            body=f"{_amount(value)} {metric} on {local_day.isoformat()}, goal {_amount(target)}.",
            data={"metric": metric, "date": local_day.isoformat(), "value": value, "goal": target},
            channels=default_channels(Event.fitness_goal_reached),
        )
        for local_day, (value, _) in sorted(days.items())
        if local_day in wanted and value >= target
    ]


async def feed_told(uow: UnitOfWork, news: list[Any]) -> None:
    """The preparer of FEED_HABIT (db.Database.preparers): each person's habits, once."""
    by_person: dict[int, tuple[Person, set[int]]] = {}
    for person, habit_id in news:
        by_person.setdefault(person.id, (person, set()))[1].add(habit_id)
    for person, habit_ids in by_person.values():
        await fitness_service.feed(uow, person, habit_ids)


def install(database: Database) -> None:
    """Feed habits in `database`'s units: what habits/ tells is done before each commits."""
    database.preparers[FEED_HABIT] = feed_told


def _amount(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


fitness_service = FitnessService()
