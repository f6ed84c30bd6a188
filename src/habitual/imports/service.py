"""Importing another app's file (or our own export) into a person's account.

A parser (loop.py, habitbull.py, ours.py) reads the file into an `ImportedAccount` in a
worker thread, within `Limits`; the plan then matches each of its habits with the person's
(by the source's id through `imported_habits`, or by name when the source has none) and
keeps only what is new: days not yet checked, reminders not yet set. A dry run answers the
plan; a real import writes it in the request's one transaction, so a file that fails half way
writes nothing, and importing the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anyio import to_thread
from pydantic import ValidationError
from sqlalchemy import select

from habitual.categories.service import name_key as category_key
from habitual.config import Settings
from habitual.db import UnitOfWork
from habitual.errors import Unprocessable
from habitual.fitness.service import fitness_service
from habitual.habitmath.fitness import Metric
from habitual.habitmath.schedule import Status
from habitual.habits.repository import HabitRepository
from habitual.habits.rules import Kind, days_to_mask
from habitual.habits.schemas import HabitWrite
from habitual.habits.service import habit_service
from habitual.imports.habitbull import parse_habitbull_csv
from habitual.imports.loop import parse_loop_csv, parse_loop_db
from habitual.imports.model import BadFile, ImportedAccount, ImportedHabit, Limits
from habitual.imports.ours import parse_habitual_json
from habitual.imports.repository import ImportRepository, KnownHabit
from habitual.imports.schemas import HabitPlan, ImportFormat, ImportPreview
from habitual.kit.clock import utcnow
from habitual.kit.timezones import Weekday, local_today
from habitual.models import Category, Channel, Goal, HabitImport, Reminder, User
from habitual.models.leaderboard_entry import REFRESH_BOARDS
from habitual.reminders.service import schedule
from habitual.users.schemas import ProfileWrite, UserUpdate
from habitual.users.service import user_service

PARSERS: dict[ImportFormat, Callable[[bytes, Limits], ImportedAccount]] = {
    ImportFormat.habitual_json: parse_habitual_json,
    ImportFormat.loop_db: parse_loop_db,
    ImportFormat.loop_csv: parse_loop_csv,
    ImportFormat.habitbull_csv: parse_habitbull_csv,
}
WEEKDAYS = list(Weekday)
CHANNELS = {channel.value for channel in Channel}
MAX_VALUE = 1e9  # as a check-in's value may be
MAX_NOTE = 10_000


def limits_of(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.import_max_bytes, max_unpacked_bytes=4 * settings.import_max_bytes
    )


async def parse(import_format: ImportFormat, data: bytes, limits: Limits) -> ImportedAccount:
    """The file read in a worker thread (parsing is CPU work); a BadFile is a 422."""
    try:
        return await to_thread.run_sync(PARSERS[import_format], data, limits)
    except BadFile as error:
        raise Unprocessable(str(error), field=("body", "file")) from None


def source_key(import_format: ImportFormat, habit: ImportedHabit) -> str:
    if habit.source_id is not None:
        return f"{import_format.value}:{habit.source_id}"[:300]
    return f"{import_format.value}:name:{habit.name.casefold()}"[:300]


@dataclass
class Planned:
    """One habit of the file: where it goes and what of it is new."""

    habit: ImportedHabit
    key: str
    name: str
    target: KnownHabit | None
    start_date: date
    checkins: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[tuple[str, int, Any]] = field(default_factory=list)  # time, mask, reminder

    @property
    def action(self) -> str:
        if self.target is None:
            return "create"
        return "update" if self.checkins or self.reminders else "unchanged"


def _unique_name(name: str, taken: set[str]) -> str:
    number = 2
    candidate = name
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate = name[: 100 - len(suffix)] + suffix
        number += 1
    return candidate


def _checkin_row(kind: str, user_id: int, checkin: Any) -> dict[str, Any] | None:
    """A check-in of the file as a row of `checkins`; None when the day has no usable value."""
    value = checkin.value
    if checkin.status is Status.skipped:
        value = None
    elif kind == Kind.measurable.value:
        if value is None or not 0 <= value <= MAX_VALUE:
            return None
    else:
        value = None
    return {
        "user_id": user_id,
        "local_date": checkin.day,
        "status": checkin.status.value,
        "value": value,
        "note": (checkin.note or None) and checkin.note[:MAX_NOTE],
        "origin": checkin.origin if checkin.origin in ("manual", "device") else "manual",
    }


class ImportService:
    async def plan(
        self,
        uow: UnitOfWork,
        user: User,
        import_format: ImportFormat,
        account: ImportedAccount,
        settings: Settings,
    ) -> list[Planned]:
        repository = ImportRepository(uow)
        known = await repository.habits(user.id)
        by_id = {habit.id: habit for habit in known}
        active = {habit.name_key: habit for habit in known if not habit.archived}
        taken = set(active)
        mapped = await repository.mapped(user.id)
        today = local_today(user)
        planned_list: list[Planned] = []
        used: set[int] = set()
        for habit in account.habits:
            key = source_key(import_format, habit)
            target = by_id.get(mapped.get(key, -1))
            if target is None and habit.source_id is None:
                target = active.get(habit.name.casefold())
            if (
                target is None
                and import_format is ImportFormat.habitual_json
                and habit.source_id is not None
                and habit.source_id.isdigit()
            ):
                own = by_id.get(int(habit.source_id))
                if own is not None and own.name_key == habit.name.lower():
                    target = own  # our own export put back into the account it came from
            if target is not None and (target.kind != habit.kind.value or target.id in used):
                target = None
            days = sorted(checkin.day for checkin in habit.checkins if checkin.day <= today)
            if target is None:
                name = habit.name
                if not habit.archived:
                    name = _unique_name(habit.name, taken)
                    if name != habit.name:
                        account.warnings.append(
                            f"{habit.name}: you already have an active habit of this name; "
                            f"the imported one is named {name!r}."
                        )
                    taken.add(name.casefold())
                first = habit.start_date or (days[0] if days else today)
                start = min([first, *days[:1]])
                planned = Planned(habit, key, name, None, min(start, today))
            else:
                used.add(target.id)
                planned = Planned(habit, key, habit.name, target, target.start_date)
            await self._new_of(uow, user, planned, today, account.warnings, settings)
            planned_list.append(planned)
        return planned_list

    async def _new_of(
        self,
        uow: UnitOfWork,
        user: User,
        planned: Planned,
        today: date,
        warnings: list[str],
        settings: Settings,
    ) -> None:
        """What of the habit's days and reminders the account does not have yet."""
        repository = ImportRepository(uow)
        habit, target = planned.habit, planned.target
        checked = set() if target is None else await repository.checked_days(target.id)
        end = habit.end_date if target is None else target.end_date
        kind = habit.kind.value
        future = outside = unusable = 0
        for checkin in habit.checkins:
            if checkin.day in checked:
                continue
            if checkin.day > today:
                future += 1
                continue
            if checkin.day < planned.start_date or (end is not None and checkin.day > end):
                outside += 1
                continue
            row = _checkin_row(kind, user.id, checkin)
            if row is None:
                unusable += 1
                continue
            checked.add(checkin.day)
            planned.checkins.append(row)
        if future:
            warnings.append(f"{planned.name}: {future} days after today were left out.")
        if outside:
            warnings.append(
                f"{planned.name}: {outside} days outside the habit's dates here were left out."
            )
        if unusable:
            warnings.append(
                f"{planned.name}: {unusable} days without a usable value were left out."
            )
        present = set() if target is None else await repository.reminders(target.id)
        room = settings.max_reminders_per_habit - len(present)
        for reminder in habit.reminders:
            days = days_to_mask(frozenset(WEEKDAYS.index(day) for day in reminder.days))
            local_time = reminder.at.strftime("%H:%M")
            if (local_time, days) in present:
                continue
            if room <= 0:
                warnings.append(
                    f"{planned.name}: the reminder at {local_time} was left out (the habit has "
                    f"the most reminders a habit can have, {settings.max_reminders_per_habit})."
                )
                continue
            present.add((local_time, days))
            room -= 1
            planned.reminders.append((local_time, days, reminder))

    def preview(
        self, import_format: ImportFormat, planned: list[Planned], warnings: list[str]
    ) -> ImportPreview:
        habits = [
            HabitPlan(
                name=item.name,
                source_id=item.habit.source_id,
                action=item.action,
                habit_id=None if item.target is None else item.target.id,
                kind=item.habit.kind.value,
                frequency=item.habit.frequency.value,
                times_per_period=item.habit.times_per_period,
                target_days=None
                if item.habit.target_days is None
                else [day.value for day in item.habit.target_days],
                every_n_days=item.habit.every_n_days,
                goal_value=item.habit.goal_value,
                goal_type=None if item.habit.goal_type is None else item.habit.goal_type.value,
                unit=item.habit.unit,
                archived=item.habit.archived,
                checkins_in_file=len(item.habit.checkins),
                checkins_new=len(item.checkins),
                reminders_new=len(item.reminders),
            )
            for item in planned
        ]
        return ImportPreview(
            format=import_format,
            habits=habits,
            habits_created=sum(item.target is None for item in planned),
            habits_updated=sum(item.action == "update" for item in planned),
            checkins_created=sum(len(item.checkins) for item in planned),
            reminders_created=sum(len(item.reminders) for item in planned),
            warnings=warnings,
        )

    async def run(
        self,
        uow: UnitOfWork,
        user: User,
        settings: Settings,
        import_format: ImportFormat,
        data: bytes,
        filename: str | None,
        *,
        dry_run: bool,
    ) -> ImportPreview | HabitImport:
        account = await parse(import_format, data, limits_of(settings))
        if not dry_run and import_format is ImportFormat.habitual_json:
            await self._put_person(uow, user, account)
        planned = await self.plan(uow, user, import_format, account, settings)
        if dry_run:
            return self.preview(import_format, planned, account.warnings)
        categories = await self._categories(uow, account)
        outdated: list[int] = []
        for item in planned:
            if item.target is None:
                habit_id = await self._create(uow, user, item, categories, settings)
            else:
                habit_id = item.target.id
            await ImportRepository(uow).map(user.id, item.key, habit_id)
            for row in item.checkins:
                row["habit_id"] = habit_id
            if item.checkins:
                outdated.append(habit_id)
            for local_time, days, reminder in item.reminders:
                channels = [c for c in (reminder.channels or ("inapp",)) if c in CHANNELS]
                made = Reminder(
                    user_id=user.id,
                    habit_id=habit_id,
                    local_time=local_time,
                    days=days,
                    message=(reminder.message or None) and reminder.message[:500],
                    channels=channels or ["inapp"],
                    active=reminder.active,
                )
                schedule(made, user.timezone)
                uow.session.add(made)
        repository = ImportRepository(uow)
        await repository.add_checkins([row for item in planned for row in item.checkins])
        await repository.outdate_carries(outdated)
        if import_format is ImportFormat.habitual_json:
            await self._put_fitness(uow, user, account)
        uow.tell(REFRESH_BOARDS, user.id)
        return await repository.add(
            HabitImport(
                user_id=user.id,
                format=import_format.value,
                filename=(filename or None) and filename[:255],
                file_sha256=hashlib.sha256(data).hexdigest(),
                size_bytes=len(data),
                habits_created=sum(item.target is None for item in planned),
                habits_updated=sum(item.action == "update" for item in planned),
                checkins_created=sum(len(item.checkins) for item in planned),
                reminders_created=sum(len(item.reminders) for item in planned),
                warnings=account.warnings,
            )
        )

    async def _categories(self, uow: UnitOfWork, account: ImportedAccount) -> dict[str, int]:
        """The server's categories named in the file (they are made by admins, not imported)."""
        wanted = {category_key(name) for habit in account.habits for name in habit.category_names}
        if not wanted:
            return {}
        rows = await uow.session.execute(
            select(Category.name_key, Category.id).where(Category.name_key.in_(wanted))
        )
        found: dict[str, int] = {str(key): int(value) for key, value in rows.all()}
        for name in sorted(wanted - set(found)):
            account.warnings.append(
                f"The category {name!r} does not exist on this server (an admin makes "
                "categories); the habits in it were imported without it."
            )
        return found

    async def _create(
        self,
        uow: UnitOfWork,
        user: User,
        item: Planned,
        categories: dict[str, int],
        settings: Settings,
    ) -> int:
        habit = item.habit
        body: dict[str, Any] = {
            "name": item.name,
            "description": habit.description,
            "kind": habit.kind.value,
            "frequency": habit.frequency.value,
            "times_per_period": habit.times_per_period,
            "target_days": None
            if habit.target_days is None
            else [day.value for day in habit.target_days],
            "every_n_days": habit.every_n_days,
            "goal_value": habit.goal_value,
            "goal_type": None if habit.goal_type is None else habit.goal_type.value,
            "unit": habit.unit,
            "start_date": item.start_date,
            "end_date": habit.end_date,
            "color": habit.color,
            "icon": habit.icon,
            "category_ids": sorted(
                {
                    categories[key]
                    for name in habit.category_names
                    if (key := category_key(name)) in categories
                }
            ),
        }
        if habit.data_source_metric is not None:
            body["data_source"] = {"metric": habit.data_source_metric}
        try:
            write = HabitWrite.model_validate({k: v for k, v in body.items() if v is not None})
        except ValidationError as error:
            issue = error.errors(include_url=False)[0]
            where = ".".join(str(part) for part in issue["loc"])
            raise Unprocessable(
                f"The habit {habit.name!r} cannot be imported: {where}: {issue['msg']}.",
                field=("body", "file"),
            ) from None
        made = await habit_service.create(uow, user, write, max_habits=settings.max_habits_per_user)
        if len(habit.rule_history) > 1:
            repository = HabitRepository(uow)
            for version in habit.rule_history:
                effective_from = max(version.effective_from, item.start_date)
                await repository.put_rule(made.id, effective_from, version.columns)
        if habit.archived:
            made.archived_at = utcnow()
        goals = ImportRepository(uow)
        known = await goals.goal_keys(made.id)
        for goal in habit.goals:
            self._add_goal(uow, user, made.id, goal, known)
        await uow.session.flush()
        return made.id

    def _add_goal(
        self, uow: UnitOfWork, user: User, habit_id: int, goal: dict[str, Any], known: set[Any]
    ) -> None:
        try:
            target = int(goal["target"])
            start = date.fromisoformat(str(goal["start_date"]))
            end = (
                None if goal.get("end_date") is None else date.fromisoformat(str(goal["end_date"]))
            )
            achieved = (
                None
                if goal.get("achieved_on") is None
                else date.fromisoformat(str(goal["achieved_on"]))
            )
        except (KeyError, TypeError, ValueError):
            return
        if (target, start) in known or target < 1:
            return
        known.add((target, start))
        uow.session.add(
            Goal(
                user_id=user.id,
                habit_id=habit_id,
                target=target,
                start_date=start,
                end_date=end,
                consecutive=bool(goal.get("consecutive", False)),
                state=str(goal.get("state") or "open"),
                achieved_on=achieved,
                closed_at=utcnow() if goal.get("closed_at") else None,
            )
        )

    async def _put_person(self, uow: UnitOfWork, user: User, account: ImportedAccount) -> None:
        """Our own export's preferences and profile become the account's (not its email)."""
        preferences = dict(account.preferences)
        if isinstance(preferences.get("week_start"), int) and 0 <= preferences["week_start"] < 7:
            preferences["week_start"] = WEEKDAYS[preferences["week_start"]].value
        try:
            changes = UserUpdate.model_validate(
                {k: v for k, v in preferences.items() if v is not None}
            )
            profile = ProfileWrite.model_validate(
                {k: v for k, v in account.profile.items() if v is not None}
            )
        except ValidationError as error:
            issue = error.errors(include_url=False)[0]
            raise Unprocessable(
                f"The export's profile cannot be imported: {issue['loc'][0]}: {issue['msg']}.",
                field=("body", "file"),
            ) from None
        if changes.model_fields_set:
            await user_service.update_preferences(uow, None, user, changes)  # type: ignore[arg-type]
        if account.profile:
            await user_service.replace_profile(uow, user, profile)

    async def _put_fitness(self, uow: UnitOfWork, user: User, account: ImportedAccount) -> None:
        """Our own export's fitness samples (through the same rules as POST /fitness/samples:
        a sample already here is not added twice), goals and source order."""
        samples = []
        for sample in account.fitness_samples:
            key = str(sample.get("sample_key") or "")
            samples.append(
                {
                    "metric": sample.get("metric"),
                    "value": sample.get("value"),
                    "start": sample.get("start_at"),
                    "end": sample.get("end_at"),
                    "source": sample.get("source"),
                    "version": sample.get("version", 0),
                    **({"external_id": key[3:]} if key.startswith("id:") else {}),
                }
            )
        for start in range(0, len(samples), 10_000):
            result = await fitness_service.ingest(uow, user, samples[start : start + 10_000])
            if result.rejected:
                account.warnings.append(
                    f"{len(result.rejected)} fitness samples could not be read and were left out."
                )
        goals = {}
        for metric, target in account.fitness_goals.items():
            try:
                goals[Metric(metric)] = float(target)
            except ValueError:
                account.warnings.append(f"The fitness goal of {metric!r} is unknown here.")
        if goals:
            await fitness_service.put_goals(uow, user, goals)
        if account.source_priority:
            await fitness_service.put_sources(uow, user, account.source_priority)

    async def get(self, uow: UnitOfWork, user: User, import_id: int) -> HabitImport | None:
        return await ImportRepository(uow).get(user.id, import_id)

    async def page(
        self, uow: UnitOfWork, user: User, offset: int, limit: int
    ) -> tuple[list[HabitImport], int]:
        return await ImportRepository(uow).page(user.id, offset, limit)


import_service = ImportService()
