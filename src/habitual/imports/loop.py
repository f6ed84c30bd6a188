"""Loop Habit Tracker's files: its SQLite backup (`loop_db`, every schema version its own
importer still reads, 9 and later) and its CSV export (`loop_csv`, the zip of Habits.csv and a
folder per habit, in the layout of Loop 1.x and of 2.x).

What Loop's files hold (iSoron/uhabits): a habit's frequency is `freq_num` times in
`freq_den` days; its colour an index into Loop's palette; a numerical habit's target is per
day, week or month (`freq_den` 1, 7, 30) and its values are stored times 1000; repetitions are
kept per day as a value (2 done by hand, 1 done by Loop's inference, 0 not done, 3 skipped,
-1 unknown; before schema 16 a repetition had no value and simply meant done) with notes
(from schema 25). Reminder weekdays are a bit mask from Saturday (bit 0) to Friday (bit 6).
"""

from __future__ import annotations

import math
import re
import sqlite3
import time as clock
from collections.abc import Callable, Iterable
from datetime import date, time, timedelta
from typing import Any

from habitual.exports.service import (
    LOOP_NO,
    LOOP_NUMERIC_FACTOR,
    LOOP_SKIP,
    LOOP_UNKNOWN,
    LOOP_YES_AUTO,
    LOOP_YES_MANUAL,
)
from habitual.habitmath.schedule import Frequency, GoalType, Status
from habitual.habits.rules import Kind
from habitual.imports.files import BoundedZip, csv_rows, text_of
from habitual.imports.model import (
    BadFile,
    ImportedAccount,
    ImportedCheckin,
    ImportedHabit,
    ImportedReminder,
    Limits,
)
from habitual.kit.timezones import Weekday

SQLITE_MAGIC = b"SQLite format 3\x00"
OLDEST_SCHEMA = 9  # Loop's migrations start here; its importer reads nothing older
EPOCH = date(1970, 1, 1)
DAY_MS = 86_400_000
# Loop's palette (uhabits `PaletteColor`), by index.
LOOP_PALETTE = (
    "#D32F2F",
    "#E64A19",
    "#F57C00",
    "#FF8F00",
    "#F9A825",
    "#AFB42B",
    "#7CB342",
    "#388E3C",
    "#00897B",
    "#00ACC1",
    "#039BE5",
    "#1976D2",
    "#303F9F",
    "#5E35B1",
    "#8E24AA",
    "#D81B60",
    "#5D4037",
    "#303030",
    "#757575",
    "#AAAAAA",
)
LOOP_MARKS = {
    "YES_MANUAL": LOOP_YES_MANUAL,
    "YES_AUTO": LOOP_YES_AUTO,
    "NO": LOOP_NO,
    "SKIP": LOOP_SKIP,
    "UNKNOWN": LOOP_UNKNOWN,
}
WEEKDAYS = list(Weekday)
MAX_NAME = 100
MAX_UNIT = 32
MAX_DESCRIPTION = 2000
READ_SECONDS = 20.0  # a hostile database's queries are cut off after this
HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


# --- what Loop's values mean in ours ---------------------------------------------------------


def _describe(fields: dict[str, Any]) -> str:
    frequency = fields["frequency"]
    if frequency is Frequency.daily:
        return "daily"
    if frequency is Frequency.every_n_days:
        return f"every {fields['every_n_days']} days"
    period = "week" if frequency is Frequency.weekly else "month"
    return f"{fields['times_per_period']} times a {period}"


def _candidates() -> list[tuple[float, dict[str, Any]]]:
    """Every schedule of ours a Loop frequency can become, with its times per day."""
    found: list[tuple[float, dict[str, Any]]] = [(1.0, {"frequency": Frequency.daily})]
    found += [
        (times / 7, {"frequency": Frequency.weekly, "times_per_period": times})
        for times in range(1, 7)
    ]
    found += [
        (times / 30, {"frequency": Frequency.monthly, "times_per_period": times})
        for times in range(1, 30)
    ]
    found += [
        (1 / days, {"frequency": Frequency.every_n_days, "every_n_days": days})
        for days in range(2, 366)
    ]
    return found


CANDIDATES = _candidates()


def schedule_of(numerator: int, denominator: int) -> tuple[dict[str, Any], bool]:
    """Our schedule for Loop's "`numerator` times in `denominator` days", and whether it is
    exact: 1/1 daily, N/7 weekly N, N/30 or N/31 monthly N, 1/N every N days; anything else
    the nearest of ours (by the ratio of times per day)."""
    if numerator >= 1 and denominator >= 1:
        if numerator == denominator:
            return {"frequency": Frequency.daily}, True
        if denominator == 7 and numerator < 7:
            return {"frequency": Frequency.weekly, "times_per_period": numerator}, True
        if denominator in (30, 31) and numerator < denominator:
            return {"frequency": Frequency.monthly, "times_per_period": numerator}, True
        if numerator == 1 and denominator <= 365:
            return {"frequency": Frequency.every_n_days, "every_n_days": denominator}, True
        rate = numerator / denominator
    else:
        rate = 1.0
    _, nearest = min(CANDIDATES, key=lambda candidate: abs(math.log(candidate[0] / rate)))
    return dict(nearest), False


def _text(value: object, limit: int) -> str | None:
    text = "" if value is None else str(value).strip()
    return text[:limit] or None


def _description(question: object, description: object) -> str | None:
    parts = [
        part
        for part in (_text(question, MAX_DESCRIPTION), _text(description, MAX_DESCRIPTION))
        if part
    ]
    return "\n\n".join(parts)[:MAX_DESCRIPTION] or None


def _color(value: object) -> str | None:
    """A Loop colour (its palette's index, or `#RRGGBB` in its CSV) as ours, in lower case."""
    if isinstance(value, int) and 0 <= value < len(LOOP_PALETTE):
        return LOOP_PALETTE[value].lower()
    text = str(value or "").strip()
    if HEX_COLOR.match(text):
        return text.lower()
    return None


def loop_weekdays(mask: int) -> tuple[Weekday, ...]:
    """Loop's reminder weekdays (bit 0 Saturday ... bit 6 Friday) as ours; none: every day."""
    days = sorted((bit + 5) % 7 for bit in range(7) if mask & (1 << bit))
    return tuple(WEEKDAYS[day] for day in days) or tuple(Weekday)


def loop_habit(
    *,
    source_id: str | None,
    name: object,
    numerical: bool,
    numerator: int,
    denominator: int,
    target_type: int | str,
    target_value: float,
    unit: object,
    question: object,
    description: object,
    color: object,
    position: int | None,
    archived: bool,
    warnings: list[str],
) -> ImportedHabit:
    """A Loop habit in our terms; what does not map exactly is said in `warnings`."""
    title = _text(name, MAX_NAME) or "Untitled habit"
    if len(str(name or "").strip()) > MAX_NAME:
        warnings.append(f"{title}: the name was cut to {MAX_NAME} characters.")
    habit = ImportedHabit(
        source_id=source_id,
        name=title,
        description=_description(question, description),
        color=_color(color),
        position=position,
        archived=archived,
    )
    if numerical:
        habit.kind = Kind.measurable
        at_most = target_type in (1, "1", "AT_MOST")
        habit.goal_type = GoalType.at_most if at_most else GoalType.at_least
        habit.unit = _text(unit, MAX_UNIT)
        goal = target_value if target_value > 0 else 1.0
        if target_value <= 0:
            warnings.append(f"{title}: Loop's target was {target_value}; the goal became 1.")
        per = max(denominator, 1)
        if per > 1:
            goal = round(goal / per, 3) or 0.001
            warnings.append(
                f"{title}: Loop counts a total of {target_value:g} per {per} days; Habitual "
                f"judges each day, so the goal became {goal:g} a day."
            )
        habit.goal_value = goal
        return habit
    fields, exact = schedule_of(numerator, denominator)
    habit.frequency = fields["frequency"]
    habit.times_per_period = fields.get("times_per_period")
    habit.every_n_days = fields.get("every_n_days")
    if not exact:
        warnings.append(
            f"{title}: Loop's {numerator} times in {denominator} days has no equal in Habitual; "
            f"it became {_describe(fields)}."
        )
    return habit


def loop_checkin(
    value: int, numerical: bool, day: date, note: str | None
) -> ImportedCheckin | None:
    """A day's value as a check-in: done by hand, an amount, or a skip; None for the days
    Loop inferred (YES_AUTO), marked not done or left unknown."""
    if value == LOOP_SKIP:
        return ImportedCheckin(day, Status.skipped, None, note)
    if numerical:
        if value < 0:
            return None
        return ImportedCheckin(day, Status.done, value / LOOP_NUMERIC_FACTOR, note)
    if value == LOOP_YES_MANUAL:
        return ImportedCheckin(day, Status.done, None, note)
    return None


def _day_of(timestamp: object) -> date | None:
    if not isinstance(timestamp, int) or not 0 <= timestamp < DAY_MS * 200_000:
        return None
    return EPOCH + timedelta(days=timestamp // DAY_MS)


# --- the SQLite backup -----------------------------------------------------------------------


def _deadline(seconds: float) -> Callable[[], int]:
    ends = clock.monotonic() + seconds
    return lambda: int(clock.monotonic() > ends)


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]).lower() for row in connection.execute(f"PRAGMA table_info({table})")}


def _pick(columns: set[str], name: str, default: str = "NULL") -> str:
    return name if name in columns else default


def parse_loop_db(data: bytes, limits: Limits) -> ImportedAccount:
    """Loop's backup (`Loop Habits Backup *.db`)."""
    if not data.startswith(SQLITE_MAGIC):
        raise BadFile("The file is not a SQLite database (Loop's backup is a .db file).")
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        connection.execute("PRAGMA query_only = 1")
        connection.execute("PRAGMA trusted_schema = 0")
        connection.set_progress_handler(_deadline(READ_SECONDS), 10_000)
        return _read_loop_db(connection, limits)
    except sqlite3.Error as error:
        reason = "it took too long to read" if "interrupt" in str(error) else str(error)
        raise BadFile(f"The database cannot be read as Loop's backup ({reason}).") from None
    finally:
        connection.close()


def _read_loop_db(connection: sqlite3.Connection, limits: Limits) -> ImportedAccount:
    tables = {
        str(row[0]).lower()
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if not {"habits", "repetitions"} <= tables:
        raise BadFile("The database has no Habits and Repetitions tables: it is not Loop's backup.")
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version < OLDEST_SCHEMA:
        raise BadFile(
            f"The backup is of Loop's schema version {version}; Loop itself reads only "
            f"{OLDEST_SCHEMA} and later. Open it in a current Loop and make a new backup."
        )
    account = ImportedAccount()
    habit_columns = _columns(connection, "Habits")
    selected = ", ".join(
        [
            "id",
            _pick(habit_columns, "uuid"),
            _pick(habit_columns, "name"),
            _pick(habit_columns, "description"),
            _pick(habit_columns, "question"),
            _pick(habit_columns, "freq_num", "1"),
            _pick(habit_columns, "freq_den", "1"),
            _pick(habit_columns, "color"),
            _pick(habit_columns, "position"),
            _pick(habit_columns, "archived", "0"),
            _pick(habit_columns, "type", "0"),
            _pick(habit_columns, "target_type", "0"),
            _pick(habit_columns, "target_value", "0"),
            _pick(habit_columns, "unit"),
            _pick(habit_columns, "reminder_hour"),
            _pick(habit_columns, "reminder_min"),
            _pick(habit_columns, "reminder_days", "127"),
        ]
    )
    by_id: dict[int, tuple[ImportedHabit, bool]] = {}
    rows = connection.execute(f"SELECT {selected} FROM Habits ORDER BY position, id")  # noqa: S608 - known columns
    for row in rows:
        if len(by_id) >= limits.max_habits:
            raise BadFile(f"The backup has more than {limits.max_habits} habits.")
        (
            loop_id,
            uuid,
            name,
            description,
            question,
            numerator,
            denominator,
            color,
            position,
            archived,
            kind,
            target_type,
            target_value,
            unit,
            hour,
            minute,
            reminder_days,
        ) = row
        numerical = kind == 1
        habit = loop_habit(
            source_id=str(uuid).strip() if uuid else f"id:{loop_id}",
            name=name,
            numerical=numerical,
            numerator=_int(numerator, 1),
            denominator=_int(denominator, 1),
            target_type=_int(target_type, 0),
            target_value=_float(target_value),
            unit=unit,
            question=question,
            description=description,
            color=color,
            position=_int(position, 0) if position is not None else None,
            archived=bool(archived),
            warnings=account.warnings,
        )
        if (
            isinstance(hour, int)
            and isinstance(minute, int)
            and 0 <= hour < 24
            and 0 <= minute < 60
        ):
            habit.reminders.append(
                ImportedReminder(time(hour, minute), loop_weekdays(_int(reminder_days, 127)))
            )
        by_id[loop_id] = (habit, numerical)
        account.habits.append(habit)
    repetition_columns = _columns(connection, "Repetitions")
    value = _pick(repetition_columns, "value", str(LOOP_YES_MANUAL))
    notes = _pick(repetition_columns, "notes")
    repetitions = connection.execute(
        f"SELECT habit, timestamp, {value}, {notes} FROM Repetitions ORDER BY habit, timestamp"  # noqa: S608 - known columns
    )
    seen: set[tuple[int, date]] = set()
    count = unreadable = 0
    while batch := repetitions.fetchmany(10_000):
        for habit_id, timestamp, mark, note in batch:
            found = by_id.get(habit_id)
            day = _day_of(timestamp)
            if found is None or day is None or not isinstance(mark, int):
                unreadable += 1
                continue
            if (habit_id, day) in seen:
                continue
            seen.add((habit_id, day))
            habit, numerical = found
            checkin = loop_checkin(mark, numerical, day, _text(note, 10_000))
            if checkin is not None:
                count += 1
                if count > limits.max_checkins:
                    raise BadFile(f"The backup has more than {limits.max_checkins} check-ins.")
                habit.checkins.append(checkin)
    if unreadable:
        account.warnings.append(
            f"{unreadable} repetitions were left out: they belong to no habit or have no date."
        )
    return account


def _int(value: object, default: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(float(str(value)))
    except (TypeError, ValueError, OverflowError):
        return default


def _float(value: object) -> float:
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


# --- the CSV export --------------------------------------------------------------------------

LOOP_FOLDER = re.compile(r"^(?:.*/)?(\d{3}) [^/]*/Checkmarks\.csv$")


def _mark(cell: str) -> int | None:
    cell = cell.strip()
    if cell in LOOP_MARKS:
        return LOOP_MARKS[cell]
    try:
        return int(cell)
    except ValueError:
        return None


def _day(cell: str) -> date | None:
    try:
        return date.fromisoformat(cell.strip())
    except ValueError:
        return None


def parse_loop_csv(data: bytes, limits: Limits) -> ImportedAccount:
    """Loop's CSV export (`Loop Habits CSV *.zip`)."""
    archive = BoundedZip(data, limits)
    habits_csv = next(
        (name for name in archive.names if name.rsplit("/", 1)[-1] == "Habits.csv"), None
    )
    if habits_csv is None:
        raise BadFile("The zip has no Habits.csv: it is not Loop's CSV export.")
    account = ImportedAccount()
    rows = csv_rows(text_of(archive.read(habits_csv), "Habits.csv"), "Habits.csv", limits)
    header = next(rows, None)
    if not header or header[:2] != ["Position", "Name"]:
        raise BadFile("Habits.csv does not start with Loop's header (Position,Name,...).")
    index = {name: position for position, name in enumerate(header)}

    def cell(row: list[str], *names: str) -> str:
        for name in names:
            if name in index and index[name] < len(row):
                return row[index[name]]
        return ""

    folders = {match.group(1): name for name in archive.names if (match := LOOP_FOLDER.match(name))}
    numerical_of: list[tuple[ImportedHabit, bool, str]] = []
    for row in rows:
        if not any(row):
            continue
        if len(account.habits) >= limits.max_habits:
            raise BadFile(f"Habits.csv has more than {limits.max_habits} habits.")
        position = cell(row, "Position").strip()
        numerical = cell(row, "Type").strip() == "NUMERICAL"
        habit = loop_habit(
            source_id=None,
            name=cell(row, "Name"),
            numerical=numerical,
            numerator=_int(cell(row, "FrequencyNumerator", "NumRepetitions"), 1),
            denominator=_int(cell(row, "FrequencyDenominator", "Interval"), 1),
            target_type=cell(row, "Target Type").strip(),
            target_value=_float(cell(row, "Target Value")),
            unit=cell(row, "Unit"),
            question=cell(row, "Question"),
            description=cell(row, "Description"),
            color=cell(row, "Color"),
            position=_int(position, 0) - 1 if position else None,
            archived=cell(row, "Archived?").strip().lower() == "true",
            warnings=account.warnings,
        )
        account.habits.append(habit)
        numerical_of.append((habit, numerical, position))
    count = 0
    for habit, numerical, position in numerical_of:
        folder = folders.get(position)
        if folder is None:
            continue
        marks = csv_rows(text_of(archive.read(folder), folder), folder, limits)
        seen: set[date] = set()
        for row in marks:
            if not row or row[0] == "Date":
                continue
            day, mark = _day(row[0]), _mark(row[1]) if len(row) > 1 else None
            if day is None or mark is None or day in seen:
                continue
            seen.add(day)
            note = _text(row[2], 10_000) if len(row) > 2 else None
            checkin = loop_checkin(mark, numerical, day, note)
            if checkin is not None:
                count += 1
                if count > limits.max_checkins:
                    raise BadFile(f"The export has more than {limits.max_checkins} check-ins.")
                habit.checkins.append(checkin)
    if not folders and account.habits:
        _from_the_table(archive, account, [numerical for _, numerical, _ in numerical_of], limits)
    return account


def _from_the_table(
    archive: BoundedZip, account: ImportedAccount, numerical: Iterable[bool], limits: Limits
) -> None:
    """An export without a folder per habit: the days from the top Checkmarks.csv, a column
    per habit in Habits.csv's order."""
    name = next(
        (name for name in archive.names if name.rsplit("/", 1)[-1] == "Checkmarks.csv"), None
    )
    if name is None:
        return
    kinds = list(numerical)
    count = 0
    for row in csv_rows(text_of(archive.read(name), name), name, limits):
        day = _day(row[0]) if row else None
        if day is None:
            continue
        for habit, is_numerical, cell in zip(account.habits, kinds, row[1:], strict=False):
            mark = _mark(cell)
            checkin = None if mark is None else loop_checkin(mark, is_numerical, day, None)
            if checkin is not None:
                count += 1
                if count > limits.max_checkins:
                    raise BadFile(f"The export has more than {limits.max_checkins} check-ins.")
                habit.checkins.append(checkin)
