"""HabitBull's CSV export: one row per habit and day (`HabitName,HabitDescription,
HabitCategory,CalendarDate,Value,CommentText`; some versions put a `DateNumber` column before
the date). A value of 1 is a day done and 0 one not done; a habit with any other value counts
amounts, and every value of it is an amount. HabitBull's file has no schedule or goal: habits
become daily, and a counted habit's goal the median of its amounts (said in a warning)."""

from __future__ import annotations

import math
import statistics
from datetime import date

from habitual.habitmath.schedule import Status
from habitual.habits.rules import Kind
from habitual.imports.files import csv_rows, text_of
from habitual.imports.model import BadFile, ImportedAccount, ImportedCheckin, ImportedHabit, Limits

HEADER_START = ["HabitName", "HabitDescription", "HabitCategory"]
MAX_NAME = 100


def _date(cell: str) -> date | None:
    """yyyy-MM-dd, or M/d/yyyy as HabitBull's US exports write it."""
    cell = cell.strip()
    try:
        if "-" in cell:
            return date.fromisoformat(cell[:10])
        month, day, year = (int(part) for part in cell.split("/"))
        return date(year, month, day)
    except ValueError:
        return None


def _amount(cell: str) -> float | None:
    try:
        value = float(cell.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_habitbull_csv(data: bytes, limits: Limits) -> ImportedAccount:
    text = text_of(data, "The file")
    rows = csv_rows(text, "The file", limits)
    header = next(rows, None)
    if header is None or [cell.strip() for cell in header[:3]] != HEADER_START:
        raise BadFile(
            "The file does not start with HabitBull's header "
            "(HabitName,HabitDescription,HabitCategory,...)."
        )
    names = [cell.strip() for cell in header]
    date_at = (
        names.index("CalendarDate")
        if "CalendarDate" in names
        else (names.index("Date") if "Date" in names else 3)
    )
    value_at = names.index("Value") if "Value" in names else date_at + 1
    comment_at = names.index("CommentText") if "CommentText" in names else value_at + 1
    account = ImportedAccount()
    habits: dict[str, ImportedHabit] = {}
    amounts: dict[str, dict[date, tuple[float, str | None]]] = {}
    unreadable = count = 0
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        name = row[0].strip()[:MAX_NAME]
        day = _date(row[date_at]) if len(row) > date_at else None
        value = _amount(row[value_at]) if len(row) > value_at else None
        if not name or day is None or value is None or value < 0:
            unreadable += 1
            continue
        habit = habits.get(name)
        if habit is None:
            if len(habits) >= limits.max_habits:
                raise BadFile(f"The file has more than {limits.max_habits} habits.")
            category = row[2].strip() if len(row) > 2 else ""
            habit = ImportedHabit(
                source_id=None,
                name=name,
                description=(row[1].strip()[:2000] or None) if len(row) > 1 else None,
                category_names=(category,) if category else (),
            )
            habits[name] = habit
            amounts[name] = {}
            account.habits.append(habit)
        note = (row[comment_at].strip()[:10_000] or None) if len(row) > comment_at else None
        if day not in amounts[name]:
            count += 1
            if count > limits.max_checkins:
                raise BadFile(f"The file has more than {limits.max_checkins} check-ins.")
        amounts[name][day] = (value, note)
    for name, habit in habits.items():
        days = amounts[name]
        counted = any(value not in (0.0, 1.0) for value, _ in days.values())
        if counted:
            habit.kind = Kind.measurable
            positive = [value for value, _ in days.values() if value > 0]
            habit.goal_value = statistics.median(positive) if positive else 1.0
            account.warnings.append(
                f"{name}: HabitBull's file has amounts but no goal; the goal became "
                f"{habit.goal_value:g} a day (the median amount). Change it if it is not yours."
            )
        for day, (value, note) in sorted(days.items()):
            if counted:
                habit.checkins.append(ImportedCheckin(day, Status.done, value, note))
            elif value == 1.0:
                habit.checkins.append(ImportedCheckin(day, Status.done, None, note))
    if unreadable:
        account.warnings.append(
            f"{unreadable} rows were left out: no habit name, or a date or value that cannot "
            "be read."
        )
    return account
