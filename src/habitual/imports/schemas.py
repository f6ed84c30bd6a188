"""What /imports answers: a dry run's preview, and an import's record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from habitual.kit.schemas import OutputModel


class ImportFormat(StrEnum):
    habitual_json = "habitual_json"
    loop_db = "loop_db"
    loop_csv = "loop_csv"
    habitbull_csv = "habitbull_csv"


class ImportCounts(OutputModel):
    habits_created: int = Field(description="New habits")
    habits_updated: int = Field(
        description="Habits already here (from an earlier import of the same source, or of "
        "the same name when the source has no ids) that got check-ins or reminders"
    )
    checkins_created: int = Field(description="Days added; a day already checked stays as it is")
    reminders_created: int
    warnings: list[str] = Field(description="What did not map exactly, each naming its habit")


class HabitPlan(OutputModel):
    """What the import does with one habit of the file."""

    name: str = Field(
        description="The habit's name here (a clash with an active habit adds a suffix)"
    )
    source_id: str | None = Field(description="The source's own id of the habit, if it has ids")
    action: Literal["create", "update", "unchanged"]
    habit_id: int | None = Field(description="The habit it goes to, when it is already here")
    kind: str
    frequency: str
    times_per_period: int | None
    target_days: list[str] | None
    every_n_days: int | None
    goal_value: float | None
    goal_type: str | None
    unit: str | None
    archived: bool
    checkins_in_file: int
    checkins_new: int
    reminders_new: int


class ImportPreview(ImportCounts):
    """A dry run: what a real import of the file would do; nothing was written."""

    dry_run: Literal[True] = True
    format: ImportFormat
    habits: list[HabitPlan]


class ImportRead(ImportCounts):
    """An import that was made."""

    id: int
    format: ImportFormat
    filename: str | None
    size_bytes: int
    file_sha256: str = Field(description="The SHA-256 digest of the file (the file is not kept)")
    created_at: datetime
