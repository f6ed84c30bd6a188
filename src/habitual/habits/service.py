"""Rules for habits: coherent schedules, unique active names, order, and honest history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from habitual.categories.service import category_service
from habitual.db import UnitOfWork
from habitual.errors import Conflict, NotFound, Unprocessable
from habitual.habitmath.fitness import Metric
from habitual.habitmath.schedule import Rule
from habitual.habits.repository import (
    HabitFilter,
    HabitRepository,
    HabitRow,
    OwnedHabit,
)
from habitual.habits.rules import (
    FREQUENCY_FIELDS,
    KINDS,
    Definition,
    DefinitionError,
    Kind,
    applicable_fields,
    as_rule,
    check_definition,
    rule_columns,
)
from habitual.habits.schemas import (
    AdminHabitRead,
    HabitPatch,
    HabitRead,
    HabitWrite,
    admin_habit_read,
    habit_read,
)
from habitual.kit.clock import utcnow
from habitual.kit.pagination import PageParams
from habitual.kit.timezones import Person, local_today
from habitual.models import FEED_HABIT, REFRESH_BOARDS, Habit, HabitRule, User


def _checked(make_definition: Callable[[], Definition]) -> Definition:
    """Build a definition and check it, as a 422 that names the field to change."""
    try:
        definition = make_definition()
        check_definition(definition)
    except DefinitionError as error:
        raise Unprocessable(error.message, field=("body", error.field)) from None
    return definition


def _data_source_metric(metric: Metric | None, kind: Kind) -> str | None:
    """The column of a `data_source`'s metric, for a habit of `kind`."""
    if metric is not None and kind is not Kind.measurable:
        raise Unprocessable(
            "Only a measurable habit can be fed by data; a yes/no habit has no value to fill.",
            field=("body", "data_source"),
        )
    return None if metric is None else metric.value


def current_definition(habit: Habit) -> Definition:
    """The habit's rule as a client would give it: only the fields that apply."""
    kind = KINDS[habit.kind]
    return Definition(
        kind=kind,
        rule=applicable_fields(as_rule(habit, habit.start_date), kind),
        unit=habit.unit if kind is Kind.measurable else None,
    )


class HabitService:
    async def page(
        self,
        uow: UnitOfWork,
        caller: Person,
        where: HabitFilter,
        sort: str,
        descending: bool,
        paging: PageParams,
    ) -> tuple[list[HabitRead], int]:
        """A page of the caller's habits and how many match in all: one statement, the habits
        with their total, and a second for the categories of those of them that have any."""
        habits, total, categorized = await HabitRepository(uow).page(
            caller.id, where, sort, descending, paging.page_size, paging.offset
        )
        categories = await category_service.of_habits(uow, categorized)
        return [habit_read(habit, categories.get(habit.id, [])) for habit in habits], total

    async def page_of_everyone(
        self,
        uow: UnitOfWork,
        owner_id: int | None,
        where: HabitFilter,
        sort: str,
        descending: bool,
        paging: PageParams,
    ) -> tuple[list[AdminHabitRead], int]:
        """`page` across every account (or `owner_id`'s), for administrators."""
        owned, total = await HabitRepository(uow).page_of_everyone(
            owner_id, where, sort, descending, paging.page_size, paging.offset
        )
        categories = await category_service.of_habits(uow, [item.habit.id for item in owned])
        return [_admin_read(item, categories.get(item.habit.id, [])) for item in owned], total

    async def view(self, uow: UnitOfWork, habit: Habit) -> HabitRead:
        """The habit as its owner reads it, with its categories."""
        categories = await category_service.of_habits(uow, [habit.id])
        return habit_read(habit, categories.get(habit.id, []))

    async def put_categories_of_anyones(
        self, uow: UnitOfWork, habit_id: int, category_ids: list[int]
    ) -> AdminHabitRead:
        """Make these the categories of anyone's habit (an administrator's doing)."""
        habit = await HabitRepository(uow).get(habit_id)
        if habit is None:
            raise NotFound("No such habit.")
        await self._put_categories(uow, habit, category_ids)
        username = await HabitRepository(uow).owner_username(habit)
        return admin_habit_read(habit, category_ids, username, habit.user_id)

    async def _put_categories(self, uow: UnitOfWork, habit: Habit, category_ids: list[int]) -> None:
        """A new set of categories is a change of the habit: its `updated_at` moves."""
        if await category_service.put_on_habit(uow, habit.id, category_ids):
            habit.updated_at = utcnow()
            await uow.session.flush()

    async def get(self, uow: UnitOfWork, user: User, habit_id: int) -> Habit:
        habit = await HabitRepository(uow).get_for_owner(user.id, habit_id)
        if habit is None:
            raise NotFound("No such habit.")
        return habit

    async def owned(
        self, uow: UnitOfWork, caller: Person, habit_id: int
    ) -> tuple[HabitRow, list[Rule]]:
        """One of the caller's habits with its rules, on the driver (the hot paths' look-up)."""
        found = await HabitRepository(uow).owned(caller.id, habit_id)
        if found is None:
            raise NotFound("No such habit.")
        return found

    async def create(
        self, uow: UnitOfWork, user: User, body: HabitWrite, *, max_habits: int
    ) -> Habit:
        """A new habit, unless the user already has `max_habits` (archived ones count)."""
        repository = HabitRepository(uow)
        definition = _checked(body.definition)
        start_date = body.start_date or local_today(user)
        if body.end_date is not None and body.end_date < start_date:
            raise Unprocessable(
                "end_date must not be before start_date.", field=("body", "end_date")
            )
        if await repository.count_for_owner_locked(user.id) >= max_habits:
            raise Conflict(
                f"You have reached the limit of habits ({max_habits}); archived habits count "
                "too. Delete one to add another."
            )
        await self._check_name_free(repository, user, body.name)
        if body.position is None:
            position = await repository.next_position(user.id)
        else:
            position = body.position
            await repository.make_room(user.id, position, moving_from=None)
        columns = rule_columns(definition)
        fed_by = None if body.data_source is None else body.data_source.metric
        metric = _data_source_metric(fed_by, body.kind)
        habit = Habit(
            user_id=user.id,
            name=body.name,
            name_key=body.name.lower(),
            description=body.description,
            kind=body.kind.value,
            unit=body.unit,
            start_date=start_date,
            end_date=body.end_date,
            color=body.color,
            icon=body.icon,
            position=position,
            data_source_metric=metric,
            **columns,
        )
        try:
            await repository.add(habit)
        except IntegrityError:
            raise Conflict("You already have an active habit with this name.") from None
        await repository.put_rule(habit.id, start_date, columns)
        await category_service.put_on_habit(uow, habit.id, body.category_ids)
        if metric is not None:
            uow.tell(FEED_HABIT, (user, habit.id))  # its days so far, from the data there is
        return habit

    async def replace(self, uow: UnitOfWork, user: User, habit_id: int, body: HabitWrite) -> Habit:
        """PUT: every field as given; fields left out take their defaults."""
        habit = await self.get(uow, user, habit_id)
        changes = body.model_dump()
        changes["start_date"] = body.start_date or habit.start_date
        changes["archived"] = habit.archived_at is not None
        return await self._apply(uow, user, habit, changes, _checked(body.definition))

    async def update(self, uow: UnitOfWork, user: User, habit_id: int, body: HabitPatch) -> Habit:
        """PATCH: only the fields given; the schedule is re-checked as a whole."""
        habit = await self.get(uow, user, habit_id)
        given = body.model_dump(exclude_unset=True)
        definition = _checked(lambda: self._merged_definition(habit, body))
        return await self._apply(uow, user, habit, given, definition)

    def _merged_definition(self, habit: Habit, body: HabitPatch) -> Definition:
        """The habit's rule with the fields given over it; leaving a frequency drops its
        fields."""
        current = current_definition(habit)
        if body.kind is not None and body.kind != current.kind:
            raise DefinitionError(
                "kind", "a habit's kind cannot change; create a new habit for the other kind"
            )
        rule = dict(current.rule)
        frequency = body.frequency or current.frequency
        if frequency != current.frequency:
            for field in FREQUENCY_FIELDS[current.frequency]:
                rule[field] = None
        rule.update(body.rule_given())
        rule["frequency"] = frequency
        unit = body.unit if "unit" in body.model_fields_set else current.unit
        return Definition(kind=current.kind, rule=rule, unit=unit)

    async def _apply(
        self,
        uow: UnitOfWork,
        user: User,
        habit: Habit,
        changes: dict[str, Any],
        definition: Definition,
    ) -> Habit:
        repository = HabitRepository(uow)
        if definition.kind.value != habit.kind:
            raise Unprocessable(
                "A habit's kind cannot change; create a new habit for the other kind.",
                field=("body", "kind"),
            )
        start_date: date = changes.get("start_date") or habit.start_date
        end_date: date | None = changes.get("end_date", habit.end_date)
        if end_date is not None and end_date < start_date:
            raise Unprocessable(
                "end_date must not be before start_date.", field=("body", "end_date")
            )
        archived = changes.get("archived", habit.archived_at is not None)
        metric = habit.data_source_metric
        if "data_source" in changes:
            given = changes["data_source"]  # a dump: {"metric": Metric} or None
            metric = _data_source_metric(given and given["metric"], definition.kind)
        # Fed days follow the metric, the dates and a restore; renaming or recolouring needs none.
        refeed = metric is not None and (
            metric != habit.data_source_metric
            or (start_date, end_date) != (habit.start_date, habit.end_date)
            or (habit.archived_at is not None and not archived)
        )
        habit.data_source_metric = metric
        name: str = changes.get("name") or habit.name
        if not archived and (name.lower() != habit.name_key or habit.archived_at is not None):
            await self._check_name_free(repository, user, name, except_habit_id=habit.id)
        if "position" in changes and changes["position"] is not None:
            position: int = changes["position"]
            if position != habit.position:
                await repository.make_room(user.id, position, moving_from=habit.position)
                habit.position = position
        columns = rule_columns(definition)
        if any(getattr(habit, column) != value for column, value in columns.items()):
            effective_from = max(local_today(user), start_date)
            await repository.put_rule(habit.id, effective_from, columns)
            for column, value in columns.items():
                setattr(habit, column, value)
        habit.name, habit.name_key = name, name.lower()
        habit.start_date, habit.end_date = start_date, end_date
        habit.unit = definition.unit
        for field in ("description", "color", "icon"):
            if field in changes:
                setattr(habit, field, changes[field])
        if archived and habit.archived_at is None:
            habit.archived_at = utcnow()
        elif not archived:
            habit.archived_at = None
        try:
            await uow.session.flush()
        except IntegrityError:
            raise Conflict("You already have an active habit with this name.") from None
        if changes.get("category_ids") is not None:
            await self._put_categories(uow, habit, changes["category_ids"])
        uow.tell(REFRESH_BOARDS, user.id)  # archived, restarted or re-dated: new figures
        if refeed:
            uow.tell(FEED_HABIT, (user, habit.id))
        return habit

    async def _check_name_free(
        self,
        repository: HabitRepository,
        user: User,
        name: str,
        except_habit_id: int | None = None,
    ) -> None:
        if await repository.active_name_taken(user.id, name.lower(), except_habit_id):
            raise Conflict(
                f"You already have an active habit named {name!r}; rename or archive it first."
            )

    async def delete(self, uow: UnitOfWork, user: User, habit_id: int) -> None:
        """Delete the habit with its rules and check-ins."""
        habit = await self.get(uow, user, habit_id)
        await HabitRepository(uow).delete(habit)
        uow.tell(REFRESH_BOARDS, user.id)

    async def history(
        self, uow: UnitOfWork, user: User, habit_id: int
    ) -> tuple[Habit, Sequence[HabitRule]]:
        habit = await self.get(uow, user, habit_id)
        return habit, await HabitRepository(uow).rules(habit.id)


def _admin_read(item: OwnedHabit, category_ids: list[int]) -> AdminHabitRead:
    return admin_habit_read(item.habit, category_ids, item.username, item.user_id)


habit_service = HabitService()
