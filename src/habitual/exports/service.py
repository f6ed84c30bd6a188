"""The account export, written piece by piece as the account is read: a decade of daily
check-ins of twenty habits never sits in memory as one object graph.

Three formats: our JSON (`schema_version` 1, enough for an importer to rebuild the account), a
zip of plain CSV files, and a zip in the layout Loop Habit Tracker's own CSV export writes
(iSoron/uhabits `HabitsCSVExporter`), so that a Loop user can read it.

A stream outlives its request's unit of work (that one ends before the response starts), so
it reads in a read-only unit of its own, one transaction for the whole export.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import IO, Any

from habitual.db import Database, UnitOfWork, request_unit
from habitual.exports.repository import ExportedHabit, ExportRepository
from habitual.fitness.repository import FitnessRepository
from habitual.habitmath.periods import DayRecord, HabitHistory, Outcome, judge
from habitual.habitmath.schedule import STATUSES, GoalType, Rule, Status
from habitual.habitmath.score import score_fold, times_in_days
from habitual.habits.rules import mask_to_days, rule_from_values
from habitual.kit.clock import utcnow
from habitual.kit.rawsql import Row
from habitual.kit.timezones import Weekday, local_today
from habitual.models import User
from habitual.models.habit_rule import RULE_COLUMNS
from habitual.users.repository import UserRepository

SCHEMA_VERSION = 1
WEEKDAYS = list(Weekday)
ONE_DAY = timedelta(days=1)

# Loop's checkmark values (uhabits `Entry`), and its factor for a measurable habit's values,
# which it stores as integers.
LOOP_YES_MANUAL, LOOP_YES_AUTO, LOOP_NO, LOOP_SKIP, LOOP_UNKNOWN = 2, 1, 0, 3, -1
LOOP_NUMERIC_FACTOR = 1000
LOOP_DEFAULT_COLOR = "#00897B"  # Loop's default palette colour (teal)
LOOP_HABITS_HEADER = (
    "Position",
    "Name",
    "Type",
    "Question",
    "Description",
    "FrequencyNumerator",
    "FrequencyDenominator",
    "Color",
    "Unit",
    "Target Type",
    "Target Value",
    "Archived?",
)
# How Loop 2.x writes a checkmark in its CSV files (uhabits `Entry.formattedValue`); any other
# value (a measurable day's amount times 1000) is written as the number.
LOOP_MARK_NAMES = {
    LOOP_YES_MANUAL: "YES_MANUAL",
    LOOP_YES_AUTO: "YES_AUTO",
    LOOP_NO: "NO",
    LOOP_SKIP: "SKIP",
    LOOP_UNKNOWN: "UNKNOWN",
}
LOOP_UNSAFE = re.compile(r"[^ a-zA-Z0-9._-]+")  # what Loop strips from a habit's folder name

HABITS_CSV_HEADER = (
    "id",
    "name",
    "description",
    "kind",
    "unit",
    "color",
    "icon",
    "position",
    "archived_at",
    "start_date",
    "end_date",
    "data_source_metric",
    "category_names",
    *RULE_COLUMNS,
)
CHECKINS_CSV_HEADER = ("habit_id", "habit_name", "date", "status", "value", "note", "origin")
REMINDERS_CSV_HEADER = (
    "habit_id",
    "habit_name",
    "time",
    "days",
    "message",
    "channels",
    "active",
)
SAMPLE_FIELDS = (
    "source",
    "sample_key",
    "metric",
    "value",
    "start_at",
    "end_at",
    "version",
    "local_date",
)
GOAL_FIELDS = (
    "target",
    "start_date",
    "end_date",
    "consecutive",
    "state",
    "achieved_on",
    "closed_at",
    "created_at",
)
# Several values in one CSV cell (category names, weekdays, channels).
LIST_SEPARATOR = ";"


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    loop = "loop"


MEDIA_TYPES = {
    ExportFormat.json: "application/json",
    ExportFormat.csv: "application/zip",
    ExportFormat.loop: "application/zip",
}


def export_filename(user: User, export_format: ExportFormat, today: date) -> str:
    stem = f"habitual-export-{user.username}-{today.isoformat()}"
    if export_format is ExportFormat.json:
        return stem + ".json"
    if export_format is ExportFormat.loop:
        return stem + "-loop.zip"
    return stem + ".zip"


# --- values as the export writes them ---------------------------------------------------------


def _instant(value: datetime | None) -> str | None:
    """An instant as the API writes it: ISO 8601 in UTC with `Z`."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _plain(value: object) -> object:
    """A column's value as JSON holds it."""
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _weekdays(mask: int) -> list[str]:
    return [WEEKDAYS[day].value for day in sorted(mask_to_days(mask))]


def _rule_fields(values: Sequence[object]) -> dict[str, object]:
    """A rule's columns by name, as the habits API names them (weekdays by name)."""
    fields = dict(zip(RULE_COLUMNS, values, strict=True))
    fields["target_days"] = _weekdays(int(str(fields["target_days"])))
    return fields


def _rule_versions(habit: ExportedHabit, stored: list[Row]) -> list[tuple[date, tuple[Any, ...]]]:
    """(effective_from, rule column values) of each version, oldest first: the stored ones, or
    the habit's own columns from its start when none is stored (as habits/rules.py reads it)."""
    if stored:
        return [(row[0], tuple(row[1:])) for row in stored]
    return [(habit.start_date, habit.rule)]


def _user_document(user: User, profile: Any) -> dict[str, object]:
    """What the person told us about themselves; never a secret, the phone, role or limits."""
    return {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "timezone": user.timezone,
        "week_start": user.week_start,
        "day_start": user.day_start,
        "leaderboard_opt_in": user.leaderboard_opt_in,
        "created_at": _instant(user.created_at),
        "first_name": profile.first_name if profile else None,
        "last_name": profile.last_name if profile else None,
        "dob": _day(profile.dob) if profile else None,
        "bio": profile.bio if profile else None,
    }


def _checkin_document(row: Row) -> dict[str, object]:
    local_date, status, value, note, origin = row
    return {
        "date": local_date.isoformat(),
        "status": status,
        "value": value,
        "note": note,
        "origin": origin,
    }


def _reminder_fields(row: Row) -> tuple[str, list[str], str | None, list[str], bool]:
    local_time, days, message, channels, active = row
    return local_time, _weekdays(days), message, channels, active


def _reminder_cells(row: Row) -> tuple[object, ...]:
    """A reminder as reminders.csv holds it: lists joined, the flag as JSON writes it."""
    local_time, days, message, channels, active = _reminder_fields(row)
    joined = LIST_SEPARATOR.join
    return local_time, joined(days), message, joined(channels), "true" if active else "false"


def _sample_document(row: Row) -> dict[str, object]:
    return {name: _plain(value) for name, value in zip(SAMPLE_FIELDS, row, strict=True)}


class _Sink:
    """A write-only file for `zipfile`: it keeps what is written until the stream takes it.
    Without `tell` or `seek`, zipfile writes as a stream (sizes after each file's data)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the stream takes what was written."""

    def close(self) -> None:
        """Nothing to close: what is left is taken after the archive closes."""

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _csv_writer(entry: IO[bytes]) -> tuple[io.TextIOWrapper, Any]:
    text = io.TextIOWrapper(entry, encoding="utf-8", newline="")
    return text, csv.writer(text, lineterminator="\n")


# --- Loop's layout ------------------------------------------------------------------------------


def _history(
    habit: ExportedHabit, rules: list[Rule], checkins: list[Row], week_start: int
) -> HabitHistory:
    return HabitHistory(
        rules=rules,
        start_date=habit.start_date,
        end_date=habit.end_date,
        checkins={row[0]: DayRecord(STATUSES[row[1]], row[2]) for row in checkins},
        week_start=week_start,
    )


def daily_scores(history: HabitHistory, today: date) -> dict[date, float]:
    """The habit's strength at the end of each day from its start to `today` (held after its
    end date), by the habit math's score: one pass, each day folded onto the one before."""
    scores: dict[date, float] = {}
    last = min(today, history.end_date or today)
    score, prefix, counted = 0.0, [0.0], 0
    day = history.start_date
    while day <= last:
        record = history.checkins.get(day)
        one_day = history._replace(checkins={day: record} if record is not None else {})
        score, prefix = score_fold(one_day, day, day, score, prefix, counted)
        counted += 1
        scores[day] = score
        day += ONE_DAY
    while day <= today:
        scores[day] = score
        day += ONE_DAY
    return scores


def loop_checkmarks(habit: ExportedHabit, history: HabitHistory, today: date) -> dict[date, int]:
    """Each known day's checkmark as Loop encodes it: a done yes/no day YES_MANUAL, a
    measurable day its value times 1000, a skip SKIP; the days a met week or month carries
    without a check-in of their own YES_AUTO (as Loop fills a period its repetitions meet)."""
    measurable = habit.kind == "measurable"
    marks: dict[date, int] = {}
    for day, record in history.checkins.items():
        if record.status is Status.skipped:
            marks[day] = LOOP_SKIP
        elif measurable:
            marks[day] = round((record.value or 0.0) * LOOP_NUMERIC_FACTOR)
        else:
            marks[day] = LOOP_YES_MANUAL
    if measurable or not history.checkins:
        return marks
    for period in judge(history, history.start_date, today, today):
        if period.outcome is not Outcome.met or period.start == period.end:
            continue
        day = period.start
        while day <= min(period.end, today):
            marks.setdefault(day, LOOP_YES_AUTO)
            day += ONE_DAY
    return marks


def loop_mark(value: int) -> str:
    """A checkmark as Loop 2.x's CSV files write it."""
    return LOOP_MARK_NAMES.get(value, str(value))


def loop_habit_cells(position: int, habit: ExportedHabit) -> tuple[object, ...]:
    """A line of Loop's Habits.csv: its frequency as "times in days", no question; a
    measurable habit's unit, target and whether it is a floor or a ceiling."""
    rule = rule_from_values(habit.start_date, *habit.rule)
    times, days = times_in_days(rule)
    color = (habit.color or LOOP_DEFAULT_COLOR).upper()
    measurable = habit.kind == "measurable"
    target_type = "AT_MOST" if measurable and rule.goal_type is GoalType.at_most else "AT_LEAST"
    return (
        f"{position:03d}",
        habit.name,
        "NUMERICAL" if measurable else "YES_NO",
        "",
        habit.description or "",
        times,
        days,
        color,
        habit.unit or "" if measurable else "",
        target_type,
        repr(float(rule.goal_value or 0.0)) if measurable else "0.0",
        "true" if habit.archived_at is not None else "false",
    )


def loop_folder(position: int, name: str) -> str:
    """`001 Name/`: the habit's place in the list and its name, as Loop sanitises it."""
    sane = LOOP_UNSAFE.sub("", name)[:100]
    return f"{position:03d} {sane}".strip() + "/"


def _newest_first(first: date, last: date) -> Iterable[date]:
    day = last
    while day >= first:
        yield day
        day -= ONE_DAY


# --- the service ------------------------------------------------------------------------------


class ExportService:
    async def stream(
        self, database: Database, user: User, export_format: ExportFormat
    ) -> AsyncIterator[bytes]:
        """The export of `user`'s account in `export_format`, in pieces, read in one read-only
        unit of its own."""
        async with request_unit(database, write=False) as uow:
            if export_format is ExportFormat.json:
                pieces = self.json_pieces(uow, user)
            elif export_format is ExportFormat.csv:
                pieces = self.csv_pieces(uow, user)
            else:
                pieces = self.loop_pieces(uow, user)
            async for piece in pieces:
                if piece:
                    yield piece

    async def json_pieces(self, uow: UnitOfWork, user: User) -> AsyncIterator[bytes]:
        """The JSON document, habit by habit and a page of fitness samples at a time."""
        repository = ExportRepository(uow)
        profile = await UserRepository(uow).profile(user.id)
        habits = await repository.habits(user.id)
        categories, category_names = await repository.categories(user.id)
        rules = await repository.rules(user.id)
        reminders = await repository.reminders(user.id)
        goals = await repository.goals(user.id)
        head = {
            "schema_version": SCHEMA_VERSION,
            "exported_at": _instant(utcnow()),
            "user": _user_document(user, profile),
            "categories": [category._asdict() for category in categories],
        }
        yield json.dumps(head)[:-1].encode() + b', "habits": ['
        for index, habit in enumerate(habits):
            checkins = await repository.checkins(user.id, habit.id)
            document = {
                "id": habit.id,
                "name": habit.name,
                "description": habit.description,
                "kind": habit.kind,
                "unit": habit.unit,
                "color": habit.color,
                "icon": habit.icon,
                "position": habit.position,
                "archived_at": _instant(habit.archived_at),
                "start_date": habit.start_date.isoformat(),
                "end_date": _day(habit.end_date),
                "data_source_metric": habit.data_source_metric,
                "created_at": _instant(habit.created_at),
                "category_names": category_names.get(habit.id, []),
                "rules": [
                    {"effective_from": effective_from.isoformat(), **_rule_fields(values)}
                    for effective_from, values in _rule_versions(habit, rules.get(habit.id, []))
                ],
                "checkins": [_checkin_document(row) for row in checkins],
                "reminders": [
                    dict(
                        zip(
                            ("time", "days", "message", "channels", "active"),
                            _reminder_fields(row),
                            strict=True,
                        )
                    )
                    for row in reminders.get(habit.id, [])
                ],
                "goals": [
                    {name: _plain(value) for name, value in zip(GOAL_FIELDS, row, strict=True)}
                    for row in goals.get(habit.id, [])
                ],
            }
            yield (b", " if index else b"") + json.dumps(document).encode()
        yield b'], "fitness": {"samples": ['
        first = True
        async for page in self._sample_pages(uow, user.id):
            body = ", ".join(json.dumps(_sample_document(row)) for row in page)
            yield (b"" if first else b", ") + body.encode()
            first = False
        fitness = FitnessRepository(uow)
        tail = {
            "goals": [
                {"metric": metric, "daily_target": target}
                for metric, target in (await fitness.goals(user.id)).items()
            ],
            "source_priority": await fitness.priority(user.id),
        }
        yield b"], " + json.dumps(tail)[1:].encode() + b"}"

    async def _sample_pages(self, uow: UnitOfWork, user_id: int) -> AsyncIterator[list[Row]]:
        repository = ExportRepository(uow)
        after: tuple[str, str] | None = None
        while page := await repository.samples_after(user_id, after):
            yield page
            after = (page[-1][0], page[-1][1])

    async def csv_pieces(self, uow: UnitOfWork, user: User) -> AsyncIterator[bytes]:
        """A zip of habits.csv, checkins.csv, reminders.csv and fitness.csv."""
        repository = ExportRepository(uow)
        habits = await repository.habits(user.id)
        _, category_names = await repository.categories(user.id)
        reminders = await repository.reminders(user.id)
        sink = _Sink()
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
            text, rows = _csv_writer(archive.open("habits.csv", "w"))
            with text:
                rows.writerow(HABITS_CSV_HEADER)
                for habit in habits:
                    rows.writerow(
                        [
                            *(_plain(value) for value in habit[:12]),
                            LIST_SEPARATOR.join(category_names.get(habit.id, [])),
                            *(
                                LIST_SEPARATOR.join(value) if isinstance(value, list) else value
                                for value in _rule_fields(habit.rule).values()
                            ),
                        ]
                    )
            yield sink.take()
            text, rows = _csv_writer(archive.open("checkins.csv", "w"))
            with text:
                rows.writerow(CHECKINS_CSV_HEADER)
                for habit in habits:
                    checkins = await repository.checkins(user.id, habit.id)
                    rows.writerows(
                        (habit.id, habit.name, row[0].isoformat(), *row[1:]) for row in checkins
                    )
                    text.flush()
                    yield sink.take()
            text, rows = _csv_writer(archive.open("reminders.csv", "w"))
            with text:
                rows.writerow(REMINDERS_CSV_HEADER)
                for habit in habits:
                    rows.writerows(
                        (habit.id, habit.name, *_reminder_cells(row))
                        for row in reminders.get(habit.id, [])
                    )
            text, rows = _csv_writer(archive.open("fitness.csv", "w"))
            with text:
                rows.writerow(SAMPLE_FIELDS)
                async for page in self._sample_pages(uow, user.id):
                    rows.writerows([_plain(value) for value in row] for row in page)
                    text.flush()
                    yield sink.take()
        yield sink.take()

    async def loop_pieces(self, uow: UnitOfWork, user: User) -> AsyncIterator[bytes]:
        """A zip as Loop 2.x writes one: Habits.csv; per habit `NNN Name/Checkmarks.csv`
        (Date,Value,Notes) and `Scores.csv` (Date,Score), newest first; and Checkmarks.csv and
        Scores.csv with a column per habit, from today back to the oldest check-in."""
        repository = ExportRepository(uow)
        habits = await repository.habits(user.id)
        stored_rules = await repository.rules(user.id)
        today = local_today(user)
        sink = _Sink()
        marks_by_habit: list[dict[date, int]] = []
        scores_by_habit: list[dict[date, float]] = []
        oldest: date | None = None
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
            text, rows = _csv_writer(archive.open("Habits.csv", "w"))
            with text:
                rows.writerow(LOOP_HABITS_HEADER)
                rows.writerows(
                    loop_habit_cells(position, habit)
                    for position, habit in enumerate(habits, start=1)
                )
            for position, habit in enumerate(habits, start=1):
                checkins = await repository.checkins(user.id, habit.id)
                versions = _rule_versions(habit, stored_rules.get(habit.id, []))
                rules = [rule_from_values(start, *values) for start, values in versions]
                history = _history(habit, rules, checkins, user.week_start)
                marks = loop_checkmarks(habit, history, today)
                scores = daily_scores(history, today)
                first_known = min(marks, default=None)
                if checkins and (oldest is None or checkins[0][0] < oldest):
                    oldest = checkins[0][0]
                folder = loop_folder(position, habit.name)
                notes = {row[0]: row[3] or "" for row in checkins}
                text, rows = _csv_writer(archive.open(folder + "Checkmarks.csv", "w"))
                with text:
                    rows.writerow(("Date", "Value", "Notes"))
                    rows.writerows(
                        (day.isoformat(), loop_mark(marks[day]), notes.get(day, ""))
                        for day in sorted(marks)[::-1]
                    )
                text, rows = _csv_writer(archive.open(folder + "Scores.csv", "w"))
                with text:
                    rows.writerow(("Date", "Score"))
                    rows.writerows(
                        (day.isoformat(), f"{scores.get(day, 0.0):.4f}")
                        for day in _newest_first(first_known or today, today)
                    )
                marks_by_habit.append(marks)
                scores_by_habit.append(scores)
                yield sink.take()
            names = [habit.name for habit in habits]
            text, rows = _csv_writer(archive.open("Checkmarks.csv", "w"))
            with text:
                # Loop ends the header and every row with its delimiter.
                rows.writerow(["Date", *names, ""])
                if oldest is not None:
                    rows.writerows(
                        [
                            day.isoformat(),
                            *(loop_mark(marks.get(day, LOOP_UNKNOWN)) for marks in marks_by_habit),
                            "",
                        ]
                        for day in _newest_first(oldest, today)
                    )
            text, rows = _csv_writer(archive.open("Scores.csv", "w"))
            with text:
                rows.writerow(["Date", *names, ""])
                if oldest is not None:
                    rows.writerows(
                        [
                            day.isoformat(),
                            *(f"{scores.get(day, 0.0):.4f}" for scores in scores_by_habit),
                            "",
                        ]
                        for day in _newest_first(oldest, today)
                    )
        yield sink.take()


export_service = ExportService()
